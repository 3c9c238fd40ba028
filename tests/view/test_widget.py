from __future__ import annotations

import gc
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import persidict
import pytest

from localdict_nb import LocalDict
from localdict_nb.engine import inspection
from localdict_nb.engine.watch import Watch
from localdict_nb.view import flusher, model
from localdict_nb.view.protocol import (
    CHUNK,
    EVENTS_KEPT,
    FLUSH_INTERVAL,
    MAX_EXPANDED,
    PRUNES_KEPT,
)
from localdict_nb.view.widget import LocalDictTree

MakeTree = Callable[..., LocalDictTree]
_LOGGER = "localdict_nb.view"


@pytest.fixture
def make_tree() -> Iterator[MakeTree]:
    made: list[LocalDictTree] = []

    def make(store: Any, **kwargs: Any) -> LocalDictTree:
        kwargs.setdefault("live", False)
        tree = LocalDictTree(store, **kwargs)
        made.append(tree)
        return tree

    yield make
    for tree in made:
        tree.close()
        assert tree not in flusher.views()


def _sample() -> LocalDict:
    d = LocalDict()
    d["a", "x"] = 1
    d["a", "b", "c"] = 2
    d["top"] = "t"
    return d


def _names(tree: LocalDictTree, path: str = "") -> list[str]:
    return [r["path"] for r in tree.listings[path]["rows"]]


def _record_sends(tree: LocalDictTree) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    def record(msg: dict[str, Any], buffers: Any = None) -> None:
        sent.append(msg)

    # every message to the front end, state and custom alike, passes through Widget._send
    tree._send = record  # type: ignore[method-assign]  # noqa: SLF001 - record what it sends
    return sent


def _store_state(d: LocalDict) -> tuple[Any, ...]:
    return sorted((tuple(k), v) for k, v in d.items()), d.write_counter, model.summary(d)


def _wait_until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_initial_traits(make_tree: MakeTree) -> None:
    d = _sample()
    tree = make_tree(d)
    assert tree.summary == model.summary(d)
    assert set(tree.listings) == {""}
    assert tree.listings[""] == model.listing(d, (), CHUNK)
    assert _names(tree) == ["a", "top"]
    assert (tree.detail, tree.events, tree.notice) == ({}, [], "")
    assert tree.changes == {"seq": 0, "set": [], "deleted": [], "pruned": []}


def test_expand_and_collapse(make_tree: MakeTree) -> None:
    tree = make_tree(_sample())
    tree.set_state({"expanded": ["a", "a/b"]})
    assert set(tree.listings) == {"", "a", "a/b"}
    assert _names(tree, "a") == ["a/b", "a/x"]
    assert _names(tree, "a/b") == ["a/b/c"]
    tree.set_state({"expanded": ["a"]})
    assert set(tree.listings) == {"", "a"}
    tree.set_state({"expanded": []})
    assert set(tree.listings) == {""}
    assert tree.notice == ""


def test_limits_show_more(make_tree: MakeTree) -> None:
    d = LocalDict()
    for i in range(250):
        d["n", f"k{i}"] = i
    tree = make_tree(d)
    tree.set_state({"expanded": ["n"]})
    assert (len(tree.listings["n"]["rows"]), tree.listings["n"]["total"]) == (CHUNK, 250)
    tree.set_state({"limits": {"n": 2 * CHUNK}})
    assert _names(tree, "n") == [f"n/k{i}" for i in range(2 * CHUNK)]
    tree.set_state({"limits": {"n": 10_000}})
    assert len(tree.listings["n"]["rows"]) == 250


def test_selected_gives_detail_and_follows_writes(make_tree: MakeTree) -> None:
    d = _sample()
    tree = make_tree(d, name="store")
    tree.set_state({"selected": {"path": "a/x", "format": "pkl"}})
    assert tree.detail == model.detail(d, ("a", "x"), "pkl", "store")
    assert tree.detail["python"] == 'store["a", "x"]'
    d["a", "x"] = "new"
    tree.flush()
    assert (tree.detail["preview"], tree.detail["etag"]) == ("'new'", d.etag(("a", "x")))
    del d["a", "x"]
    tree.flush()
    assert tree.detail["found"] is False
    tree.set_state({"selected": {}})
    assert tree.detail == {}


