"""Keeping the engine whole when the notebook's stop button lands inside it.

Jupyter's stop button sends SIGINT, and Python's default handler raises
``KeyboardInterrupt`` in the main thread between two bytecodes, wherever it is:
half-way through updating the counts of a path, between acquiring a lock and
entering the ``try`` that releases it. No ``try``/``finally`` can repair that,
since the repair can be interrupted too.

So the engine defers the interrupt instead (trio's idea, ``trio/_core/_ki.py``):

- ``critical`` marks a function's *code object* as a critical section. It adds
  nothing to the function's running time.
- ``calls_out`` marks a function that runs other people's code (observer
  callbacks, a transformer, a value's pickling) or waits: an interrupt there is
  raised at once, even when a critical section called it.
- ``on_sigint``, the SIGINT handler, walks the interrupted frame's stack; the
  innermost marked frame decides. Outside critical sections it raises
  ``KeyboardInterrupt`` at once, as Python's default handler does. Inside one it
  notes it and wakes a helper thread, which calls ``_thread.interrupt_main`` until
  the handler, run again at Python's next check for signals, finds no critical
  section running and raises the interrupt. So it arrives right after the
  operation (within a few milliseconds: a thread switch), also when the operation
  fails, and no code has to remember to deliver it; however many signals come
  meanwhile, one interrupt is raised. The handler only sets a flag and puts a
  token in a ``SimpleQueue``, which is safe to do from a signal handler.
- ``guard()`` puts the handler in place of Python's default one. Critical
  operations call it first, since ipykernel reinstates the default handler before
  every cell; any other handler (SIG_IGN, asyncio's, a framework's) is left alone.

A critical section waits for a busy lock through ``acquire``, which an interrupt
cancels while the lock is not yet taken, so a lock held by a slow thread never
makes the kernel impossible to interrupt.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # C module behind signal; no stub
import _thread
import os
import queue
import threading
import time
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any, Final, TypeVar

__all__ = ["acquire", "calls_out", "critical", "guard", "in_critical", "on_sigint"]

F = TypeVar("F", bound=Callable[..., Any])

_SIGINT: Final = 2
_MAIN: Final = threading.main_thread().ident
_RETRY: Final = 0.001
"""Seconds between two reminders of a deferred interrupt while a critical section still runs."""
_POLL: Final = 0.05
"""Seconds a wait for a busy lock blocks before it lets a reminder in."""

_MARKS: dict[CodeType, bool | None] = {}
"""Code object -> True for critical sections, False for code that calls out of them,
None for ``acquire`` (inside once it holds its lock)."""


def critical(fn: F) -> F:
    """Mark ``fn`` as a critical section: an interrupt inside it waits until it ends."""
    _MARKS[fn.__code__] = True
    return fn


def calls_out(fn: F) -> F:
    """Mark ``fn`` as running foreign code: interrupts inside it are raised at once."""
    _MARKS[fn.__code__] = False
    return fn


def in_critical(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside a critical section (the innermost mark decides)."""
    marks = _MARKS
    while frame is not None:
        code = frame.f_code
        if code in marks:
            mark = marks[code]
            return frame.f_locals["lock"]._is_owned() if mark is None else mark
        frame = frame.f_back
    return False


def on_sigint(signum: int, frame: FrameType | None) -> None:
    """The SIGINT handler: inside a critical section ask again later, else raise now."""
    global _deferred
    if in_critical(frame):
        _deferred = True
        _wake.put(None)
        return
    _deferred = False
    raise KeyboardInterrupt


_deferred = False
"""Whether an interrupt waits for the end of a critical section (one, however many signals)."""
_wake: queue.SimpleQueue[None] = queue.SimpleQueue()
_helper: threading.Thread | None = None


def _ask_again() -> None:
    """The helper thread: re-send a deferred interrupt until the handler raises it.

    It stops while the handler is not ours (the cell ended: ipykernel ignores SIGINT
    between cells). Nothing runs between its check of ``_deferred`` and
    ``interrupt_main`` that could let the main thread take the GIL (no call, no loop
    jump), so it never re-sends an interrupt that the handler has raised already.
    """
    while True:
        _wake.get()
        while True:
            ours = _signal.getsignal(_SIGINT) is on_sigint
            if not (ours and _deferred):
                break
            _thread.interrupt_main()  # its default signal is SIGINT
            time.sleep(_RETRY)


def _forget_helper() -> None:
    """In a forked child, which has no helper thread: the next ``guard()`` starts one."""
    global _helper
    _helper = None
    if _signal.getsignal(_SIGINT) is on_sigint:
        _signal.signal(_SIGINT, _signal.default_int_handler)


def guard() -> None:
    """Put ``on_sigint`` in place of Python's default SIGINT handler (main thread only)."""
    global _helper
    if _signal.getsignal(_SIGINT) is _signal.default_int_handler and threading.get_ident() == _MAIN:
        if _helper is None:
            _helper = threading.Thread(target=_ask_again, name="localdict_nb-interrupts",
                                       daemon=True)
            _helper.start()
        try:
            _signal.signal(_SIGINT, on_sigint)
        except ValueError:  # not the main interpreter
            pass


os.register_at_fork(after_in_child=_forget_helper)


def acquire(lock: Any) -> None:
    """Wait for a busy ``lock`` (an RLock) from a critical section.

    An interrupt cancels the wait, but once the lock is taken the section is in. The
    wait wakes now and then, since a deferred interrupt's reminder (unlike a real
    signal) does not cut a blocking wait short.
    """
    while not lock.acquire(timeout=_POLL):
        pass


_MARKS[acquire.__code__] = None
