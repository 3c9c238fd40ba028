from __future__ import annotations

from typing import Any

import persidict
import pytest
from IPython.core.error import UsageError

from localdict_nb import LocalDict

from .conftest import Snapshot, TestingShell, snapshot

LONG = "a" * 300

BAD_LINES = [
    # unknown subcommands, missing and unknown arguments
    ("bogus", "invalid choice: 'bogus'"),
    ("get", "required: name, key"),
    ("get d", "required: key"),
    ("set d", "required: key, expr"),
    ("set d k", "required: expr"),
    ("ls", "required: target"),
    ("find d", "required: pattern"),
    ("stats", "required: name"),
    ("sub d users", "required: --as"),
    ("get d users/u1/name extra", "unrecognized arguments: extra"),
    ("ls d --bogus", "unrecognized arguments: --bogus"),
    ("ls d --depth x", "invalid int value: 'x'"),
    ("ls d --depth 0", "--depth must be at least 1"),
    ("help bogus", "no subcommand 'bogus'"),
    # unknown stores and variables that are not a LocalDict
    *((f"{cmd} nope{rest}", "no variable 'nope'") for cmd, rest in [
        ("get", " a"), ("set", " a 1"), ("del", " a"), ("ls", ""), ("ls", "/a"), ("keys", ""),
        ("find", " *"), ("stats", ""), ("show", ""), ("prune", ""), ("clear", ""),
        ("sub", " a --as v")]),
    *((f"{cmd} x{rest}", "'x' is a int, not a localdict_nb.LocalDict") for cmd, rest in [
        ("get", " a"), ("set", " a 1"), ("del", " a"), ("ls", ""), ("keys", "/a"), ("stats", ""),
        ("clear", "")]),
    # invalid keys and prefixes
    ("get d a//b", "bad key 'a//b'"),
    ("get d ..", "bad key '..'"),
    ("get d users/../top", "bad key 'users/../top'"),
    ("get d ./top", "bad key './top'"),
    ("get d a$b", "bad key 'a$b'"),
    ("get d $x", "bad key '$x'"),
    ("get d {x}", "bad key '{x}'"),
    ("get d a b", "unrecognized arguments: b"),
    (f"get d {LONG}", "300 characters long"),
    ("set d a//b 1", "bad key 'a//b'"),
    ("set d a:b 1", "bad key 'a:b'"),
    ("del d ..", "bad key '..'"),
    ("ls d/a//b", "bad prefix 'a//b'"),
    ("keys d/..", "bad prefix '..'"),
    ("show d/a b", "unrecognized arguments: b"),
    ("clear d/users//u1", "bad prefix 'users//u1'"),
    ("sub d a//b --as v", "bad prefix 'a//b'"),
    # keys that do not exist
    ("get d nope", "no key 'nope'"),
    ("get d users", "no key 'users'"),
    ("del d users/u3/name", "no key 'users/u3/name'"),
    # expressions that raise
    ("set d k 1 / 0", "the expression '1 / 0' raised ZeroDivisionError: division by zero"),
    ("set d k undefined_name", "raised NameError: name 'undefined_name' is not defined"),
    ("set d k (1,", "raised SyntaxError"),
    ("set d k x.missing", "raised AttributeError"),
    ("set d k (i for i in [])", "cannot pickle 'generator' object"),
    # append-only stores
    ("set ao k 2", "MutationPolicyError: append-only"),
    ("del ao k", "MutationPolicyError: append-only"),
    ("clear ao", "MutationPolicyError: append-only"),
    # names that cannot be bound
    ("new d --format yaml", "'yaml'"),
    ("new x", "'x' already holds a int"),
    ("new 1x", "'1x' is not a valid Python name"),
    ("new s --prune-interval x", "invalid int value: 'x'"),
    ("sub d users --as x", "'x' already holds a int"),
    ("sub d users --as 1x", "'1x' is not a valid Python name"),
    # lines the argument parser cannot even split, or IPython cannot tokenize
    ("get d 'a/b", "No closing quotation"),
    ('ls d "', "No closing quotation"),
    ("set d 'a 1", "bad key \"'a\""),
    ("get d a\\", "bad key"),
    # persidict's stores: read and written, but not pruned, cleared, viewed or filled by a cell
    ("get p a", "%localdict get: no key 'a'"),
    ("del p a/b", "%localdict del: no key 'a/b'"),
    ("ls p/a", "%localdict ls: nothing is stored under 'p/a'"),
    ("ls p/a//b", "bad prefix 'a//b'"),
    ("get p a//b", "bad key 'a//b'"),
    *((f"{cmd} p{rest}", f"'p' is a persidict.local_dict.LocalDict; %localdict {cmd} works on a "
       "localdict_nb.LocalDict only") for cmd, rest in [
        ("prune", ""), ("clear", ""), ("clear", "/a"), ("sub", " a --as v")]),
]

