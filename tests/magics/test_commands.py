from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import pytest

from localdict_nb import LocalDict
from localdict_nb.magics import LocalDictMagics
from localdict_nb.magics.results import Help, Report, Table
from localdict_nb.magics.spec import SUBCOMMANDS
from localdict_nb.view.widget import LocalDictTree

from .conftest import DATA, TestingShell

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def magic(ip: TestingShell, line: str) -> Any:
    return ip.run_line_magic("localdict", line)


def stat_rows(table: Table) -> dict[str, Any]:
    return dict(table.rows)


# --- new / list -----------------------------------------------------------------------------


def test_new_binds_an_empty_pkl_store(ip: TestingShell) -> None:
    report = ip.run_cell("%localdict new s").result
    s = ip.user_ns["s"]
    assert isinstance(s, LocalDict)
    assert len(s) == 0
    params = s.get_params()
    assert (params["serialization_format"], params["append_only"], params["prune_interval"]) == (
        "pkl", False, 64)
    assert isinstance(report, Report)
    assert repr(report) == "s = LocalDict [pkl], prune every 64 deletions"


def test_new_takes_format_append_only_and_prune_interval(ip: TestingShell) -> None:
    report = magic(ip, "new s --format json --append-only --prune-interval 16")
    params = ip.user_ns["s"].get_params()
    assert (params["serialization_format"], params["append_only"], params["prune_interval"]) == (
        "json", True, 16)
    assert repr(report) == "s = LocalDict [json, append-only], prune every 16 deletions"


def test_new_with_prune_interval_zero_never_prunes(ip: TestingShell) -> None:
    report = magic(ip, "new s --prune-interval 0")
    assert ip.user_ns["s"].get_params()["prune_interval"] is None
    assert "never pruned" in repr(report)


def test_new_replaces_an_existing_localdict(ip_data: TestingShell, store: LocalDict) -> None:
    magic(ip_data, "new d --format json")
    fresh = ip_data.user_ns["d"]
    assert fresh is not store
    assert len(fresh) == 0
    assert fresh.serialization_format == "json"
    assert store["users", "u1", "name"] == "ann"  # the old object itself is untouched


def test_list_shows_every_localdict_with_counts_per_format(ip_data: TestingShell) -> None:
    magic(ip_data, "new e --format json")
    magic(ip_data, "set e j 1")
    magic(ip_data, "sub d users --as u")
    ip_data.user_ns["_hidden"] = LocalDict()
    ip_data.user_ns["plain"] = {"not": "a store"}
    table = magic(ip_data, "list")
    assert isinstance(table, Table)
    assert table.columns == ("name", "kind", "root", "format", "keys", "all formats")
    assert table.rows == [
        ("d", "LocalDict", "/", "pkl", 4, "pkl 4"),
        ("e", "LocalDict", "/", "json", 1, "json 1"),
        ("u", "LocalDict", "/users", "pkl", 3, "pkl 3"),
    ]


def test_list_of_a_namespace_without_stores_is_empty(ip: TestingShell) -> None:
    table = magic(ip, "list")
    assert len(table) == 0
    assert "(none)" in repr(table)


# --- ls ---------------------------------------------------------------------------------------


def test_ls_lists_children_with_counts(ip_data: TestingShell, store: LocalDict) -> None:
    table = magic(ip_data, "ls d")
    assert isinstance(table, Table)
    assert table.columns == ("path", "kind", "contents", "version")
    rows = {row[0]: row for row in table}
    assert set(rows) == {"users/", "top"}
    assert rows["users/"][1:3] == ("node", "pkl 3")
    assert rows["top"][1:] == ("pkl", "'t'", f"etag {store.etag('top')}")


def test_ls_of_a_prefix(ip_data: TestingShell) -> None:
    table = magic(ip_data, "ls d/users/u1")
    assert table.title == "d/users/u1"
    assert {row[0]: row[2] for row in table} == {"name": "'ann'", "score": "1.5"}


def test_ls_depth_descends(ip_data: TestingShell) -> None:
    assert set(magic(ip_data, "ls d/users").column("path")) == {"u1/", "u2/"}
    deep = set(magic(ip_data, "ls d --depth 3").column("path"))
    assert deep == {"users/", "top", "users/u1/", "users/u2/", "users/u1/name",
                    "users/u1/score", "users/u2/name"}


# --- get / set / del -------------------------------------------------------------------------


def test_get_assigns_the_value(ip_data: TestingShell) -> None:
    ip_data.run_cell("x = %localdict get d users/u1/score")
    assert ip_data.user_ns["x"] == 1.5
    assert magic(ip_data, "get d users/u2/name") == "bob"


def test_get_returns_an_independent_copy(ip_data: TestingShell, store: LocalDict) -> None:
    magic(ip_data, "set d l [1, 2]")
    value = magic(ip_data, "get d l")
    value.append(3)
    assert store["l"] == [1, 2]


