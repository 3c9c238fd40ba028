"""One thread for every live tree view of the process: it polls them, about ten times a second.

A view costs a write nothing but one append to its tree's ring of recent events:
it does not push. This thread pulls instead: each tick it asks every live view to
flush, and a view whose tree has not changed since its last flush, or that no page
shows, returns after one cheap check. The thread holds the views weakly, sleeps
while there is none, and spaces its ticks so that flushing takes at most ``DUTY``
of the time, however many views are open.
In an IPython session, each cell's end also flushes every view at once (from the
main thread), so a cell's last changes are sent before the cell is done.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import Any, Protocol

from .host import ipython
from .protocol import FLUSH_INTERVAL

__all__ = ["DUTY", "Flushing", "add", "pause_after", "remove", "views"]

logger = logging.getLogger("localdict_nb.view")


class Flushing(Protocol):
    """What the flusher needs of a view."""

    def flush(self) -> bool:
        """Send what changed; tell whether anything was sent."""

    def watches(self, tree: Any) -> bool:
        """Whether the view shows a store of ``tree``."""


_views: weakref.WeakSet[Flushing] = weakref.WeakSet()
_lock = threading.Lock()
_wake = threading.Event()
_thread: threading.Thread | None = None
_hooked: weakref.WeakSet[Any] = weakref.WeakSet()
"""The IPython shells whose ``post_run_cell`` flushes the views."""


def add(view: Flushing) -> None:
    """Start flushing ``view`` (held weakly) until ``remove``; start the thread if needed."""
    global _thread
    with _lock:
        _views.add(view)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="localdict_nb-views", daemon=True)
            _thread.start()
    _wake.set()
    shell = ipython()
    if shell is not None and shell not in _hooked:
        shell.events.register("post_run_cell", _after_cell)
        _hooked.add(shell)


def remove(view: Flushing) -> None:
    """Stop flushing ``view``."""
    with _lock:
        _views.discard(view)


def views(tree: Any = None) -> list[Flushing]:
    """The live views (of ``tree``, if given)."""
    with _lock:
        found = list(_views)
    return found if tree is None else [v for v in found if v.watches(tree)]


def _flush_all() -> None:
    for view in views():
        try:
            view.flush()
        except Exception:  # one broken view must not stop the others, or the thread
            logger.exception("localdict_nb tree view: flush failed")


def _after_cell(*_: object) -> None:
    _flush_all()


DUTY = 0.1
"""The largest share of the time the thread may spend flushing (and so hold the GIL)."""


def _run() -> None:
    pause = FLUSH_INTERVAL
    while True:
        if not _views:
            _wake.clear()
            if not _views:  # asleep while no view is live
                _wake.wait()
            continue
        _wake.wait(pause)
        _wake.clear()
        start = time.perf_counter()
        _flush_all()
        pause = pause_after(time.perf_counter() - start)


def pause_after(spent: float) -> float:
    """Seconds to wait after a tick that took ``spent``: flushing gets at most ``DUTY``."""
    return max(FLUSH_INTERVAL, spent * (1 - DUTY) / DUTY)
