"""Shared checks of the fault tests."""

from __future__ import annotations

import threading
from typing import Any


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
