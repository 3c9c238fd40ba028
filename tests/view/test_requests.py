from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from localdict_nb.view import protocol
from localdict_nb.view.protocol import (
    MAX_EXPANDED,
    MAX_LIMIT,
    MAX_PATH_CHARS,
    MAX_QUERY_CHARS,
)
from localdict_nb.view.requests import (
    RequestError,
    check_expanded,
    check_limits,
    check_path,
    check_query,
    check_rendered,
    check_selected,
)

_UNSAFE_PATHS = ["a//b", "..", ".", "a/..", "a b", "<script>", "a/<img src=x>", "/a", "a/",
                 "a\\b", "a\nb", "é", "a\x00b"]
_BAD_LIMITS = [0, -1, True, False, 1e9, 5.0, "5", None, [5], MAX_LIMIT + 1]


def test_request_error_is_a_value_error() -> None:
    assert issubclass(RequestError, ValueError)


@pytest.mark.parametrize("path", ["", "a", "a/b/c", "user_1/s-2/item_4.x", "(x)=~y",
                                  "a" * MAX_PATH_CHARS])
def test_check_path_accepts_safe_paths(path: str) -> None:
    assert check_path(path) == path


@pytest.mark.parametrize("path", _UNSAFE_PATHS)
def test_check_path_rejects_unsafe_segments(path: str) -> None:
    with pytest.raises(RequestError, match="safe key segments"):
        check_path(path)


@pytest.mark.parametrize("path", [None, 5, ["a"], {"a": 1}, b"a"])
def test_check_path_rejects_non_strings(path: Any) -> None:
    with pytest.raises(RequestError, match="must be a string"):
        check_path(path)


def test_check_path_rejects_over_long_paths_and_keeps_the_message_short() -> None:
    with pytest.raises(RequestError, match=str(MAX_PATH_CHARS)) as info:
        check_path("a" * (MAX_PATH_CHARS + 1))
    assert len(str(info.value)) < 200
    with pytest.raises(RequestError) as info:
        check_path("<" * 3000)
    assert len(str(info.value)) < 200


def test_check_path_rejects_the_root_for_keys() -> None:
    with pytest.raises(RequestError, match="empty"):
        check_path("", allow_root=False)


def test_check_expanded_accepts_paths_drops_root_and_duplicates() -> None:
    assert check_expanded([]) == []
    assert check_expanded(["a", "", "a/b", "a", "c"]) == ["a", "a/b", "c"]
    assert check_expanded(["n"] * MAX_EXPANDED) == ["n"]


@pytest.mark.parametrize("value", [None, "a", 5, {"a": 1}, ("a",), {"a"}])
def test_check_expanded_rejects_wrong_types(value: Any) -> None:
    with pytest.raises(RequestError, match="list"):
        check_expanded(value)


@pytest.mark.parametrize("entry", [*_UNSAFE_PATHS, None, 1, ["a"], {"p": "a"}])
def test_check_expanded_rejects_bad_entries(entry: Any) -> None:
    with pytest.raises(RequestError):
        check_expanded(["ok", entry])


def test_check_expanded_rejects_too_many_entries() -> None:
    with pytest.raises(RequestError, match=str(MAX_EXPANDED)):
        check_expanded([f"n{i}" for i in range(MAX_EXPANDED + 1)])


def test_check_limits_accepts_good_limits() -> None:
    assert check_limits({}) == {}
    good = {"": 1, "a": 100, "a/b": MAX_LIMIT}
    assert check_limits(good) == good
    assert all(type(v) is int for v in check_limits(good).values())


@pytest.mark.parametrize("limit", _BAD_LIMITS)
def test_check_limits_rejects_bad_limits(limit: Any) -> None:
    with pytest.raises(RequestError, match="must be an int"):
        check_limits({"a": limit})


@pytest.mark.parametrize("value", [None, [], ["a", 5], "a", 5])
def test_check_limits_rejects_wrong_types(value: Any) -> None:
    with pytest.raises(RequestError, match="object"):
        check_limits(value)


@pytest.mark.parametrize("path", [*_UNSAFE_PATHS, "x" * (MAX_PATH_CHARS + 1)])
def test_check_limits_rejects_unsafe_paths(path: str) -> None:
    with pytest.raises(RequestError):
        check_limits({path: 5})


