from __future__ import annotations

import warnings
from typing import Any

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError

import localdict_nb
from localdict_nb import LocalDict
from localdict_nb.magics import LocalDictMagics
from localdict_nb.magics.completion import candidates, complete_localdict
from localdict_nb.magics.spec import SUBCOMMANDS

from .conftest import DATA, TestingShell


def completions(ip: TestingShell, text: str) -> list[str]:
    """What the real completer offers at the end of ``text``."""
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(text, len(text))]


def ours(ip: TestingShell, text: str) -> list[str]:
    """The completions that came from the %localdict matcher."""
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(text, len(text)) if c.type == "localdict"]


def legacy(ip: TestingShell, text: str) -> list[str]:
    """What ``ip.complete`` (the older API, pending deprecation) offers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return list(ip.complete("", text, len(text))[1])


@pytest.fixture
def ns() -> dict[str, Any]:
    d = LocalDict()
    for key, value in DATA.items():
        d[tuple(key.split("/"))] = value
    return {"d": d, "e": LocalDict(), "_hidden": LocalDict(), "x": 5}


# --- candidates(), the pure part ------------------------------------------------------------


@pytest.mark.parametrize(("words", "token", "expected"), [
    (["%localdict"], "", list(SUBCOMMANDS)),
    (["%localdict"], "g", ["get"]),
    (["%localdict"], "s", ["set", "stats", "show", "sub"]),
    (["%localdict"], "zz", []),
    (["%localdict", "get"], "", ["d", "e"]),
    (["%localdict", "new"], "d", ["d"]),
    (["%localdict", "ls"], "", ["d", "e"]),
    (["%localdict", "ls"], "d/", ["d/users/", "d/top"]),
    (["%localdict", "ls"], "d/us", ["d/users/"]),
    (["%localdict", "keys"], "d/users/", ["d/users/u1/", "d/users/u2/"]),
    (["%localdict", "clear"], "x/", []),
    (["%localdict", "ls"], "nope/a", []),
    (["%localdict", "get", "d"], "", ["users/", "top"]),
    (["%localdict", "get", "d"], "us", ["users/"]),
    (["%localdict", "get", "d"], "users/u", ["users/u1/", "users/u2/"]),
    (["%localdict", "set", "d"], "users/u1/", ["users/u1/name", "users/u1/score"]),
    (["%localdict", "del", "d"], "users/u1/s", ["users/u1/score"]),
    (["%localdict", "sub", "d"], "u", ["users/"]),
    (["%localdict", "get", "d"], "users/nope/", []),
    (["%localdict", "get", "x"], "", []),
    (["%localdict", "get", "nope"], "", []),
    (["%localdict", "get", "d", "users/u1/name"], "", []),
    (["%localdict", "list"], "", []),
    (["%localdict", "help"], "p", ["prune"]),
    (["%%localdict"], "", ["d", "e"]),
    (["%%localdict"], "e", ["e"]),
    (["%%localdict", "d"], "", []),
])
def test_candidates(ns: dict[str, Any], words: list[str], token: str,
                    expected: list[str]) -> None:
    assert sorted(candidates(words, token, ns)) == sorted(expected)


# --- the real completer ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("%localdict g", ["get"]),
    ("%localdict st", ["stats"]),
    ("%localdict get ", ["d"]),
    ("%localdict get d us", ["users/"]),
    ("%localdict get d users/u", ["users/u1/", "users/u2/"]),
    ("%localdict get d users/u1/", ["users/u1/name", "users/u1/score"]),
    ("%localdict ls d/us", ["d/users/"]),
    ("%localdict keys d/users/u", ["d/users/u1/", "d/users/u2/"]),
    ("%localdict help cl", ["clear"]),
    ("%%localdict ", ["d"]),
])
def test_the_shell_completes_subcommands_stores_and_keys(ip_data: TestingShell, text: str,
                                                         expected: list[str]) -> None:
    assert sorted(completions(ip_data, text)) == expected  # ours alone: the others are suppressed
    assert sorted(legacy(ip_data, text)) == expected


def test_completion_sees_new_keys_and_stores(ip_data: TestingShell) -> None:
    ip_data.run_cell("%localdict set d users/u3/name 'cy'")
    ip_data.run_cell("%localdict new dd")
    assert sorted(completions(ip_data, "%localdict get d users/u")) == [
        "users/u1/", "users/u2/", "users/u3/"]
    assert sorted(completions(ip_data, "%localdict stats d")) == ["d", "dd"]


def test_indented_magic_lines_complete(ip_data: TestingShell) -> None:
    assert completions(ip_data, "  %localdict get d us") == ["users/"]


def test_other_completion_still_works(ip_data: TestingShell) -> None:
    ip_data.user_ns["my_variable_1234"] = 1
    assert "my_variable_1234" in completions(ip_data, "my_variable_12")
    assert ours(ip_data, "my_variable_12") == []
    assert ours(ip_data, "%time get") == []


def test_the_matcher_is_registered_once(ip: TestingShell) -> None:
    assert ip.Completer.custom_matchers.count(complete_localdict) == 1


# --- loading and unloading ------------------------------------------------------------------


def test_loading_twice_is_harmless(ip_data: TestingShell) -> None:
    ip_data.run_cell("%load_ext localdict_nb")
    localdict_nb.load_ipython_extension(ip_data)
    assert ip_data.Completer.custom_matchers.count(complete_localdict) == 1
    assert ip_data.run_line_magic("localdict", "get d top") == "t"
    assert ours(ip_data, "%localdict g") == ["get"]


def test_unload_removes_the_magics_and_the_completer(ip_data: TestingShell) -> None:
    ip_data.run_cell("%unload_ext localdict_nb")
    assert complete_localdict not in ip_data.Completer.custom_matchers
    assert "localdict" not in ip_data.magics_manager.magics["line"]
    assert "localdict" not in ip_data.magics_manager.magics["cell"]
    assert LocalDictMagics.__name__ not in ip_data.magics_manager.registry
    for call in (lambda: ip_data.run_line_magic("localdict", "list"),
                 lambda: ip_data.run_cell("%localdict list")):
        with pytest.raises(UsageError, match=r"Line magic function `%localdict` not found"):
            call()
    with pytest.raises(UsageError, match=r"Cell magic `%%localdict` not found"):
        ip_data.run_cell("%%localdict d\na = 1")
    assert ours(ip_data, "%localdict g") == []
    assert ours(ip_data, "%localdict get d us") == []
    assert isinstance(ip_data.user_ns["d"], LocalDict)  # the stores stay


def test_unload_then_load_again(ip_data: TestingShell) -> None:
    ip_data.run_cell("%unload_ext localdict_nb")
    ip_data.run_cell("%load_ext localdict_nb")
    assert ip_data.Completer.custom_matchers.count(complete_localdict) == 1
    assert ip_data.run_line_magic("localdict", "get d users/u2/name") == "bob"
    assert ours(ip_data, "%localdict get d us") == ["users/"]


def test_reload_ext_keeps_one_working_copy(ip_data: TestingShell) -> None:
    for _ in range(2):
        ip_data.run_cell("%reload_ext localdict_nb")
    assert ip_data.Completer.custom_matchers.count(complete_localdict) == 1
    assert ip_data.extension_manager.loaded == {"localdict_nb"}
    ip_data.run_cell("%localdict set d users/u1/name 'ann2'")  # the existing store still counts
    assert ip_data.run_line_magic("localdict", "get d users/u1/name") == "ann2"
    assert sorted(completions(ip_data, "%localdict get d users/u")) == ["users/u1/", "users/u2/"]
    assert ip_data.run_line_magic("localdict", "list").column("name") == ["d"]


def test_unloading_a_shell_that_never_loaded_is_harmless(ip_empty: TestingShell) -> None:
    localdict_nb.unload_ipython_extension(ip_empty)
    assert complete_localdict not in ip_empty.Completer.custom_matchers
    assert "localdict" not in ip_empty.magics_manager.magics["line"]
