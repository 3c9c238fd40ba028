from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from localdict_nb import LocalDict
from localdict_nb.magics.results import Report

from .conftest import TestingShell, snapshot


def cell(ip: TestingShell, line: str, body: str) -> object:
    return ip.run_cell_magic("localdict", line, body)


def json_view(store: LocalDict) -> LocalDict:
    return LocalDict(**{**store.get_params(), "serialization_format": "json"})


def test_lines_are_written_and_counted(ip_data: TestingShell, store: LocalDict) -> None:
    ip_data.user_ns["n"] = 4
    result = ip_data.run_cell(
        "%%localdict d\n"
        "cfg/lr = 0.1 * n\n"
        "# a comment\n"
        "\n"
        "cfg/name = 'run ' + str(n)\n"
        "  cfg/flag = n == 4\n"
        "users/u1/name = 'anna'\n"
    ).result
    assert isinstance(result, Report)
    assert result.count == 4
    assert repr(result) == "wrote 4 key(s) to d [pkl]"
    assert store["cfg", "lr"] == pytest.approx(0.4)
    assert store["cfg", "name"] == "run 4"
    assert store["cfg", "flag"] is True
    assert store["users", "u1", "name"] == "anna"


def test_an_indented_cell_is_dedented(ip_data: TestingShell, store: LocalDict) -> None:
    cell(ip_data, "d", "    a = 1\n    b/c = 2\n")
    assert (store["a"], store["b", "c"]) == (1, 2)


def test_a_key_may_start_or_end_with_a_slash(ip_data: TestingShell, store: LocalDict) -> None:
    cell(ip_data, "d", "/a/b/ = 1\n")
    assert store["a", "b"] == 1


def test_json_cell_writes_one_object(ip_data: TestingShell, store: LocalDict) -> None:
    report = cell(ip_data, "d --json", '{"j/a": 1, "j/b": [1, "two", null], "top": {"x": true}}')
    assert isinstance(report, Report)
    assert report.count == 3
    assert store["j", "a"] == 1
    assert store["j", "b"] == [1, "two", None]
    assert store["top"] == {"x": True}


def test_format_option_writes_in_that_format(ip_data: TestingShell, store: LocalDict) -> None:
    before = len(store)
    report = cell(ip_data, "d --format json", "j/a = [1, 2]\nj/b = {'x': 1}\n")
    assert repr(report) == "wrote 2 key(s) to d [json]"
    assert len(store) == before  # the pkl keys are not touched
    assert store.serialization_format == "pkl"
    assert dict(json_view(store).items()) == {("j", "a"): [1, 2], ("j", "b"): {"x": 1}}


def test_format_option_with_the_stores_own_format(ip_data: TestingShell, store: LocalDict) -> None:
    cell(ip_data, "d --format pkl", "k = 1")
    assert store["k"] == 1


def test_json_and_format_together(ip_data: TestingShell, store: LocalDict) -> None:
    cell(ip_data, "d --json --format json", '{"a": 1}')
    assert dict(json_view(store).items()) == {("a",): 1}
    assert "a" not in store


def test_an_empty_cell_writes_nothing(ip_data: TestingShell, store: LocalDict) -> None:
    before = snapshot(store)
    report = cell(ip_data, "d", "# nothing\n\n")
    assert report.count == 0
    assert snapshot(store) == before


def test_the_cell_is_written_to_a_subdict_view(ip_data: TestingShell, store: LocalDict) -> None:
    ip_data.run_line_magic("localdict", "sub d users/u9 --as u9")
    cell(ip_data, "u9", "name = 'zed'\n")
    assert store["users", "u9", "name"] == "zed"


