"""Ctrl-C at every line: a KeyboardInterrupt injected into each engine operation, a line at a time.

A real SIGINT runs the process's SIGINT handler in the main thread between two bytecodes, with
the frame it interrupted. These tests do the same thing on purpose, the way SQLite's fault tests
fail the 1st, then the 2nd, ... allocation: run an operation once to count the lines it executes
in the engine (``sys.settrace``), then run it again on a fresh store for every k, calling the
installed SIGINT handler at the k-th line. After each run:

- the interrupt reached the caller as a KeyboardInterrupt (deferred, never swallowed);
- the tree's bookkeeping holds (``Tree.check``): counts equal what iteration finds, no empty
  node survives the next prune pass, write counters are unique and increasing;
- the lock is free (another thread takes it), no ``with tree:`` block is left open;
- the operation happened entirely or not at all: the store equals its state before or after an
  uninterrupted run (keys, values, ETags, write counter, prune state, node count);
- every view's ``len`` equals what its iteration yields, and ``random_key`` returns;
- observers and event queues still get the next write.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import persidict
import pytest

import localdict_nb
from localdict_nb import (
    ANY_ETAG,
    DELETE_CURRENT,
    ETAG_IS_THE_SAME,
    ITEM_NOT_AVAILABLE,
    KEEP_CURRENT,
    LocalDict,
    MutationPolicyError,
    StoreEvent,
)
from localdict_nb.engine import interrupts

from .conftest import lock_is_free

_PACKAGE = Path(localdict_nb.__file__).parent
_ENGINE = {str(p) for p in (_PACKAGE / "engine").glob("*.py")}  # the engine layer


@dataclass
class World:
    """A small populated tree with views, an observer and an event queue."""

    d: LocalDict
    js: LocalDict
    views: list[LocalDict]
    seen: list[StoreEvent] = field(default_factory=list)
    queue: Any = None

    @property
    def tree(self) -> Any:
        return self.d.get_params()["backend"].tree


def make_world() -> World:
    d = LocalDict(prune_interval=3)
    for u in range(3):
        for s in range(2):
            for i in range(2):
                d[f"u{u}", f"s{s}", f"i{i}"] = {"n": i, "tags": [u, s]}
    d["flat"] = 1
    js = LocalDict(backend=d.get_params()["backend"], serialization_format="json",
                   prune_interval=3)
    js["u0", "j"] = [1]
    del d["u2", "s1", "i0"]  # one destructive operation since the last prune pass
    views = [d, js, d.get_subdict("u1"), d.get_subdict(("u1", "s0")),
             d.get_subdict(("nowhere", "yet"))]
    world = World(d, js, views)
    d.observe(world.seen.append)
    world.queue = d.subscribe()
    return world


def _inc(v: Any) -> Any:
    return 1 if v is ITEM_NOT_AVAILABLE else {"n": 99}


def _boom(v: Any) -> Any:
    raise ValueError("transformer failed")


def failing(run: Callable[[World], object], error: type[Exception]) -> Callable[[World], object]:
    """An operation that fails with ``error`` (and must change nothing)."""
    def call(world: World) -> None:
        with pytest.raises(error):
            run(world)
    return call


def _append_only(w: World) -> LocalDict:
    return LocalDict(backend=w.tree.root, append_only=True, prune_interval=3)


OPERATIONS: dict[str, Callable[[World], object]] = {
    "set_new_deep": lambda w: w.d.__setitem__(("u9", "s9", "i9"), {"x": 1}),
    "set_replace": lambda w: w.d.__setitem__(("u0", "s0", "i0"), [1, 2]),
    "set_flat": lambda w: w.d.__setitem__("flat2", 3),
    "set_object": lambda w: w.d.__setitem__("obj", complex(1, 2)),
    "set_through_pending_view": lambda w: w.views[4].__setitem__(("a", "b"), 1),
    "set_json": lambda w: w.js.__setitem__(("u0", "k"), "v"),
    "set_keep_current": lambda w: w.d.__setitem__(("u0", "s0", "i0"), KEEP_CURRENT),
    "set_delete_current": lambda w: w.d.__setitem__(("u0", "s0", "i0"), DELETE_CURRENT),
    "del": lambda w: w.d.__delitem__(("u0", "s0", "i1")),
    "del_prunes": lambda w: (w.d.__delitem__(("u2", "s1", "i1"))),
    "del_flat": lambda w: w.d.__delitem__("flat"),
    "discard": lambda w: w.views[2].discard(("s1", "i0")),
    "pop": lambda w: w.d.pop(("u1", "s1", "i1")),
    "popitem": lambda w: w.views[3].popitem(),
    "setdefault": lambda w: w.d.setdefault(("u5", "x"), {"d": 1}),
    "clear_root": lambda w: w.d.clear(),
    "clear_view": lambda w: w.views[2].clear(),
    "clear_pending_view": lambda w: w.views[4].clear(),
    "prune": lambda w: w.d.prune(),
    "transform_update": lambda w: w.d.transform_item(("u0", "s1", "i0"), transformer=_inc),
    "transform_new": lambda w: w.d.transform_item(("u7", "new"), transformer=_inc),
    "transform_delete": lambda w: w.d.transform_item(("u0", "s1", "i0"),
                                                     transformer=lambda _: DELETE_CURRENT),
    "transform_keep": lambda w: w.d.transform_item(("u0", "s1", "i0"),
                                                   transformer=lambda _: KEEP_CURRENT),
    "set_item_if": lambda w: w.d.set_item_if(("u0", "s0", "i0"), value=5,
                                             condition=ETAG_IS_THE_SAME,
                                             expected_etag=w.d.etag(("u0", "s0", "i0"))),
    "setdefault_if": lambda w: w.d.setdefault_if(("u8", "k"), default_value=[3],
                                                 condition=ANY_ETAG,
                                                 expected_etag=ITEM_NOT_AVAILABLE),
    "discard_if": lambda w: w.d.discard_if(("u1", "s0", "i0"), condition=ANY_ETAG,
                                           expected_etag=ITEM_NOT_AVAILABLE),
    "update": lambda w: w.d.update({("u0", "s0", "i0"): 7, ("u6", "n"): {"a": 1},
                                    ("u1", "s1", "i0"): DELETE_CURRENT, "flat": KEEP_CURRENT}),
    "persidict_joker": lambda w: w.d.__setitem__(("u1", "s0", "i1"), persidict.DELETE_CURRENT),
    "observe_and_close": lambda w: w.d.observe(print).close(),
    "subscribe_and_close": lambda w: w.views[2].subscribe().close(),
    "drain": lambda w: w.queue.drain(),
    "fail_append_only": failing(lambda w: _append_only(w).__setitem__(("u0", "s0", "i0"), 1),
                                MutationPolicyError),
    "fail_update_append_only": failing(
        lambda w: _append_only(w).update({"fresh": 1, ("u0", "s0", "i0"): 2}), MutationPolicyError),
    "fail_update_bad_value": failing(lambda w: w.d.update({"a": 1, "b": LocalDict()}), TypeError),
    "fail_transform": failing(lambda w: w.d.transform_item(("u0", "s0", "i0"), transformer=_boom),
                              ValueError),
    "fail_setdefault": failing(lambda w: w.d.setdefault("x", LocalDict()), TypeError),
    "fail_condition": failing(lambda w: w.d.set_item_if("x", value=1, condition="same",
                                                        expected_etag="1"), ValueError),
    "fail_del_missing": failing(lambda w: w.d.__delitem__(("u0", "missing")), KeyError),
    "reads": lambda w: (w.d.random_key(), list(w.views[3].items()), w.d.newest_keys(max_n=2),
                        len(w.views[2]), w.views[3].subdicts(), w.d.get_subdict("u0")),
}


def snapshot(world: World) -> tuple[Any, ...]:
    """Everything the store holds, except timestamps."""
    tree = world.tree
    items = []
    for fmt in ("pkl", "json"):
        store = LocalDict(backend=tree.root, serialization_format=fmt)
        items += sorted((fmt, tuple(k), repr(v), store.etag(k)) for k, v in store.items())
    return (tuple(items), tree.counter, tree.nodes, tree.ops_since_prune, tree.prune_passes)


def _engine_lines(run: Callable[[], object], stop_at: int | None, step: str = "line") -> int:
    """Run ``run`` under a tracer counting engine lines (or bytecodes, ``step="opcode"``);
    at the ``stop_at``-th one, send a SIGINT."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "call" and step == "opcode":
            frame.f_trace_opcodes = True
        if event == step:
            count += 1
            if count == stop_at:
                handler = signal.getsignal(signal.SIGINT)
                handler(signal.SIGINT, frame)  # what a real SIGINT does at this point
        return local

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename in _ENGINE:
            return local(frame, event, arg)
        return None

    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(None)
    return count


