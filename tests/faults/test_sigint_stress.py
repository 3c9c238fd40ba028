"""Real SIGINTs at random moments into loops that set, delete, clear and transform.

The way a user meets them: a cell loops over a store, with an observer and (in half the runs)
a live tree view attached, and the stop button sends SIGINT whenever it likes. A thread
sends it with ``signal.pthread_kill`` after a random delay (and again each second, as a user
would, should the interrupt land in a finalizer, which Python ignores); the loop runs until the
KeyboardInterrupt reaches it. After every interrupt the store must be whole (``Tree.check``),
its lock free, every view's ``len`` equal to its iteration, and the observer, the event queue
and the widget must still see the next write.
"""

from __future__ import annotations

import gc
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localdict_nb import ITEM_NOT_AVAILABLE, LocalDict, StoreEvent
from localdict_nb.view.widget import LocalDictTree

from .conftest import lock_is_free

SIGNALS_PER_LOOP = 60
MAX_DELAY = 0.02


def _inc(v: Any) -> int:
    return 1 if v is ITEM_NOT_AVAILABLE else v + 1


DEADLINE = 30.0
"""Seconds a loop may run without its KeyboardInterrupt before the test fails (not hangs)."""


def _too_long(start: float) -> None:
    if time.monotonic() - start > DEADLINE:
        pytest.fail("no KeyboardInterrupt reached the loop")


def loop_set(d: LocalDict) -> None:
    i, start = 0, time.monotonic()
    while True:
        if not i % 1000:
            _too_long(start)
        d[f"u{i % 50}", f"s{i % 7}", f"k{i % 13}"] = {"i": i, "tags": [i, i + 1]}
        i += 1


def loop_delete(d: LocalDict) -> None:
    i, start = 0, time.monotonic()
    while True:
        if not i % 1000:
            _too_long(start)
        key = (f"u{i % 50}", f"s{i % 7}", f"k{i % 13}")
        if key in d:
            del d[key]
        else:
            d[key] = i
        d.discard((f"u{(i * 7) % 50}", "s0", "k0"))
        i += 1


def loop_clear(d: LocalDict) -> None:
    i, start = 0, time.monotonic()
    while True:
        if not i % 50:
            _too_long(start)
        view = d.get_subdict(("tmp", f"b{i % 5}"))
        for j in range(20):
            view[f"n{j % 4}", f"k{j}"] = j
        view.clear()
        i += 1


def loop_transform(d: LocalDict) -> None:
    i, start = 0, time.monotonic()
    while True:
        if not i % 1000:
            _too_long(start)
        d.transform_item(("counters", f"c{i % 10}"), transformer=_inc)
        i += 1


LOOPS: dict[str, Callable[[LocalDict], None]] = {
    "set": loop_set, "delete": loop_delete, "clear": loop_clear, "transform": loop_transform,
}


@pytest.fixture(autouse=True)
def fast_switching() -> Iterator[None]:
    """Switch threads often, so that races between the handler and its helper thread show."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


@pytest.fixture
def widgets() -> Iterator[list[LocalDictTree]]:
    made: list[LocalDictTree] = []
    yield made
    for widget in made:
        widget.close()


@pytest.mark.parametrize("with_view", [False, True], ids=["observer", "observer+view"])
@pytest.mark.parametrize("kind", LOOPS)
def test_real_sigints_never_leave_the_store_broken(kind: str, with_view: bool,
                                                   widgets: list[LocalDictTree]) -> None:
    d = LocalDict(prune_interval=2)
    loop_set_some(d)
    tree = d.get_params()["backend"].tree
    seen: list[StoreEvent] = []
    d.observe(seen.append)
    queue = d.subscribe()
    widget = None
    if with_view:
        widget = LocalDictTree(d)
        widgets.append(widget)
        widget.expanded = ["u1", "u1/s1", "tmp", "counters"]
    rng = random.Random(f"{kind}-{with_view}")
    presses = 0
    for n in range(SIGNALS_PER_LOOP):
        landed = threading.Event()
        go = threading.Lock()  # released (one C call) only once the loop is about to run
        go.acquire()
        sender = threading.Thread(target=_press_until,
                                  args=(go, landed, rng.uniform(0, MAX_DELAY)))
        gc.disable()  # Python ignores an interrupt in a gc callback (hypothesis leaves one)
        sender.start()
        try:
            go.release()
            LOOPS[kind](d)
        except KeyboardInterrupt:
            landed.set()
        finally:
            gc.enable()
        sender.join()
        presses += sender.presses  # type: ignore[attr-defined]  # a count kept on the thread
        where = f"{kind} loop, interrupt {n + 1}"
        try:
            time.sleep(0.005)
        except KeyboardInterrupt:
            pytest.fail(f"{where}: one signal raised two KeyboardInterrupts")
        tree.check()
        assert tree.depth == 0, where
        assert lock_is_free(tree), f"{where}: the lock is held"
        for view in (d, d.get_subdict("u1"), d.get_subdict(("tmp", "b1"))):
            assert len(view) == len(list(view)), where
        queue.drain()
        before = len(seen)
        d["after", str(n)] = n
        assert [e.path for e in seen[before:]] == [("after", str(n))], where
        assert queue.ready.is_set() and queue.drain()[-1].path == ("after", str(n)), where
        if widget is not None:  # its flusher thread catches up with the write
            assert _eventually(lambda: widget.summary["counter"] == tree.counter), where
    assert presses <= SIGNALS_PER_LOOP + 3  # a press that lands in a finalizer is dropped


def _press_until(go: threading.Lock, landed: threading.Event, delay: float) -> None:
    """Press the stop button ``delay`` after ``go``, and again every second until it worked.

    Waiting for ``go`` keeps the press out of the test's own set-up (``Thread.start``).
    """
    go.acquire()
    me = threading.current_thread()
    me.presses = 0  # type: ignore[attr-defined]  # a count kept on the thread
    main = threading.main_thread().ident
    while not landed.wait(delay):
        signal.pthread_kill(main, signal.SIGINT)  # type: ignore[arg-type]  # the main thread has an ident
        me.presses += 1  # type: ignore[attr-defined]  # a count kept on the thread
        delay = 1.0


def _eventually(ok: Callable[[], bool]) -> bool:
    for _ in range(500):
        if ok():
            return True
        time.sleep(0.01)
    return False


def loop_set_some(d: LocalDict) -> None:
    for i in range(300):
        d[f"u{i % 50}", f"s{i % 7}", f"k{i % 13}"] = i