def test_every_expression_is_evaluated_before_anything_is_written(
        ip_data: TestingShell, store: LocalDict) -> None:
    ip_data.user_ns["calls"] = []
    before = snapshot(store)
    with pytest.raises(UsageError) as info:
        cell(ip_data, "d", "a = calls.append(1)\nb = 1 / 0\nc = calls.append(3)\n")
    assert type(info.value) is UsageError
    assert str(info.value) == (
        "%%localdict line 2: the expression '1 / 0' raised ZeroDivisionError: division by zero")
    assert ip_data.user_ns["calls"] == [1]  # evaluation stopped at line 2
    assert snapshot(store) == before


def test_every_key_is_checked_before_anything_is_written(ip_data: TestingShell,
                                                         store: LocalDict) -> None:
    before = snapshot(store)
    with pytest.raises(UsageError, match=r"bad key 'b//c'"):
        cell(ip_data, "d", "a = 1\nb//c = 2\n")
    assert snapshot(store) == before


def test_append_only_existing_key_refuses_the_whole_cell(ip: TestingShell) -> None:
    ip.run_line_magic("localdict", "new ao --append-only")
    ip.run_line_magic("localdict", "set ao old 1")
    ao = ip.user_ns["ao"]
    before = snapshot(ao)
    with pytest.raises(UsageError) as info:
        cell(ip, "ao", "new = 1\nold = 2\n")
    assert type(info.value) is UsageError
    assert str(info.value) == "%%localdict: ao is append-only and old exists"
    assert snapshot(ao) == before


def test_append_only_cell_writes_new_keys(ip: TestingShell) -> None:
    ip.run_line_magic("localdict", "new ao --append-only")
    cell(ip, "ao", "a = 1\nb/c = 2\n")
    assert dict(ip.user_ns["ao"].items()) == {("a",): 1, ("b", "c"): 2}


def test_append_only_key_twice_in_one_cell_writes_nothing(ip: TestingShell) -> None:
    ip.run_line_magic("localdict", "new ao --append-only")
    ao = ip.user_ns["ao"]
    before = snapshot(ao)
    with pytest.raises(UsageError) as info:
        cell(ip, "ao", "j = 1\nj = 2\n")
    assert type(info.value) is UsageError
    assert "append-only" in str(info.value)
    assert snapshot(ao) == before


def test_a_value_the_format_cannot_hold_writes_nothing(ip: TestingShell) -> None:
    ip.run_line_magic("localdict", "new s")
    s = ip.user_ns["s"]
    ip.user_ns["s"] = LocalDict(**{**s.get_params(), "base_class_for_values": str})
    before = snapshot(s)
    with pytest.raises(UsageError) as info:
        cell(ip, "s", "a = 'fine'\nb = 1\n")
    assert type(info.value) is UsageError
    assert "\n" not in str(info.value)
    assert snapshot(s) == before


def test_the_cell_line_is_checked_first(ip_data: TestingShell, store: LocalDict) -> None:
    before = snapshot(store)
    for line, fragment in [("", "name"), ("d --bogus", "--bogus"), ("nope", "'nope'"),
                           ("d --format xml", "xml")]:
        with pytest.raises(UsageError) as info:
            cell(ip_data, line, "a = 1\n")
        assert type(info.value) is UsageError
        assert fragment in str(info.value)
        assert "\n" not in str(info.value)
    assert snapshot(store) == before


def test_a_value_that_cannot_be_stored_writes_nothing(ip_data: TestingShell,
                                                      store: LocalDict) -> None:
    before = snapshot(store)
    with pytest.raises(UsageError) as info:
        cell(ip_data, "d", "a = 1\nb = (i for i in [])\n")
    assert type(info.value) is UsageError
    assert "generator" in str(info.value)
    assert snapshot(store) == before


def test_a_key_that_contains_an_equals_sign(ip_data: TestingShell) -> None:
    ip_data.run_cell("%%localdict d\na=b = 1\nx==y = 2 == 2\nplain=3\nc = {'k': 1}\n")
    store = ip_data.user_ns["d"]
    assert (store["a=b"], store["x==y"], store["plain"], store["c"]) == (1, True, 3, {"k": 1})