def test_check_limits_rejects_non_string_paths() -> None:
    with pytest.raises(RequestError):
        check_limits({5: 5})


def test_check_limits_rejects_too_many_entries() -> None:
    assert len(check_limits({f"n{i}": 1 for i in range(MAX_EXPANDED + 1)})) == MAX_EXPANDED + 1
    with pytest.raises(RequestError, match=str(MAX_EXPANDED + 1)):
        check_limits({f"n{i}": 1 for i in range(MAX_EXPANDED + 2)})


def test_check_selected_accepts_good_values() -> None:
    assert check_selected({}) == {}
    assert check_selected({"path": "a/b", "format": "pkl"}) == {"path": "a/b", "format": "pkl"}
    assert check_selected({"format": "json", "path": "k"}) == {"path": "k", "format": "json"}


@pytest.mark.parametrize("value", [None, [], "a/b", 5, [("path", "a")]])
def test_check_selected_rejects_wrong_types(value: Any) -> None:
    with pytest.raises(RequestError, match="object"):
        check_selected(value)


@pytest.mark.parametrize("value", [
    {"path": "a"}, {"format": "pkl"}, {"path": "a", "format": "pkl", "extra": 1},
    {"path": "a", "fmt": "pkl"}, {1: "a", 2: "pkl"},
])
def test_check_selected_rejects_missing_or_extra_fields(value: dict[Any, Any]) -> None:
    with pytest.raises(RequestError, match="exactly the fields"):
        check_selected(value)


@pytest.mark.parametrize("path", [*_UNSAFE_PATHS, "", None, 5, ["a"],
                                  "a" * (MAX_PATH_CHARS + 1)])
def test_check_selected_rejects_bad_paths(path: Any) -> None:
    with pytest.raises(RequestError):
        check_selected({"path": path, "format": "pkl"})


@pytest.mark.parametrize("fmt", ["", None, 5, "<b>", "p k l", "a/b", "x" * 65, ["pkl"]])
def test_check_selected_rejects_bad_formats(fmt: Any) -> None:
    with pytest.raises(RequestError, match="format"):
        check_selected({"path": "a", "format": fmt})


@pytest.mark.parametrize("query", ["", "abc", "user_1*/*/item_4?", "[a-z]", "<script>",
                                   "q" * MAX_QUERY_CHARS])
def test_check_query_accepts_strings(query: str) -> None:
    assert check_query(query) == query


@pytest.mark.parametrize("query", [None, 5, ["a"], {"q": "a"}, b"a"])
def test_check_query_rejects_wrong_types(query: Any) -> None:
    with pytest.raises(RequestError, match="string"):
        check_query(query)


def test_check_query_rejects_over_long_strings() -> None:
    with pytest.raises(RequestError, match=str(MAX_QUERY_CHARS)) as info:
        check_query("q" * (MAX_QUERY_CHARS + 1))
    assert len(str(info.value)) < 200


def test_the_js_copy_of_the_protocol_constants_matches_python() -> None:
    """js/src/protocol.js repeats some constants of protocol.py for the browser: keep them equal."""
    source = (Path(__file__).resolve().parents[2] / "js" / "src" / "protocol.js").read_text()
    found = dict(re.findall(r"^export const (\w+) = (.+);$", source, re.MULTILINE))
    assert found, "no constants found in protocol.js"
    for name, text in found.items():
        assert ast.literal_eval(text) == getattr(protocol, name), name


def test_check_rendered_accepts_counts_per_page() -> None:
    assert check_rendered({}) == {}
    assert check_rendered({"pabc": 0, "pdef": 3}) == {"pabc": 0, "pdef": 3}


@pytest.mark.parametrize("value", [None, [], {"p": -1}, {"p": None}, {"p": 2.5}, {"p": False},
                                   {"": 1}, {"p" * 65: 1}, {f"p{i}": 1 for i in range(65)}])
def test_check_rendered_rejects_what_is_not_a_small_count_per_page(value: Any) -> None:
    with pytest.raises(RequestError, match="rendered|page") as info:
        check_rendered(value)
    assert len(str(info.value)) < 200
