from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from localdict_nb import LocalDict
from localdict_nb.view import model
from localdict_nb.view.protocol import DETAIL_CHARS, MAX_MATCHES, ROW_PREVIEW_CHARS

_loads = 0
_release = threading.Event()
_broken = False


def _make_counted(i: int) -> Counted:
    global _loads
    _loads += 1
    return Counted(i)


class Counted:
    """A value that counts how often it is unpickled."""

    def __init__(self, i: int) -> None:
        self.i = i

    def __reduce__(self) -> tuple[Any, ...]:
        return _make_counted, (self.i,)

    def __repr__(self) -> str:
        return f"Counted({self.i})"


class Slow:
    def __repr__(self) -> str:
        _release.wait(30)
        return "slow"


class Raising:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _load_flaky() -> Flaky:
    if _broken:
        raise RuntimeError("cannot load")
    return Flaky()


class Flaky:
    def __reduce__(self) -> tuple[Any, ...]:
        return _load_flaky, ()


def _other_format(d: LocalDict, fmt: str) -> LocalDict:
    text = str if fmt not in ("pkl", "json") else None
    return LocalDict(backend=d.get_params()["backend"], serialization_format=fmt,
                     base_class_for_values=text)


def _rows(d: LocalDict, path: str = "", limit: int = 100) -> list[dict[str, Any]]:
    found = model.listing(d, model.split(path), limit)
    assert found is not None
    return found["rows"]


def test_summary_of_root_and_of_a_view() -> None:
    d = LocalDict(prune_interval=7)
    d["a", "x"] = 1
    d["a", "y", "z"] = 2
    d["b"] = 3
    _other_format(d, "json")["a", "j"] = 4
    s = model.summary(d)
    assert s == {"prefix": [], "format": "pkl", "formats": {"json": 1, "pkl": 3}, "keys": 4,
                 "nodes": 3, "counter": 4, "ops_since_prune": 0, "prune_interval": 7,
                 "prune_passes": 0}
    del d["b"]
    view = d.get_subdict("a")
    v = model.summary(view)
    assert v["prefix"] == ["a"]
    assert v["formats"] == {"json": 1, "pkl": 2}
    assert v["keys"] == 3
    assert (v["nodes"], v["counter"], v["ops_since_prune"]) == (3, 4, 1)
    assert model.summary(LocalDict(prune_interval=None))["prune_interval"] is None


def test_summary_counts_prune_passes() -> None:
    d = LocalDict(prune_interval=2)
    d["p", "q"] = 1
    d["r"] = 2
    del d["p", "q"]
    del d["r"]
    s = model.summary(d)
    assert (s["prune_passes"], s["ops_since_prune"], s["nodes"], s["keys"]) == (1, 0, 1, 0)


def test_listing_rows_nodes_first_then_leaves_per_format() -> None:
    d = LocalDict()
    j = _other_format(d, "json")
    d["k2"] = "two"
    j["kj"] = [1]
    d["n2", "x"] = 1
    d["k1"] = 1
    d["n1", "y", "z"] = 2
    d["n1", "w"] = 3
    found = model.listing(d, (), 100)
    assert found is not None
    rows = found["rows"]
    assert found["total"] == 5
    assert [(r["type"], r["name"]) for r in rows] == [
        ("node", "n2"), ("node", "n1"), ("leaf", "k2"), ("leaf", "k1"), ("leaf", "kj")]
    assert rows[1] == {"name": "n1", "path": "n1", "type": "node", "counts": {"pkl": 2},
                       "last_write": 6}
    assert rows[0]["last_write"] == 3
    leaf = rows[2]
    assert set(leaf) == {"name", "path", "type", "format", "etag", "ts", "preview"}
    assert (leaf["format"], leaf["etag"], leaf["preview"]) == ("pkl", d.etag("k2"), "'two'")
    assert leaf["ts"] == d.timestamp("k2")
    assert (rows[4]["format"], rows[4]["preview"]) == ("json", "[1]")
    sub = _rows(d, "n1")
    assert [(r["type"], r["path"]) for r in sub] == [("node", "n1/y"), ("leaf", "n1/w")]
    rows_y = [(r["name"], r["path"], r["preview"]) for r in _rows(d, "n1/y")]
    assert rows_y == [("z", "n1/y/z", "2")]


