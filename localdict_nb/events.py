"""Change events and the observer registry.

The backend tree appends a ``StoreEvent`` for every change while it holds its
lock, and hands them to observers once the outermost operation has released it.
Observers must be quick; one that raises is logged and never breaks a write.
The engine knows nothing of who observes (the tree view, a test, a logger).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Literal, NamedTuple

__all__ = ["EventKind", "Observer", "StoreEvent", "Subscription"]

logger = logging.getLogger("localdict_nb")

EventKind = Literal["set", "delete", "clear", "prune"]


class StoreEvent(NamedTuple):
    """One change to a backend tree.

    Attributes:
        kind: ``"set"``, ``"delete"``, ``"clear"`` or ``"prune"``.
        path: Absolute path in the tree: the key for set/delete, the prefix
            for clear, ``()`` for prune.
        format: The serialization format (bucket) changed; None for prune.
        counter: The tree's write counter after the change (the new ETag for set).
        timestamp: ``time.time()`` of the change.
        created: For set, True if the key was new, False if it was replaced.
        count: Keys removed by a clear, nodes removed by a prune, else 1.
        removed: For prune, the paths of the removed subtrees.
    """

    kind: EventKind
    path: tuple[str, ...]
    format: str | None
    counter: int
    timestamp: float
    created: bool = False
    count: int = 1
    removed: tuple[tuple[str, ...], ...] = ()

    def touches(self, prefix: tuple[str, ...]) -> bool:
        """Tell whether this event concerns a view rooted at ``prefix``.

        A key must lie strictly below the prefix (the key ``("a",)`` is not in
        the view ``("a",)``); a cleared prefix or pruned node may also lie above it.
        """
        n = len(prefix)
        if self.kind in ("set", "delete"):
            return len(self.path) > n and self.path[:n] == prefix
        paths = self.removed if self.kind == "prune" else (self.path,)
        return any(p[:n] == prefix or prefix[: len(p)] == p for p in paths)


Observer = Callable[[StoreEvent], object]


class Subscription:
    """An observer's registration; ``close()`` (or leaving a ``with`` block) ends it."""

    __slots__ = ("_hub", "callback", "prefix")

    def __init__(self, hub: ObserverHub, callback: Observer, prefix: tuple[str, ...]) -> None:
        self._hub: ObserverHub | None = hub
        self.callback = callback
        self.prefix = prefix

    @property
    def active(self) -> bool:
        """Whether the observer still receives events."""
        return self._hub is not None

    def close(self) -> None:
        """Stop delivering events to the observer; safe to call twice."""
        if self._hub is not None:
            self._hub.remove(self)
            self._hub = None

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        return f"<Subscription {self.callback!r} on /{'/'.join(self.prefix)} ({state})>"


class ObserverHub:
    """The observers of one backend tree; falsy when there are none."""

    __slots__ = ("_lock", "_subs")

    def __init__(self) -> None:
        self._subs: tuple[Subscription, ...] = ()
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._subs)

    def __len__(self) -> int:
        return len(self._subs)

    def add(self, callback: Observer, prefix: tuple[str, ...] = ()) -> Subscription:
        """Register ``callback`` for events at or under ``prefix``."""
        if not callable(callback):
            msg = f"an observer must be callable; got {type(callback).__name__}"
            raise TypeError(msg)
        sub = Subscription(self, callback, prefix)
        with self._lock:
            self._subs = (*self._subs, sub)
        return sub

    def remove(self, sub: Subscription) -> None:
        """Unregister ``sub`` (copy-on-write, so a dispatch in progress is unaffected)."""
        with self._lock:
            self._subs = tuple(s for s in self._subs if s is not sub)

    def dispatch(self, events: list[StoreEvent]) -> None:
        """Deliver ``events`` in order to every interested observer, logging failures."""
        for sub in self._subs:
            callback, prefix = sub.callback, sub.prefix
            for event in events:
                if prefix and not event.touches(prefix):
                    continue
                try:
                    callback(event)
                except Exception:
                    logger.exception("localdict_nb observer %r failed on %s", callback, event)