def check_whole(world: World, allowed: tuple[Any, ...], where: str) -> None:
    """The checks of the module docstring, after one run of an operation."""
    tree = world.tree
    tree.check()
    assert tree.depth == 0, f"{where}: a `with tree:` block is still open"
    assert lock_is_free(tree), f"{where}: the tree's lock is still held"
    assert interrupts.on_sigint is signal.getsignal(signal.SIGINT)
    assert snapshot(world) in allowed, f"{where}: the operation was half done"
    for view in world.views:
        assert len(view) == len(list(view)), f"{where}: len of /{'/'.join(view.prefix)}"
        if len(view):
            assert view.random_key() in view
    world.queue.drain()
    before = len(world.seen)
    world.d["after", "interrupt"] = 1
    assert [e.path for e in world.seen[before:]] == [("after", "interrupt")], where
    assert world.queue.ready.is_set() and world.queue.drain()[-1].path == ("after", "interrupt")


def wait_for_interrupt() -> None:
    """A deferred interrupt arrives right after the operation: sleep until it does."""
    for _ in range(2000):
        time.sleep(0.001)


@pytest.mark.parametrize("step", ["line", "opcode"])
@pytest.mark.parametrize("name", OPERATIONS)
def test_an_interrupt_at_any_line_leaves_the_store_whole(name: str, step: str) -> None:
    operation = OPERATIONS[name]
    world = make_world()
    before = snapshot(world)
    _engine_lines(lambda: operation(world), None)
    after = snapshot(world)
    check_whole(world, (after,), f"{name} without interrupt")
    k = 0
    while True:  # the k-th line, until the operation runs out of lines (caches make runs vary)
        k += 1
        world = make_world()
        where = f"{name}, interrupted at engine {step} {k}"
        try:
            lines = _engine_lines(lambda world=world: operation(world), k, step)
            if lines < k:
                break
            wait_for_interrupt()
        except KeyboardInterrupt:
            check_whole(world, (before, after), where)
            continue
        pytest.fail(f"{where}: the interrupt never reached the caller")
    assert k > 3