def test_listing_chunks_by_limit_and_counts_the_total() -> None:
    d = LocalDict()
    for i in range(150):
        d[f"n{i}", "x"] = i
    for i in range(200):
        d[f"k{i}"] = i
    for i in range(50):
        _other_format(d, "json")[f"j{i}"] = i
    first = model.listing(d, (), 100)
    assert first is not None
    assert first["total"] == 400
    assert [r["name"] for r in first["rows"]] == [f"n{i}" for i in range(100)]
    more = _rows(d, "", 200)
    assert [r["name"] for r in more] == [f"n{i}" for i in range(150)] + [f"k{i}" for i in range(50)]
    everything = _rows(d, "", 10_000)
    assert len(everything) == 400
    assert [r["format"] for r in everything[-50:]] == ["json"] * 50
    assert _rows(d, "", 1)[0]["name"] == "n0"


def test_listing_of_a_missing_node_is_none() -> None:
    d = LocalDict()
    d["a", "b"] = 1
    assert model.listing(d, ("nope",), 100) is None
    assert model.listing(d, ("a", "b"), 100) is None
    assert model.listing(d.get_subdict("a"), ("zz",), 100) is None


def test_a_name_that_is_both_node_and_leaf_has_both_rows() -> None:
    d = LocalDict()
    d["a"] = "leaf"
    d["a", "b"] = "below"
    _other_format(d, "json")["a"] = "json leaf"
    rows = _rows(d)
    assert [(r["name"], r["type"], r.get("format")) for r in rows] == [
        ("a", "node", None), ("a", "leaf", "pkl"), ("a", "leaf", "json")]
    assert {r["path"] for r in rows} == {"a"}


def test_listing_of_a_view_is_relative_to_its_prefix() -> None:
    d = LocalDict()
    d["a", "b", "c"] = 1
    d["a", "d"] = 2
    view = d.get_subdict("a")
    assert [r["path"] for r in _rows(view)] == ["b", "d"]
    assert [r["path"] for r in _rows(view, "b")] == ["b/c"]


def test_listing_is_o_limit_in_values_loaded() -> None:
    global _loads
    d = LocalDict()
    for i in range(200_000):
        d[f"k{i}"] = Counted(i)
    _loads = 0
    found = model.listing(d, (), 100)
    assert found is not None
    assert found["total"] == 200_000
    assert [r["preview"] for r in found["rows"][:2]] == ["Counted(0)", "Counted(1)"]
    assert 100 <= _loads <= 110


def test_preview_cache_hits_until_the_key_is_rewritten() -> None:
    global _loads
    d = LocalDict()
    for i in range(5):
        d[f"k{i}"] = Counted(i)
    cache = model.PreviewCache()
    _loads = 0
    model.listing(d, (), 100, cache)
    assert _loads == 5
    model.listing(d, (), 100, cache)
    assert _loads == 5
    d["k3"] = Counted(33)
    _loads = 0
    rows = _rows_with_cache(d, cache)
    assert _loads == 1
    assert rows[3]["preview"] == "Counted(33)"
    _loads = 0
    model.listing(d, (), 100)
    assert _loads == 5


def _rows_with_cache(d: LocalDict, cache: model.PreviewCache) -> list[dict[str, Any]]:
    found = model.listing(d, (), 100, cache)
    assert found is not None
    return found["rows"]


def test_row_previews_are_bounded() -> None:
    d = LocalDict()
    d["short"] = "s" * 43
    d["long"] = "x" * 10_000
    d["list"] = list(range(10_000))
    d["dict"] = {f"key{i}": "v" * 100 for i in range(100)}
    rows = {r["name"]: r["preview"] for r in _rows(d)}
    assert rows["short"] == repr("s" * 43)
    for name in ("long", "list", "dict"):
        assert 0 < len(rows[name]) <= ROW_PREVIEW_CHARS
    assert rows["long"].startswith("'xxx")
    assert rows["list"].startswith("[0, 1, 2")


