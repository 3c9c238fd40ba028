from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from localdict_nb import (
    ANY_ETAG,
    DELETE_CURRENT,
    ETAG_IS_THE_SAME,
    ITEM_NOT_AVAILABLE,
    KEEP_CURRENT,
    LocalDict,
    StoreEvent,
    Subscription,
)
from localdict_nb.engine.events import EventQueue


def _recording(d: LocalDict) -> tuple[list[StoreEvent], Subscription]:
    events: list[StoreEvent] = []
    return events, d.observe(events.append)


def _kinds(events: list[StoreEvent]) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.kind, e.path) for e in events]


def test_observe_returns_an_active_subscription(ours: LocalDict) -> None:
    def callback(_: StoreEvent) -> None:
        return None

    sub = ours.observe(callback)
    assert isinstance(sub, Subscription)
    assert sub.active
    assert sub.callback is callback
    assert sub.prefix == ()
    assert ours.get_subdict(["a", "b"]).observe(callback).prefix == ("a", "b")
    with pytest.raises(TypeError, match="callable"):
        ours.observe("not callable")  # type: ignore[arg-type]  # a bad argument on purpose


def test_set_events_tell_created_or_replaced(ours: LocalDict) -> None:
    events, _ = _recording(ours)
    ours["a", "k"] = 1
    first_etag = ours.etag(("a", "k"))
    ours["a", "k"] = 2
    assert [(e.kind, e.path, e.format, e.created) for e in events] == [
        ("set", ("a", "k"), "pkl", True), ("set", ("a", "k"), "pkl", False)]
    assert str(events[0].counter) == first_etag
    assert str(events[1].counter) == ours.etag(("a", "k"))
    assert events[1].counter == ours.write_counter
    assert events[1].timestamp == ours.timestamp(("a", "k"))
    assert events[0].count == events[1].count == 1


def test_delete_event(ours: LocalDict) -> None:
    ours["a", "k"] = 1
    events, _ = _recording(ours)
    del ours["a", "k"]
    assert len(events) == 1
    event = events[0]
    assert (event.kind, event.path, event.format, event.count) == ("delete", ("a", "k"), "pkl", 1)
    assert event.counter == ours.write_counter


def test_clear_event_counts_the_removed_keys() -> None:
    d = LocalDict(prune_interval=None)
    for key in [("a", "1"), ("a", "2"), ("a", "b", "3"), ("c",)]:
        d[key] = 0
    json = LocalDict(backend=d.get_params()["backend"], serialization_format="json")
    json["a", "j"] = 0
    events, _ = _recording(d)
    d.get_subdict("a").clear()
    assert [(e.kind, e.path, e.format, e.count) for e in events] == [
        ("clear", ("a",), "pkl", 3)]
    d.clear()
    assert [(e.kind, e.path, e.format, e.count) for e in events[1:]] == [("clear", (), "pkl", 1)]
    assert len(json) == 1


def test_prune_event_lists_the_removed_subtrees() -> None:
    d = LocalDict(prune_interval=1)
    d["a", "b", "c"] = 1
    d["x"] = 1
    events, _ = _recording(d)
    del d["a", "b", "c"]
    assert [e.kind for e in events] == ["delete", "prune"]
    prune = events[1]
    assert prune.removed == (("a",),)
    assert prune.count == 2
    assert prune.format is None
    assert prune.path == ()


