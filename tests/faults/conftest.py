"""Shared checks of the fault tests."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest


def lock_is_free(tree: Any) -> bool:
    """Whether another thread can take the tree's lock: no thread, this one included, holds it."""
    got: list[bool] = []

    def take() -> None:
        ok = tree.lock.acquire(timeout=5)
        got.append(ok)
        if ok:
            tree.lock.release()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join(10)
    return got == [True]


@pytest.fixture(autouse=True)
def sigint_as_in_a_notebook_cell() -> Iterator[None]:
    """Python's default SIGINT handler, as ipykernel sets it for every cell.

    A process started in the background by a shell inherits SIGINT ignored, and then
    Python installs no handler at all: the stop button would do nothing.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