def test_query_searches_and_expands_ancestors(make_tree: MakeTree) -> None:
    d = _sample()
    d["deep", "er", "key_1"] = 1
    d["deep", "key_2"] = 2
    tree = make_tree(d)
    tree.set_state({"expanded": ["a"]})
    tree.set_state({"query": "key_1"})
    assert tree.search_result == {"query": "key_1", "matches": ["deep/er/key_1"], "total": 1,
                                  "error": None}
    assert tree.expanded == ["a", "deep", "deep/er"]
    assert set(tree.listings) == {"", "a", "deep", "deep/er"}
    assert _names(tree, "deep/er") == ["deep/er/key_1"]
    tree.set_state({"query": "*key_?"})
    assert sorted(tree.search_result["matches"]) == ["deep/er/key_1", "deep/key_2"]
    tree.set_state({"query": ""})
    assert tree.search_result["matches"] == []


_GOOD: dict[str, Any] = {"expanded": ["a"], "limits": {"a": 50},
                         "selected": {"path": "a/x", "format": "pkl"}, "query": "x",
                         "rendered": {"page1": 1}}
_MALFORMED: list[tuple[str, Any]] = [
    ("expanded", 5), ("expanded", None), ("expanded", "a"), ("expanded", {"a": 1}),
    ("expanded", ["a//b"]), ("expanded", [".."]), ("expanded", ["a b"]),
    ("expanded", ["<script>alert(1)</script>"]), ("expanded", ["x" * 100_000]),
    ("expanded", [["a"]]), ("expanded", [None]), ("expanded", [f"a{i}" for i in range(501)]),
    ("limits", 5), ("limits", []), ("limits", {"a": 0}), ("limits", {"a": -1}),
    ("limits", {"a": True}), ("limits", {"a": 1e9}), ("limits", {"a": "5"}),
    ("limits", {"..": 5}), ("limits", {"<img src=x>": 5}),
    ("selected", 5), ("selected", "a/x"), ("selected", {"path": "a/x"}),
    ("selected", {"path": "a/x", "format": "pkl", "extra": 1}),
    ("selected", {"path": "", "format": "pkl"}), ("selected", {"path": "<b>", "format": "pkl"}),
    ("selected", {"path": "a/x", "format": "<b>"}),
    ("selected", {"path": "x" * 100_000, "format": "pkl"}),
    ("query", 5), ("query", None), ("query", ["x"]), ("query", "q" * 1_000_000),
    ("rendered", 1), ("rendered", [1]), ("rendered", {"p": -1}), ("rendered", {"p": True}),
    ("rendered", {"p": "1"}), ("rendered", {"": 1}), ("rendered", {"p" * 65: 1}),
    ("rendered", {f"p{i}": 1 for i in range(65)}),
]