def test_set_evaluates_in_the_user_namespace(ip_data: TestingShell, store: LocalDict) -> None:
    ip_data.user_ns["n"] = 20
    report = ip_data.run_cell("%localdict set d a/b n * 2 + 1").result
    assert store["a", "b"] == 41
    assert isinstance(report, Report)
    assert report.etag == store.etag(("a", "b"))
    assert repr(report).startswith("d[a/b] = 41")


@pytest.mark.parametrize("expr", ["'a   b'", "{'k':  [1,   2]}", "'x  #  y'", "  'lead'"])
def test_set_keeps_the_expression_exactly_as_written(ip_data: TestingShell, store: LocalDict,
                                                     expr: str) -> None:
    ip_data.run_cell(f"%localdict set d k {expr}")
    assert store["k"] == ast.literal_eval(expr.strip())


def test_set_with_a_trailing_semicolon_still_writes(ip_data: TestingShell,
                                                    store: LocalDict) -> None:
    result = ip_data.run_cell("%localdict set d k 7;")
    assert result.result is None
    assert store["k"] == 7


def test_dollar_and_braces_are_not_expanded(ip_data: TestingShell, store: LocalDict) -> None:
    ip_data.user_ns["x"] = "EXPANDED"
    ip_data.run_cell('%localdict set d k "$x"')
    ip_data.run_cell('%localdict set d k2 "{x}"')
    assert store["k"] == "$x"
    assert store["k2"] == "{x}"


def test_del_removes_one_key(ip_data: TestingShell, store: LocalDict) -> None:
    report = magic(ip_data, "del d users/u2/name")
    assert ("users", "u2", "name") not in store
    assert len(store) == len(DATA) - 1
    assert repr(report) == "deleted d[users/u2/name]"


# --- keys / find ----------------------------------------------------------------------------


def test_keys_lists_every_key_under_a_prefix(ip_data: TestingShell) -> None:
    table = magic(ip_data, "keys d")
    assert set(table.column("key")) == set(DATA)
    assert table.note == "4 keys"
    assert set(magic(ip_data, "keys d/users").column("key")) == {"u1/name", "u1/score", "u2/name"}


def test_keys_filters_with_a_glob(ip_data: TestingShell) -> None:
    table = magic(ip_data, "keys d/users */name")
    assert sorted(table.column("key")) == ["u1/name", "u2/name"]
    assert "matching */name" in table.title
    assert magic(ip_data, "keys d u?/*").rows == []  # the glob covers the whole relative path


def test_find_globs_over_whole_paths_of_every_format(ip_data: TestingShell) -> None:
    ip_data.run_cell_magic("localdict", "d --format json", "users/u3/name = 'cy'")
    assert sorted(magic(ip_data, "find d users/*/name").column("key")) == [
        "users/u1/name", "users/u2/name", "users/u3/name"]
    assert sorted(magic(ip_data, "find d *u1*").column("key")) == ["users/u1/name",
                                                                   "users/u1/score"]
    assert magic(ip_data, "find d u1").note == "2 matches"  # no glob characters: a substring
    assert magic(ip_data, "find d nothing*").rows == []


# --- stats / show / prune / clear / sub -------------------------------------------------------


def test_stats_reports_keys_nodes_depth_counter_prune_state_and_memory(
        ip_data: TestingShell, store: LocalDict) -> None:
    table = magic(ip_data, "stats d")
    rows = stat_rows(table)
    assert rows["keys [pkl]"] == 4
    assert rows["nodes"] == 4  # the root, users, u1 and u2
    assert rows["depth"] == 3
    assert rows["write counter"] == store.write_counter == 4
    assert rows["ops since prune"] == "0 / 64"
    assert rows["prune passes"] == 0
    assert rows["live views"] == 0
    assert re.fullmatch(r"[\d.,]+ KiB", rows["memory (approx.)"])


def test_stats_counts_the_live_views_of_the_store(
        ip_data: TestingShell, closing: Callable[[Any], LocalDictTree]) -> None:
    views = [closing(magic(ip_data, "show d")), closing(magic(ip_data, "show d/users"))]
    assert stat_rows(magic(ip_data, "stats d"))["live views"] == 2
    views[0].close()
    assert stat_rows(magic(ip_data, "stats d"))["live views"] == 1


def test_show_returns_the_tree_widget(ip_data: TestingShell,
                                      closing: Callable[[Any], LocalDictTree]) -> None:
    whole = closing(magic(ip_data, "show d"))
    part = closing(magic(ip_data, "show d/users"))
    assert isinstance(whole, LocalDictTree)
    assert isinstance(part, LocalDictTree)
    assert part is not whole


def test_prune_removes_empty_subtrees(ip: TestingShell) -> None:
    magic(ip, "new p --prune-interval 0")
    magic(ip, "set p keep 1")
    magic(ip, "set p a/b/c 1")
    magic(ip, "del p a/b/c")
    assert stat_rows(magic(ip, "stats p"))["nodes"] == 3
    report = magic(ip, "prune p")
    assert [tuple(path) for path in report.removed] == [("a",)]
    assert repr(report) == "pruned 1 empty subtree(s): a"
    rows = stat_rows(magic(ip, "stats p"))
    assert (rows["nodes"], rows["prune passes"]) == (1, 1)
    assert repr(magic(ip, "prune p")) == "pruned 0 empty subtree(s)"