def test_detail_of_a_key() -> None:
    d = LocalDict()
    d["a", "b"] = {"x": 1}
    got = model.detail(d, ("a", "b"), "pkl")
    assert got == {"path": "a/b", "format": "pkl", "found": True, "etag": d.etag(("a", "b")),
                   "ts": d.timestamp(("a", "b")), "type": "dict", "preview": "{'x': 1}",
                   "truncated": False, "python": 'd["a", "b"]'}
    assert model.detail(d, ("a", "b"), "pkl", name="store")["python"] == 'store["a", "b"]'
    view = d.get_subdict("a")
    assert model.detail(view, ("b",), "pkl")["python"] == 'd["b"]'


def test_detail_of_a_missing_key_is_not_found() -> None:
    d = LocalDict()
    d["a", "b"] = 1
    for rel, fmt in [(("a", "zz"), "pkl"), (("a", "b"), "json"), (("q", "r", "s"), "pkl"),
                     (("a",), "pkl")]:
        got = model.detail(d, rel, fmt)
        assert got == {"path": model.join(rel), "format": fmt, "found": False}


def test_python_key() -> None:
    assert model.python_key(("a", "b")) == 'd["a", "b"]'
    assert model.python_key(("k",), "store") == 'store["k"]'


def test_detail_cuts_long_values_and_flags_them() -> None:
    d = LocalDict()
    d["long"] = "x" * 10_000
    d["many"] = list(range(100_000))
    for key in ("long", "many"):
        got = model.detail(d, (key,), "pkl")
        assert got["truncated"] is True
        assert 100 < len(got["preview"]) <= DETAIL_CHARS


@pytest.mark.parametrize("value", [
    "x" * 3_000, list(range(400)), {f"k{i:03d}": i for i in range(100)}, "line\nbreak\t",
    [0] * 600, {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}},
], ids=["str3000", "list400", "dict100", "escapes", "zeros600", "nested8"])
def test_detail_shows_values_that_fit_whole(value: Any) -> None:
    assert len(repr(value)) <= DETAIL_CHARS
    d = LocalDict()
    d["k"] = value
    got = model.detail(d, ("k",), "pkl")
    assert (got["preview"], got["truncated"]) == (repr(value), False)


@pytest.mark.parametrize("value", [Raising(), [1, Raising()], 10**5000, Flaky()],
                         ids=["raising", "nested-raising", "huge-int", "unloadable"])
def test_previews_never_raise(value: Any) -> None:
    global _broken
    d = LocalDict()
    d["k"] = value
    _broken = True
    try:
        got = model.detail(d, ("k",), "pkl")
        row = _rows(d)[0]
    finally:
        _broken = False
    for text in (got["preview"], row["preview"]):
        assert isinstance(text, str)
        assert "<" in text
        assert "no repr" not in text
    assert len(row["preview"]) <= ROW_PREVIEW_CHARS
    if isinstance(value, Flaky):
        assert got["preview"] == "<value cannot be loaded: RuntimeError>"


def test_preview_of_a_slow_repr_times_out_without_waiting_for_it() -> None:
    d = LocalDict()
    d["slow"] = Slow()
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(
        (model.detail(d, ("slow",), "pkl"), model.preview([Slow()]))))
    _release.clear()
    try:
        worker.start()
        worker.join(timeout=20)
        assert not worker.is_alive()
    finally:
        _release.set()
        worker.join(timeout=30)
    got, (text, _) = results[0]
    assert got["found"] is True
    assert got["preview"] == "<repr timed out>"
    assert text == "<repr timed out>"
    assert _eventually(lambda: model.preview([1, 2]) == ("[1, 2]", False))