BAD_CELLS = [
    ("d --json", "{bad", "the cell is not JSON"),
    ("d --json", '{"a": 1', "the cell is not JSON"),
    ("d --json", "[1, 2]", "must be a JSON object, got list"),
    ("d --json", '{"a//b": 1}', "bad key 'a//b'"),
    ("d", "a = 1\nthis is not an assignment\n", "line 2 is not `key/path = expression`"),
    ("d", "a =\n", "line 1 is not `key/path = expression`"),
    ("d", "a = 1\n.. = 2\n", "bad key '..'"),
    ("d", "a = 1\nb = undefined_name\n",
     "line 2: the expression 'undefined_name' raised NameError"),
    ("nope", "a = 1", "no variable 'nope'"),
    ("x", "a = 1", "'x' is a int, not a localdict_nb.LocalDict"),
    ("d --format yaml", "a = 1", "'yaml'"),
    ("d --bogus", "a = 1", "unrecognized arguments: --bogus"),
    ("ao", "new = 1\nk = 2\n", "ao is append-only and k exists"),
    ("p", "a = 1", "'p' is a persidict.local_dict.LocalDict; %%localdict works on a "
     "localdict_nb.LocalDict only"),
    ("d --json", "[" * 100_000 + "]" * 100_000, "nests too deeply"),
    ("d --json", '{"a": ' + "[" * 5_000 + "]" * 5_000 + "}", "nests too deeply"),
    ("d", "a=b=1", "raised SyntaxError"),
]


@pytest.fixture
def ip_bad(ip_data: TestingShell) -> TestingShell:
    """``ip_data`` plus ``x = 5`` (not a store) and an append-only store ``ao`` holding ``k``."""
    ip_data.user_ns["x"] = 5
    ip_data.user_ns["p"] = persidict.LocalDict()
    ip_data.run_cell("%localdict new ao --append-only")
    ip_data.run_cell("%localdict set ao k 1")
    return ip_data


def state(ip: TestingShell) -> tuple[dict[str, int], dict[str, Snapshot | tuple[Any, int]]]:
    """What a failed command must not change: the bindings and every store's contents."""
    ns = ip.user_ns
    names = {n: id(v) for n, v in ns.items() if not n.startswith("_")}
    stores = {n: snapshot(v) for n, v in ns.items() if isinstance(v, LocalDict)}
    stores |= {n: (sorted(v.items()), 0) for n, v in ns.items()
               if isinstance(v, persidict.LocalDict)}
    return names, stores


def usage_error(ip: TestingShell, call: Any, *args: str) -> str:
    """Run the call, which must raise a plain one-line UsageError; return its message."""
    before = state(ip)
    with pytest.raises(UsageError) as info:
        call(*args)
    assert type(info.value) is UsageError
    message = str(info.value)
    assert "\n" not in message
    assert state(ip) == before
    return message


@pytest.mark.parametrize(("line", "fragment"), BAD_LINES, ids=[line[:40] for line, _ in BAD_LINES])
def test_bad_line_is_a_one_line_usage_error_that_changes_nothing(
        ip_bad: TestingShell, line: str, fragment: str) -> None:
    message = usage_error(ip_bad, ip_bad.run_line_magic, "localdict", line)
    assert fragment in message
    assert message.startswith("%localdict")


@pytest.mark.parametrize(("line", "body", "fragment"), BAD_CELLS,
                         ids=[f"{line}:{body[:20]}" for line, body, _ in BAD_CELLS])
def test_bad_cell_is_a_one_line_usage_error_that_changes_nothing(
        ip_bad: TestingShell, line: str, body: str, fragment: str) -> None:
    message = usage_error(ip_bad, ip_bad.run_cell_magic, "localdict", line, body)
    assert fragment in message


@pytest.mark.parametrize("cell", [
    "%localdict bogus",
    "%localdict get d a//b",
    "%localdict get nope a",
    "%localdict set d k 1 / 0",
    "%localdict set ao k 2",
    "x = %localdict get d nope",
    "%%localdict d --json\n{bad",
    "%%localdict d\nnot an assignment",
    "%localdict get d 'a/b",
    "%localdict ls d [ ;",
    "%%localdict d --json\n" + "[" * 100_000,
])
def test_the_shell_shows_one_line_and_no_traceback(
        ip_bad: TestingShell, capsys: pytest.CaptureFixture[str], cell: str) -> None:
    capsys.readouterr()
    before = state(ip_bad)
    error = ip_bad.run_cell_error(cell)
    assert type(error) is UsageError
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert lines == [f"UsageError: {error}"]
    assert "Traceback" not in captured.out + captured.err
    assert state(ip_bad) == before