OPERATIONS: dict[str, tuple[Callable[[LocalDict], object], list[str]]] = {
    "DELETE_CURRENT": (lambda d: d.__setitem__("k", DELETE_CURRENT), ["delete"]),
    "pop": (lambda d: d.pop("k"), ["delete"]),
    "popitem": (lambda d: d.popitem(), ["delete"]),
    "discard": (lambda d: d.discard("k"), ["delete"]),
    "discard_if": (lambda d: d.discard_if("k", condition=ANY_ETAG,
                                          expected_etag=ITEM_NOT_AVAILABLE), ["delete"]),
    "set_item_if_delete": (lambda d: d.set_item_if("k", value=DELETE_CURRENT, condition=ANY_ETAG,
                                                   expected_etag=ITEM_NOT_AVAILABLE), ["delete"]),
    "set_item_if": (lambda d: d.set_item_if("k", value=5, condition=ANY_ETAG,
                                            expected_etag=ITEM_NOT_AVAILABLE), ["set"]),
    "transform_item": (lambda d: d.transform_item("k", transformer=lambda v: v + 1), ["set"]),
    "transform_item_delete": (lambda d: d.transform_item(
        "k", transformer=lambda _: DELETE_CURRENT), ["delete"]),
    "setdefault_absent": (lambda d: d.setdefault("new", 1), ["set"]),
    "update": (lambda d: d.update({"k": 2, "new": 3}), ["set", "set"]),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_compound_operations_produce_the_right_events(operation: str) -> None:
    d = LocalDict(prune_interval=None)
    d["k"] = 1
    events, _ = _recording(d)
    run, expected = OPERATIONS[operation]
    run(d)
    assert [e.kind for e in events] == expected
    assert all(e.format == "pkl" for e in events)
    assert events[-1].counter == d.write_counter


NO_CHANGE: dict[str, Callable[[LocalDict], object]] = {
    "discard_absent": lambda d: d.discard("absent"),
    "KEEP_CURRENT": lambda d: d.__setitem__("k", KEEP_CURRENT),
    "DELETE_CURRENT_absent": lambda d: d.__setitem__("absent", DELETE_CURRENT),
    "pop_absent_default": lambda d: d.pop("absent", None),
    "setdefault_present": lambda d: d.setdefault("k", 2),
    "set_item_if_unsatisfied": lambda d: d.set_item_if("k", value=2, condition=ETAG_IS_THE_SAME,
                                                       expected_etag="stale"),
    "discard_if_unsatisfied": lambda d: d.discard_if("k", condition=ETAG_IS_THE_SAME,
                                                     expected_etag="stale"),
    "discard_if_absent": lambda d: d.discard_if("absent", condition=ANY_ETAG,
                                                expected_etag=ITEM_NOT_AVAILABLE),
    "transform_keep": lambda d: d.transform_item("k", transformer=lambda _: KEEP_CURRENT),
    "transform_delete_absent": lambda d: d.transform_item(
        "absent", transformer=lambda _: DELETE_CURRENT),
    "reads": lambda d: (d["k"], d.get_with_etag("k"), list(d.items()), len(d), "k" in d),
    "get_subdict": lambda d: d.get_subdict(["new", "view"]),
}


@pytest.mark.parametrize("operation", NO_CHANGE)
def test_no_events_when_nothing_changed(operation: str) -> None:
    d = LocalDict(prune_interval=None)
    d["k"] = 1
    events, _ = _recording(d)
    NO_CHANGE[operation](d)
    assert events == []
    assert d["k"] == 1


def test_failed_write_produces_no_event(ours: LocalDict) -> None:
    events, _ = _recording(ours)
    with pytest.raises(TypeError):
        ours["k"] = LocalDict()
    assert events == []


def test_prune_pass_that_removes_nothing_still_reports_the_pass() -> None:
    d = LocalDict(prune_interval=1)
    d["k"] = 1
    events, _ = _recording(d)
    del d["k"]
    assert d.get_params()["backend"].tree.prune_passes == 1
    assert _kinds(events) == [("delete", ("k",)), ("prune", ())]
    assert events[-1].count == 0 and events[-1].removed == ()


def test_clear_that_removes_nothing_still_reports_the_operation() -> None:
    d = LocalDict(prune_interval=None)
    d["k"] = 1
    events, _ = _recording(d)
    d.get_subdict("empty").clear()
    assert _kinds(events) == [("clear", ("empty",))]
    assert events[0].count == 0
    assert d.get_params()["backend"].tree.ops_since_prune == 1


def test_view_observer_sees_only_events_under_its_prefix(ours: LocalDict) -> None:
    view = ours.get_subdict("a")
    events, _ = _recording(view)
    json = LocalDict(backend=ours.get_params()["backend"], serialization_format="json")
    ours["b", "x"] = 1
    ours["ab", "x"] = 1
    ours["a", "x"] = 1
    view["y"] = 2
    view.get_subdict("deep")["z"] = 3
    json["a", "j"] = 4
    json["b", "j"] = 4
    del ours["b", "x"]
    del view["y"]
    ours.get_subdict("b").clear()
    ours.clear()
    assert [(e.kind, e.path, e.format) for e in events] == [
        ("set", ("a", "x"), "pkl"), ("set", ("a", "y"), "pkl"),
        ("set", ("a", "deep", "z"), "pkl"), ("set", ("a", "j"), "json"),
        ("delete", ("a", "y"), "pkl"), ("clear", (), "pkl")]


def test_view_observer_ignores_the_key_named_like_its_prefix(ours: LocalDict) -> None:
    events, _ = _recording(ours.get_subdict("a"))
    ours["a"] = 1
    del ours["a"]
    ours["a", "b"] = 1
    assert _kinds(events) == [("set", ("a", "b"))]


def test_view_observer_sees_the_prune_of_its_subtree() -> None:
    d = LocalDict(prune_interval=1)
    d["a", "b", "c"] = 1
    d["x", "y"] = 1
    events, _ = _recording(d.get_subdict(["a", "b"]))
    del d["x", "y"]
    assert _kinds(events) == []
    del d["a", "b", "c"]
    assert [e.kind for e in events] == ["delete", "prune"]
    assert events[1].removed == (("a",),)


def test_close_and_with_stop_delivery(ours: LocalDict) -> None:
    events, sub = _recording(ours)
    ours["a"] = 1
    sub.close()
    sub.close()
    assert not sub.active
    ours["b"] = 1
    scoped: list[StoreEvent] = []
    with ours.observe(scoped.append) as inner:
        assert inner.active
        ours["c"] = 1
    assert not inner.active
    ours["d"] = 1
    assert _kinds(events) == [("set", ("a",))]
    assert _kinds(scoped) == [("set", ("c",))]


def test_observer_that_raises_is_logged_and_the_write_succeeds(
        ours: LocalDict, caplog: pytest.LogCaptureFixture) -> None:
    def broken(_: StoreEvent) -> None:
        msg = "observer exploded"
        raise RuntimeError(msg)

    ours.observe(broken)
    later, _ = _recording(ours)
    with caplog.at_level(logging.ERROR, logger="localdict_nb"):
        ours["k"] = 1
    assert ours["k"] == 1
    assert _kinds(later) == [("set", ("k",))]
    records = [r for r in caplog.records if r.name == "localdict_nb"]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "observer exploded" in str(records[0].exc_info[1])


def test_observers_run_outside_the_lock(ours: LocalDict) -> None:
    finished: list[bool] = []

    def write_from_another_thread(event: StoreEvent) -> None:
        if event.path != ("trigger",):
            return
        worker = threading.Thread(target=lambda: ours.__setitem__("from_thread", 1))
        worker.start()
        worker.join(timeout=30)
        finished.append(not worker.is_alive())

    ours.observe(write_from_another_thread)
    ours["trigger"] = 1
    assert finished == [True]
    assert ours["from_thread"] == 1


def test_transform_item_events_arrive_after_it_finishes(ours: LocalDict) -> None:
    events, _ = _recording(ours)
    seen_inside: list[int] = []

    def writes_too(current: Any) -> Any:
        ours["side"] = "effect"
        seen_inside.append(len(events))
        return 1

    ours.transform_item("k", transformer=writes_too)
    assert seen_inside == [0]
    assert _kinds(events) == [("set", ("side",)), ("set", ("k",))]
    assert events[0].counter < events[1].counter


def test_no_lost_wakeup_whatever_line_of_wait_a_write_lands_on() -> None:
    """A write between any two lines of ``EventQueue.wait`` is drained now or wakes it again.

    (Before, a write between ``armed = False`` and ``ready.clear()`` was wiped and no later
    write set ``ready`` again: the tree view's live updates stopped for good.)
    """
    events_module = EventQueue.wait.__code__.co_filename  # wait() and what it calls there
    k = 0
    while True:
        k += 1
        d = LocalDict()
        queue = d.subscribe()
        d["first"] = 0
        lines = 0

        def tracer(frame: Any, event: str, arg: Any, k: int = k, d: LocalDict = d) -> Any:
            nonlocal lines
            if frame.f_code.co_filename != events_module:
                return None
            if event == "line":
                lines += 1
                if lines == k:
                    d["during", "wait"] = k  # a writer in another thread, at this very line
            return tracer

        sys.settrace(tracer)
        try:
            woke = queue.wait(timeout=1)
        finally:
            sys.settrace(None)
        assert woke
        drained = [e.path for e in queue.drain()]
        d["after"] = 1
        assert queue.wait(timeout=1), f"a write at line {k} of wait() was lost; drained {drained}"
        assert [e.path for e in queue.drain()][-1] == ("after",)
        if lines < k:
            break
    assert k > 3