def test_clear_a_prefix_keeps_the_rest_and_other_formats(ip_data: TestingShell,
                                                         store: LocalDict) -> None:
    ip_data.run_cell_magic("localdict", "d --format json", "users/j = 1")
    report = magic(ip_data, "clear d/users")
    assert report.count == 3
    assert [tuple(k) for k in store] == [("top",)]
    assert magic(ip_data, "find d users/*").column("key") == ["users/j"]  # json is kept
    magic(ip_data, "clear d")
    assert len(store) == 0


def test_sub_binds_a_live_view(ip_data: TestingShell, store: LocalDict) -> None:
    report = magic(ip_data, "sub d users/u1 --as u1")
    view = ip_data.user_ns["u1"]
    assert isinstance(view, LocalDict)
    assert tuple(view.prefix) == ("users", "u1")
    assert dict(view.items()) == {("name",): "ann", ("score",): 1.5}
    assert report.name == "u1"
    magic(ip_data, "set u1 age 30")
    assert store["users", "u1", "age"] == 30


# --- help and the docstring -------------------------------------------------------------------


def test_help_lists_every_subcommand_with_an_example(ip: TestingShell) -> None:
    text = repr(magic(ip, "help"))
    for name, sub in SUBCOMMANDS.items():
        assert re.search(rf"^  {name} +{re.escape(sub.summary)}$", text, re.MULTILINE)
        assert f"e.g. {sub.example}" in text
    assert "%%localdict NAME" in text
    assert isinstance(magic(ip, ""), Help)  # no subcommand: the same overview


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_help_of_one_subcommand_has_its_arguments_and_an_example(ip: TestingShell,
                                                                 name: str) -> None:
    help_ = magic(ip, f"help {name}")
    assert isinstance(help_, Help)
    text = repr(help_)
    assert text.startswith(f"%localdict {name}")
    assert f"Example:\n  {SUBCOMMANDS[name].example}" in text
    for arg in SUBCOMMANDS[name].args:
        assert arg.options["help"] in text, arg.flags
    assert "<pre>" in help_._repr_html_()


def test_the_docstring_explains_everything(ip: TestingShell,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    doc = LocalDictMagics.localdict.__doc__ or ""
    info = ip.object_inspect("%localdict")
    assert info["found"]
    assert info["docstring"].split() == doc.split()
    for name, sub in SUBCOMMANDS.items():
        assert sub.example in doc, name
    assert "%%localdict NAME [--format F] [--json]" in doc
    assert "trailing ``;``" in doc
    ip.run_cell("%localdict?")
    shown = ANSI.sub("", capsys.readouterr().out)
    assert "Docstring:" in shown
    assert "e.g. %localdict set d users/u1/score 0.5 * 3" in shown


# --- results render themselves ------------------------------------------------------------


def test_tables_render_escaped_html_and_clean_text(ip_data: TestingShell) -> None:
    magic(ip_data, "set d users/evil '<b>&\"x'")
    table = magic(ip_data, "ls d/users")
    page = table._repr_html_()
    assert page.startswith('<table class="ldnb-magic"><caption>d/users</caption>')
    assert "<th>path</th><th>kind</th><th>contents</th><th>version</th>" in page
    assert "<b>" not in page
    assert "&lt;b&gt;&amp;" in page
    text = repr(table)
    assert "<" not in text.replace("<b>&", "")
    lines = text.splitlines()
    assert lines[0] == "d/users"
    assert lines[1].split() == ["path", "kind", "contents", "version"]
    assert set(lines[2].replace(" ", "")) == {"-"}
    assert any(line.startswith("evil") and "'<b>&\"x'" in line for line in lines)


def test_reports_render_escaped_html(ip_data: TestingShell) -> None:
    report = magic(ip_data, "set d k '<i>'")
    assert "<i>" in repr(report)
    assert "&lt;i&gt;" in report._repr_html_()


def test_output_is_shown_and_a_trailing_semicolon_silences_it(
        ip_data: TestingShell, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    shown = ip_data.run_cell("%localdict ls d")
    out = capsys.readouterr().out
    assert isinstance(shown.result, Table)
    assert "path    kind  contents  version" in out
    assert "<table" not in out
    silent = ip_data.run_cell("%localdict ls d;")
    assert silent.result is None
    assert capsys.readouterr().out == ""
    assert magic(ip_data, "get d top;") is None


def test_a_table_result_can_be_kept(ip_data: TestingShell) -> None:
    ip_data.run_cell("t = %localdict keys d/users")
    table = ip_data.user_ns["t"]
    assert isinstance(table, Table)
    assert sorted(row[0] for row in table) == ["u1/name", "u1/score", "u2/name"]