def _eventually(ok: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if ok():
            return True
        time.sleep(0.05)
    return ok()


def _repr_threads() -> int:
    return sum(t.name.startswith("ldnb-repr") and t.is_alive() for t in threading.enumerate())


def test_reprs_that_never_return_leave_at_most_two_threads_behind() -> None:
    assert _eventually(lambda: _repr_threads() <= 1)
    _release.clear()
    try:
        texts = [model.preview([Slow()])[0] for _ in range(5)]
        assert texts[:2] == ["<repr timed out>"] * 2
        assert set(texts[2:]) == {"<preview unavailable: earlier previews still running>"}
        assert _repr_threads() <= 2
    finally:
        _release.set()
    assert _eventually(lambda: model.preview([1, 2]) == ("[1, 2]", False))


def test_previews_of_huge_bytes_cost_only_what_they_show() -> None:
    d = LocalDict()
    d["big"] = b"x" * 50_000_000
    d["ba"] = bytearray(b"y" * 5_000_000)
    tracemalloc.start()
    try:
        rows = _rows(d)
        got = model.detail(d, ("big",), "pkl")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows[0]["preview"].startswith("b'xxx") and rows[0]["preview"].endswith("…")
    assert got["truncated"] and len(got["preview"]) <= DETAIL_CHARS
    assert peak < 30_000_000  # not a 50 MB repr; the bytearray is loaded once (5 MB)


def test_html_is_returned_verbatim_as_text() -> None:
    d = LocalDict()
    hostile = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    d["h"] = hostile
    assert _rows(d)[0]["preview"] == repr(hostile)
    assert model.detail(d, ("h",), "pkl")["preview"] == repr(hostile)


def _search_store() -> LocalDict:
    d = LocalDict()
    for u in range(13):
        for s in range(2):
            for i in range(50):
                d[f"user_{u}", f"s{s}", f"item_{i}"] = i
    d["user_1", "s0", "item_400"] = 0
    return d


def test_search_substring_and_glob() -> None:
    d = _search_store()
    sub = model.search(d, "item_49")
    assert sub["error"] is None
    assert sub["total"] == 26
    assert sorted(sub["matches"]) == sorted(f"user_{u}/s{s}/item_49" for u in range(13)
                                            for s in range(2))
    glob = model.search(d, "user_1*/*/item_4?")
    expected = {f"user_{u}/s{s}/item_4{i}" for u in (1, 10, 11, 12) for s in (0, 1)
                for i in range(10)}
    assert (set(glob["matches"]), glob["total"]) == (expected, 80)
    assert sorted(model.search(d, "user_[2-3]/s0/item_0")["matches"]) == [
        "user_2/s0/item_0", "user_3/s0/item_0"]
    assert model.search(d, "nothing")["matches"] == []


def test_search_caps_matches_but_counts_all() -> None:
    d = _search_store()
    found = model.search(d, "item_")
    assert found["total"] == 13 * 2 * 50 + 1
    assert len(found["matches"]) == MAX_MATCHES
    assert len(set(found["matches"])) == MAX_MATCHES
    assert len(model.search(d, "item_", limit=7)["matches"]) == 7


def test_search_finds_every_format() -> None:
    d = LocalDict()
    d["a", "p"] = 1
    _other_format(d, "json")["a", "j"] = 2
    _other_format(d, "txt")["b", "t"] = "3"
    assert sorted(model.search(d, "a/")["matches"]) == ["a/j", "a/p"]
    assert model.search(d, "*/t")["matches"] == ["b/t"]


def test_search_of_an_empty_query_matches_nothing() -> None:
    d = _search_store()
    assert model.search(d, "") == {"query": "", "matches": [], "total": 0, "error": None}


def test_search_in_a_view_is_relative_to_its_prefix() -> None:
    d = _search_store()
    view = d.get_subdict(["user_1", "s0"])
    found = model.search(view, "item_4?")
    assert found["query"] == "item_4?"
    assert sorted(found["matches"]) == sorted(f"item_4{i}" for i in range(10))
    assert model.search(view, "user_")["total"] == 0
    assert model.search(d.get_subdict("user_1"), "s1/item_7")["matches"] == ["s1/item_7"]


def test_search_counts_a_key_in_two_formats_once() -> None:
    d = LocalDict()
    js = LocalDict(backend=d.get_params()["backend"], serialization_format="json")
    d["a", "k"] = 1
    js["a", "k"] = 2
    js["a", "j"] = 3
    result = model.search(d, "a/")
    assert result["matches"] == ["a/k", "a/j"] and result["total"] == 2