@pytest.mark.parametrize(("name", "bad"), _MALFORMED,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(_MALFORMED)])
def test_malformed_browser_values_are_ignored(make_tree: MakeTree, name: str, bad: Any,
                                              caplog: pytest.LogCaptureFixture) -> None:
    d = _sample()
    tree = make_tree(d)
    tree.set_state(dict(_GOOD))
    answered = (tree.listings, tree.detail, tree.search_result)
    assert (tree.notice, tree.detail["found"], set(tree.listings)) == ("", True, {"", "a"})
    before = _store_state(d)
    sent = _record_sends(tree)
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        tree.set_state({name: bad})
    assert getattr(tree, name) == _GOOD[name]
    assert (tree.listings, tree.detail, tree.search_result) == answered
    assert tree.notice.startswith(f"Ignored {name}: ")
    assert len(tree.notice) < 300
    assert any(m["method"] == "update" and m["state"].get(name) == _GOOD[name] for m in sent)
    warnings = [r for r in caplog.records if r.name == _LOGGER and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert name in warnings[0].getMessage()
    assert len(warnings[0].getMessage()) < 300
    assert _store_state(d) == before
    tree.set_state({"query": "b"})
    assert tree.notice == ""


def test_unknown_node_paths_are_dropped_with_a_warning(make_tree: MakeTree,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    d = _sample()
    tree = make_tree(d)
    tree.set_state({"expanded": ["a"]})
    before = _store_state(d)
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        tree.set_state({"expanded": ["a", "nope", "a/x/deeper"]})
    assert tree.expanded == ["a"]
    assert set(tree.listings) == {"", "a"}
    assert "nope" in tree.notice
    assert _store_state(d) == before
    assert model.listing(d, ("nope",), 1) is None
    assert any(r.name == _LOGGER and r.levelno == logging.WARNING and "nope" in r.getMessage()
               for r in caplog.records)


def test_one_flush_sends_many_writes_as_one_batch(make_tree: MakeTree) -> None:
    d = LocalDict()
    for j in range(10):
        d[f"g{j}", "seed"] = -1
    tree = make_tree(d)
    tree.set_state({"expanded": ["g0", "g1"]})
    sent = _record_sends(tree)
    for i in range(1_000):
        d[f"g{i % 10}", f"k{i}"] = i
    assert tree.changes["seq"] == 0
    assert sent == []
    assert tree.flush() is True
    assert len([m for m in sent if m["method"] == "update"]) == 1
    assert {"summary", "listings", "events", "changes"} <= set(sent[0]["state"])
    assert tree.changes["seq"] == 1
    # the rows on screen that changed flash: new keys in the listings of g0 and g1 (the
    # first CHUNK rows of each), and every node row whose counts moved
    shown = {r["path"] for p in ("g0", "g1") for r in tree.listings[p]["rows"]}
    paths = {f"g{i % 10}/k{i}" for i in range(1_000) if i % 10 < 2} & shown
    assert len(paths) == 2 * (CHUNK - 1)
    assert set(tree.changes["set"]) == paths | {f"g{j}" for j in range(10)}
    assert (tree.changes["deleted"], tree.changes["pruned"]) == ([], [])
    assert tree.summary["counter"] == 1_010
    assert [r["counts"] for r in tree.listings[""]["rows"]] == [{"pkl": 101}] * 10
    assert tree.flush() is False
    assert tree.changes["seq"] == 1
    for i in range(10):
        del d[f"g{i % 10}", f"k{i}"]
    assert tree.flush() is True
    assert tree.changes == {"seq": 2, "set": [f"g{i}" for i in range(10)],
                            "deleted": ["g0/k0", "g1/k1"], "pruned": []}
    assert tree.events[-1]["kind"] == "delete"


def test_prune_passes_reach_changes_listings_and_the_event_strip(make_tree: MakeTree) -> None:
    d = LocalDict(prune_interval=3)
    d["keep"] = 0
    d["p", "q", "r"] = 1
    tree = make_tree(d)
    tree.set_state({"expanded": ["p", "p/q"]})
    del d["p", "q", "r"]
    d["t1"] = 1
    del d["t1"]
    d["t2"] = 2
    del d["t2"]
    assert tree.flush() is True
    assert tree.changes["pruned"] == ["p"]
    assert "p" in tree.changes["deleted"]  # its row left the root's listing
    prunes = [e for e in tree.events if e["kind"] == "prune"]
    assert len(prunes) == 1
    assert (prunes[0]["count"], prunes[0]["key"], prunes[0]["format"]) == (2, "", None)
    assert (tree.summary["prune_passes"], tree.summary["nodes"]) == (1, 1)
    assert _names(tree) == ["keep"]
    assert set(tree.listings) == {""}


def test_the_event_strip_keeps_prunes_and_stays_bounded(make_tree: MakeTree) -> None:
    d = LocalDict(prune_interval=1)
    tree = make_tree(d)
    for i in range(PRUNES_KEPT + 5):
        d[f"p{i}", "x"] = i
        del d[f"p{i}", "x"]
    tree.flush()
    prunes = [e for e in tree.events if e["kind"] == "prune"]
    assert len(prunes) == PRUNES_KEPT
    for i in range(200):
        d[f"w{i}"] = i
    tree.flush()
    assert [e for e in tree.events if e["kind"] == "prune"] == prunes
    assert len(tree.events) <= EVENTS_KEPT + PRUNES_KEPT
    assert [e["seq"] for e in tree.events] == sorted(e["seq"] for e in tree.events)
    assert tree.events[-1]["key"] == "w199"
    assert tree.summary["prune_passes"] == PRUNES_KEPT + 5


def test_due_respects_the_flush_interval(make_tree: MakeTree) -> None:
    now = [1_000.0]
    d = LocalDict()
    tree = make_tree(d, clock=lambda: now[0])
    assert tree.due() is True
    d["k"] = 1
    tree.flush()
    assert tree.due() is False
    now[0] += FLUSH_INTERVAL / 2
    assert tree.due() is False
    now[0] += FLUSH_INTERVAL
    assert tree.due() is True


def test_the_live_flusher_pushes_changes_by_itself(make_tree: MakeTree) -> None:
    d = LocalDict()
    tree = make_tree(d, live=True)
    d["live", "k"] = 1
    assert _wait_until(lambda: "live" in _names(tree))
    assert tree.changes["seq"] >= 1
    assert "live" in tree.changes["set"]
    for i in range(100):
        d["later", f"k{i}"] = i
    assert _wait_until(lambda: tree.summary["keys"] == 101 and "later" in _names(tree))


def test_several_widgets_on_one_store_all_update(make_tree: MakeTree) -> None:
    d = _sample()
    trees = [make_tree(d), make_tree(d), make_tree(d.get_subdict("a"))]
    d["a", "new"] = 1
    assert [t.flush() for t in trees] == [True, True, True]
    assert [t.changes["set"] for t in trees] == [["a"], ["a"], ["new"]]
    assert "new" in _names(trees[2])


def test_close_stops_watching_and_flushing(make_tree: MakeTree) -> None:
    d = _sample()
    tree = make_tree(d, live=True)
    assert inspection.summary(d).views == 1 and tree in flusher.views()
    tree.close()
    assert inspection.summary(d).views == 0 and tree not in flusher.views()
    assert tree.comm is None
    d["after"] = 1
    assert tree.flush() is False


def test_constructor_rejects_unknown_kwargs_and_other_stores() -> None:
    d = _sample()
    before = inspection.summary(d).observers
    with pytest.raises(TypeError, match="bogus"):
        LocalDictTree(d, live=False, bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        d.tree(live=False, bogus=1)
    for other in ({}, persidict.LocalDict(), "d"):
        with pytest.raises(TypeError, match="LocalDict"):
            LocalDictTree(other, live=False)
    assert inspection.summary(d).observers == before


def test_a_view_widget_shows_only_its_prefix(make_tree: MakeTree) -> None:
    d = _sample()
    tree = make_tree(d.get_subdict("a"))
    assert tree.summary["prefix"] == ["a"]
    assert _names(tree) == ["b", "x"]
    d["other", "k"] = 1
    d["top"] = "changed"
    assert tree.flush() is True  # the header's tree-wide totals moved ...
    assert tree.summary["counter"] == d.write_counter
    assert tree.changes["seq"] == 0 and tree.events == []  # ... and nothing under the view
    d["a", "b", "d"] = 3
    del d["a", "x"]
    assert tree.flush() is True
    assert tree.changes == {"seq": 1, "set": ["b"], "deleted": ["x"], "pruned": []}
    assert [(e["kind"], e["key"]) for e in tree.events] == [("set", "b/d"), ("delete", "x")]
    tree.set_state({"expanded": ["b"], "selected": {"path": "b/d", "format": "pkl"}})
    assert _names(tree, "b") == ["b/c", "b/d"]
    assert tree.detail["python"] == 'd["b", "d"]'
    tree.set_state({"query": "c"})
    assert tree.search_result["matches"] == ["b/c"]


def test_a_clear_is_not_reported_as_a_prune(make_tree: MakeTree) -> None:
    d = LocalDict(prune_interval=None)
    d["a", "x"] = 1
    d["a", "y"] = 2
    d["b"] = 3
    tree = make_tree(d)
    tree.set_state({"expanded": ["a"]})
    d.get_subdict("a").clear()
    assert tree.flush() is True
    assert [(e["kind"], e["key"], e["count"]) for e in tree.events] == [("clear", "a", 2)]
    assert tree.listings["a"] == {"rows": [], "total": 0}
    assert tree.summary["prune_passes"] == 0
    assert "a" in _names(tree)
    assert tree.changes["pruned"] == []


def test_the_live_view_converges_under_concurrent_writers(
        make_tree: MakeTree, caplog: pytest.LogCaptureFixture) -> None:
    d = LocalDict(prune_interval=8)
    d["w0", "k0"] = d["w1", "k0"] = 0
    tree = make_tree(d, live=True)
    tree.set_state({"expanded": ["w0", "w1"]})

    def write(n: int) -> None:
        for i in range(3_000):
            d[f"w{n}", f"k{i % 300}"] = i
            if i % 7 == 0:
                d.discard((f"w{n}", f"k{(i * 13) % 300}"))

    writers = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    with caplog.at_level(logging.WARNING):
        for w in writers:
            w.start()
        for w in writers:
            w.join(timeout=60)
        assert _wait_until(lambda: tree.summary == model.summary(d))
        assert _wait_until(lambda: tree.listings["w0"] == model.listing(d, ("w0",), CHUNK))
    assert tree.listings["w1"] == model.listing(d, ("w1",), CHUNK)
    assert tree.listings[""] == model.listing(d, (), CHUNK)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_prune_pass_and_a_clear_that_remove_nothing_still_update_the_header(
        make_tree: MakeTree) -> None:
    d = _sample()
    tree = make_tree(d)
    d.prune()
    assert tree.flush() and tree.summary["prune_passes"] == 1
    d.get_subdict("nothing").clear()
    assert tree.flush() and tree.summary["ops_since_prune"] == 1
    assert [e["kind"] for e in tree.events] == ["clear"]  # a pass that removed nothing: no entry
    assert tree.summary == model.summary(d)


def test_the_view_of_a_subdict_follows_writes_elsewhere_in_the_tree(make_tree: MakeTree) -> None:
    d = _sample()
    tree = make_tree(d.get_subdict("a"))
    d["elsewhere", "deep", "key"] = 1
    assert tree.flush()
    assert (tree.summary["counter"], tree.summary["nodes"]) == (d.write_counter, 5)
    assert tree.events == []  # the change is not under the view
    assert not tree.flush()


# --- nothing the page sends breaks the view; nothing leaks ----------------------------------


@pytest.mark.parametrize("trait", ["changes", "summary", "listings", "detail", "events", "notice",
                                   "search_result"])
def test_the_page_may_change_the_request_traits_only(make_tree: MakeTree, trait: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    d = _sample()
    tree = make_tree(d)
    sent = _record_sends(tree)
    before = getattr(tree, trait)
    hostile = {"seq": None} if trait == "changes" else None
    tree.set_state({trait: hostile})
    assert getattr(tree, trait) == before or trait == "notice"
    tree.set_state({trait: hostile, "expanded": ["a"]})
    assert "a" in tree.listings  # a request in the same message is still answered
    assert any(trait in m.get("state", {}) for m in sent)  # the kernel's value went back
    assert any(r.levelno == logging.WARNING and trait in r.getMessage() for r in caplog.records)
    d["a", "new"] = 1
    assert tree.flush() is True
    assert "a/new" in tree.changes["set"] and tree.changes["seq"] == 1


def test_after_a_search_over_a_big_store_every_collapse_still_works(make_tree: MakeTree) -> None:
    d = LocalDict()
    for u in range(300):  # 200 matches shown, each under 3 nodes: 600 > MAX_EXPANDED
        d[f"user_{u}", "s", "profile", "name"] = u
    tree = make_tree(d)
    tree.set_state({"query": "name"})
    assert tree.search_result["total"] == 300
    assert 0 < len(tree.expanded) <= MAX_EXPANDED
    assert "first matches" in tree.notice
    shown = list(tree.expanded)
    tree.set_state({"expanded": shown[1:]})
    assert tree.expanded == shown[1:] and "Ignored" not in tree.notice


def test_a_closed_view_and_its_store_are_freed() -> None:
    d = LocalDict()
    d["big"] = bytearray(1_000_000)
    tree = LocalDictTree(d, live=True)
    tree.flush()
    store_ref, tree_ref = weakref.ref(d), weakref.ref(tree)
    tree.close()
    del d, tree
    gc.collect()
    assert tree_ref() is None and store_ref() is None


def test_twenty_open_views_cost_a_write_one_entry_in_one_ring(make_tree: MakeTree) -> None:
    d = _sample()
    trees = [make_tree(d, live=False) for _ in range(20)]
    assert inspection.summary(d).views == 20
    watch = Watch(d)
    try:
        seen = max((tick for tick, _ in watch.recent(0)), default=0)
        d["one", "write"] = 1
        assert [e.path for _, e in watch.recent(seen)] == [("one", "write")]
    finally:
        watch.close()
    for tree in trees:
        tree.close()
    assert inspection.summary(d).views == 0


def test_a_view_no_page_shows_is_not_flushed_and_is_sent_whole_when_shown_again(
        make_tree: MakeTree) -> None:
    d = _sample()
    tree = make_tree(d)
    tree.set_state({"expanded": ["a"], "rendered": {"page1": 1, "page2": 0}})
    assert tree.shown
    d["a", "first"] = 1
    assert tree.flush() is True
    tree.set_state({"rendered": {"page1": 0}})  # its output was cleared: nothing shows it
    assert not tree.shown
    sent = _record_sends(tree)
    for i in range(50):
        d["a", f"hidden_{i}"] = i
    del d["top"]
    assert tree.flush() is False and sent == []
    assert "a/hidden_0" not in _names(tree, "a")
    tree.set_state({"rendered": {"page1": 0, "page3": 1}})  # shown again, in another page
    assert tree.shown
    assert "a/hidden_49" in _names(tree, "a") and "top" not in _names(tree)
    assert tree.summary == model.summary(d)
    assert [e["key"] for e in tree.events][-2:] == ["a/hidden_49", "top"]
    assert any(m["method"] == "update" and "listings" in m["state"] for m in sent)
    d["a", "after"] = 1
    assert tree.flush() is True and "a/after" in tree.changes["set"]


def test_a_view_that_never_heard_from_a_page_counts_as_shown(make_tree: MakeTree) -> None:
    d = _sample()
    tree = make_tree(d)
    assert tree.rendered == {} and tree.shown
    d["new"] = 1
    assert tree.flush() is True


def test_the_flusher_ticks_less_often_when_flushing_is_slow() -> None:
    assert flusher.pause_after(0.0) == FLUSH_INTERVAL
    assert flusher.pause_after(0.005) == FLUSH_INTERVAL
    slow = flusher.pause_after(0.05)
    assert slow >= 0.05 * (1 - flusher.DUTY) / flusher.DUTY
    assert 0.05 / (0.05 + slow) <= flusher.DUTY + 1e-9