def test_the_testing_shell_raises_the_error_of_a_failing_cell(ip: TestingShell) -> None:
    with pytest.raises(ZeroDivisionError):
        ip.run_cell("1 / 0")
    with pytest.raises(UsageError):
        ip.run_cell("%localdict bogus")
    assert isinstance(ip.run_cell_error("1 / 0"), ZeroDivisionError)
    with pytest.raises(AssertionError, match="the cell succeeded"):
        ip.run_cell_error("1 + 1")


def test_braces_and_dollar_are_not_looked_up(ip_bad: TestingShell) -> None:
    ip_bad.user_ns["k"] = "users/u1/name"
    for line in ("get d {k}", "get d $k"):
        message = usage_error(ip_bad, ip_bad.run_line_magic, "localdict", line)
        assert f"bad key '{line[6:]}'" in message
        assert "users/u1/name" not in message


def test_a_failed_set_leaves_the_old_value(ip_bad: TestingShell) -> None:
    store = ip_bad.user_ns["d"]
    usage_error(ip_bad, ip_bad.run_line_magic, "localdict", "set d top undefined_name")
    usage_error(ip_bad, ip_bad.run_line_magic, "localdict", "set d top (i for i in [])")
    assert store["top"] == "t"


def test_new_refuses_to_replace_a_variable_holding_none(ip: TestingShell) -> None:
    ip.user_ns["n"] = None
    message = usage_error(ip, ip.run_line_magic, "localdict", "new n")
    assert "'n'" in message
    assert ip.user_ns["n"] is None


def test_new_refuses_a_keyword_as_name(ip: TestingShell) -> None:
    message = usage_error(ip, ip.run_line_magic, "localdict", "new class")
    assert "'class'" in message
    assert "class" not in ip.user_ns


def test_new_refuses_a_negative_prune_interval(ip: TestingShell) -> None:
    message = usage_error(ip, ip.run_line_magic, "localdict", "new s --prune-interval -1")
    assert "-1" in message
    assert "s" not in ip.user_ns


def test_an_expression_with_a_multiline_message_gives_one_line(ip_data: TestingShell) -> None:
    expr = '(_ for _ in ()).throw(ValueError("first line\\nsecond line"))'
    message = usage_error(ip_data, ip_data.run_line_magic, "localdict", f"set d k {expr}")
    assert "ValueError: first line" in message


@pytest.mark.parametrize("line", ["ls d/typo", "ls d/users/u9/x --depth 3", "keys d/nothing/here",
                                  "keys d/nothing *", "show d/not/yet", "find d nothing/*"])
def test_reading_commands_never_create_nodes(ip_bad: TestingShell, line: str,
                                             closing: Any) -> None:
    store = ip_bad.user_ns["d"]
    tree = store.get_params()["backend"].tree
    nodes, listing = tree.nodes, ip_bad.run_line_magic("localdict", "ls d --depth 3").rows
    try:
        result = ip_bad.run_line_magic("localdict", line)
    except UsageError as exc:
        assert "nothing is stored under" in str(exc)
    else:
        if line.startswith("show"):
            closing(result)
    assert tree.nodes == nodes
    assert ip_bad.run_line_magic("localdict", "ls d --depth 3").rows == listing
    tree.check()


def test_ls_of_a_prefix_that_holds_nothing_says_so(ip_bad: TestingShell) -> None:
    message = usage_error(ip_bad, ip_bad.run_line_magic, "localdict", "ls d/typo")
    assert message == "%localdict ls: nothing is stored under 'd/typo'"


@pytest.mark.parametrize("line", ["find d [", "keys d [", "find d (", "keys d/users {"])
def test_brackets_that_python_would_not_close_are_just_patterns(ip_bad: TestingShell,
                                                                line: str) -> None:
    table = ip_bad.run_cell(f"%localdict {line}").result
    assert list(table) == [] and "0 " in table.note


def test_a_quoted_key_says_to_drop_the_quotes(ip_data: TestingShell) -> None:
    for line in ('get d "a/b"', "get d 'a/b'"):
        with pytest.raises(UsageError) as info:
            ip_data.run_line_magic("localdict", line)
        assert "keys are written without quotes, as in a/b" in str(info.value)