def test_the_handler_replaces_only_pythons_default() -> None:
    LocalDict()["k"] = 1
    assert signal.getsignal(signal.SIGINT) is interrupts.on_sigint
    for other in (signal.SIG_IGN, _custom_handler):
        signal.signal(signal.SIGINT, other)
        LocalDict()["k"] = 1
        assert signal.getsignal(signal.SIGINT) is other


def _custom_handler(signum: int, frame: Any) -> None:
    """Some framework's own handler."""


def test_outside_the_engine_the_handler_raises_at_once() -> None:
    LocalDict()["k"] = 1
    with pytest.raises(KeyboardInterrupt):
        interrupts.on_sigint(signal.SIGINT, sys._getframe())  # noqa: SLF001 - the frame a handler gets


def test_an_observer_can_be_interrupted_and_the_store_stays_whole() -> None:
    d = LocalDict()
    calls: list[StoreEvent] = []

    def slow_observer(event: StoreEvent) -> None:
        calls.append(event)
        handler = signal.getsignal(signal.SIGINT)
        handler(signal.SIGINT, sys._getframe())  # noqa: SLF001 - the frame a signal handler gets

    d.observe(slow_observer)
    with pytest.raises(KeyboardInterrupt):
        d["k"] = 1
    assert d["k"] == 1 and len(calls) == 1
    d.get_params()["backend"].tree.check()


@dataclass
class Busy:
    """A store whose lock another thread holds, in a slow transformer, until ``release``."""

    d: LocalDict
    worker: threading.Thread
    release: threading.Event


@pytest.fixture
def busy() -> Iterator[Busy]:
    d = LocalDict()
    d["k"] = 0
    holding, release = threading.Event(), threading.Event()

    def slow(v: Any) -> Any:
        holding.set()
        release.wait(30)
        return v + 1

    worker = threading.Thread(target=lambda: d.transform_item("k", transformer=slow))
    worker.start()
    assert holding.wait(10)
    yield Busy(d, worker, release)
    release.set()
    worker.join(10)
    assert d["k"] == 1
    d.get_params()["backend"].tree.check()


def test_a_real_sigint_cancels_a_wait_for_a_busy_lock(busy: Busy) -> None:
    """The kernel stays interruptible while another thread holds the tree (a slow transformer)."""
    pressed = threading.Timer(0.2, signal.pthread_kill,
                              (threading.main_thread().ident, signal.SIGINT))
    try:
        with pytest.raises(KeyboardInterrupt):
            pressed.start()  # in the block, so the interrupt lands in it wherever it lands
            busy.d["k"] = 100  # waits for the lock until the interrupt cancels the wait
        assert busy.worker.is_alive()  # the lock is still held: the wait was cut short
    finally:
        pressed.join()


def test_an_interrupt_deferred_before_a_wait_for_a_busy_lock_still_cancels_it(busy: Busy) -> None:
    with pytest.raises(KeyboardInterrupt):  # lands in _store, before it waits for the lock
        _engine_lines(lambda: busy.d.__setitem__("k", 100), 2)
    assert busy.worker.is_alive()
