"""Change events and the observer registry.

The backend tree makes a ``StoreEvent`` for every change while it holds its
lock. Observers (callbacks) get them once the outermost operation has released
it; they must be quick, and one that raises is logged and never breaks a write.
Event queues (pull subscriptions) get them appended at once, in order, for a
consumer thread to drain. A set or delete makes an event only when a key
changed; every clear and prune pass makes one (``count`` may be 0), since each
moves the tree's prune schedule.
The engine knows nothing of who observes (the tree view, a test, a logger).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any, Final, Literal, NamedTuple

from .interrupts import calls_out, critical

__all__ = ["PRUNE_RING", "RING", "EventFields", "EventKind", "EventQueue", "Observer",
           "RingEntry", "StoreEvent", "Subscription",
           "as_event", "touches"]

logger = logging.getLogger("localdict_nb")

EventKind = Literal["set", "delete", "clear", "prune"]

EventFields = tuple[EventKind, tuple[str, ...], str | None, int, float, bool, int,
                    tuple[tuple[str, ...], ...]]
"""A StoreEvent's fields as a plain tuple, as the tree queues them (no NamedTuple overhead)."""

RingEntry = tuple[int, EventKind, Any, str | None, str | None, int, float, bool, int,
                  tuple[tuple[str, ...], ...]]
"""An event in a tree's ring: (tick, kind, where, leaf, format, counter, timestamp, created,
count, removed), where ``where`` is the backend node (or the path) the event happened at and
``leaf`` the key under it (None for a clear or a prune pass)."""


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
        count: Keys removed by a clear, nodes removed by a prune pass (either may
            be 0), else 1.
        removed: For prune, the paths of the removed subtrees.
    """

    kind: EventKind
    path: tuple[str, ...]
    format: str | None
    counter: int
    timestamp: float
    created: bool = False
    count: int = 1  # type: ignore[assignment]  # the field shadows tuple.count by design
    removed: tuple[tuple[str, ...], ...] = ()

    def touches(self, prefix: tuple[str, ...]) -> bool:
        """Tell whether this event concerns a view rooted at ``prefix``.

        A key must lie strictly below the prefix (the key ``("a",)`` is not in
        the view ``("a",)``); a cleared prefix or pruned node may also lie above it.
        """
        return touches(self, prefix)


as_event = partial(tuple.__new__, StoreEvent)
"""Wrap a tuple of fields as a StoreEvent without NamedTuple's slower ``__new__``."""


def touches(fields: EventFields, prefix: tuple[str, ...]) -> bool:
    """``StoreEvent.touches`` for a StoreEvent or a plain tuple of its fields."""
    n = len(prefix)
    kind, path = fields[0], fields[1]
    if kind == "set" or kind == "delete":
        return len(path) > n and path[:n] == prefix
    paths = fields[7] if kind == "prune" else (path,)
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

    @critical
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


class EventQueue:
    """A pull subscription: the tree appends each event to ``events`` and sets ``ready``.

    Nothing of the consumer's runs in the writing thread, so a consumer in another
    thread (the tree view's flusher) costs a writer one deque append per event.
    Events arrive in write-counter order. A queue with a prefix gets only the
    events under it, but ``ready`` is set by every change to the tree, whose
    totals changed. ``close()`` ends the subscription.

    The wake-up protocol: a writer appends, then sets ``ready`` unless ``armed``
    says it is set already; the consumer clears ``ready`` *before* it disarms and
    drains, so a write between any two of its steps is drained now or wakes it again.
    """

    __slots__ = ("_hub", "armed", "events", "prefix", "ready")

    def __init__(self, hub: ObserverHub, prefix: tuple[str, ...]) -> None:
        self._hub: ObserverHub | None = hub
        self.prefix = prefix
        self.events: deque[EventFields] = deque()
        """The queued events' fields (``drain`` returns them as StoreEvents)."""
        self.ready = threading.Event()
        self.armed = False
        """True once ``ready`` was set for the events not yet drained (saves a call per event)."""

    @property
    def active(self) -> bool:
        """Whether events are still queued."""
        return self._hub is not None

    @critical
    def put(self, event: EventFields) -> None:
        """Queue an event's fields if it concerns the prefix; wake the consumer either way.

        ``Tree._publish`` inlines this; it is here for tests and other producers.
        """
        if not self.prefix or touches(event, self.prefix):
            self.events.append(event)
        if not self.armed:
            self.armed = True
            self.ready.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the tree changed (or the queue is closed); re-arm for the next change.

        Returns whether something happened: ``ready`` was set or events are queued.
        """
        woken = self.ready.wait(timeout)
        self._rearm()
        return woken or bool(self.events)

    @critical
    def _rearm(self) -> None:
        self.ready.clear()  # first: a write after this sets it again (see the class docstring)
        self.armed = False

    @critical
    def drain(self) -> list[StoreEvent]:
        """Take every queued event, oldest first."""
        events = self.events
        drained = [as_event(events.popleft()) for _ in range(len(events))]
        return drained

    @critical
    def close(self) -> None:
        """Stop queueing events; safe to call twice."""
        if self._hub is not None:
            self._hub.remove(self)
            self._hub = None
        self.ready.set()  # wake a consumer waiting for events, so it can see the end

    def __enter__(self) -> EventQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


RING: Final = 64
"""Recent events a tree keeps for its views (prune passes apart, ``PRUNE_RING`` of them)."""
PRUNE_RING: Final = 16


class ObserverHub:
    """Who listens to one backend tree: observers, event queues and views; falsy when none.

    Observers and event queues get every event with its path. Views share one bounded
    ring of the most recent events (and one of prune passes), kept while any view
    watches the tree: a write appends one tuple to it whatever the number of views,
    and leaves its path to be worked out when (if ever) a view reads it.
    """

    __slots__ = ("_lock", "_subs", "any", "has_callbacks", "prunes", "queues", "ring", "subscribed",
                 "ticks", "viewers")

    def __init__(self) -> None:
        self._subs: tuple[Subscription, ...] = ()
        self.queues: tuple[EventQueue, ...] = ()
        self._lock = threading.Lock()
        self.any = False
        """Whether anyone listens: the one check a write makes when nobody does."""
        self.has_callbacks = False
        """Whether any observer must be called after the lock is released."""
        self.subscribed = False
        """Whether any observer or event queue wants events with their paths."""
        self.ring: deque[RingEntry] | None = None
        """The most recent events, while a view watches (see ``engine.watch``)."""
        self.prunes: deque[RingEntry] | None = None
        """The most recent prune passes, kept apart from the ring."""
        self.viewers = 0
        """How many views watch the tree."""
        self.ticks = itertools.count(1)
        """Numbers the ring's entries, so that a view can ask for the ones it has not seen."""

    def __bool__(self) -> bool:
        return self.any

    def _changed(self) -> None:
        self.has_callbacks = bool(self._subs)
        self.subscribed = bool(self._subs or self.queues)
        self.any = self.subscribed or self.ring is not None

    def __len__(self) -> int:
        return len(self._subs) + len(self.queues)

    @critical
    def add_queue(self, prefix: tuple[str, ...] = ()) -> EventQueue:
        """Start queueing the events at or under ``prefix``."""
        queue = EventQueue(self, prefix)
        with self._lock:
            self.queues = (*self.queues, queue)
            self._changed()
        return queue

    @critical
    def add(self, callback: Observer, prefix: tuple[str, ...] = ()) -> Subscription:
        """Register ``callback`` for events at or under ``prefix``."""
        if not callable(callback):
            msg = f"an observer must be callable; got {type(callback).__name__}"
            raise TypeError(msg)
        sub = Subscription(self, callback, prefix)
        with self._lock:
            self._subs = (*self._subs, sub)
            self._changed()
        return sub

    @critical
    def remove(self, sub: Subscription | EventQueue) -> None:
        """Unregister ``sub`` (copy-on-write, so a dispatch in progress is unaffected)."""
        with self._lock:
            self._subs = tuple(s for s in self._subs if s is not sub)
            self.queues = tuple(q for q in self.queues if q is not sub)
            self._changed()

    @calls_out
    def dispatch(self, fields: list[EventFields]) -> None:
        """Deliver the events (given as fields) in order to every interested observer.

        An observer that raises is logged; the others still get the event.
        """
        events = [as_event(f) for f in fields]
        for sub in self._subs:
            callback, prefix = sub.callback, sub.prefix
            for event in events:
                if prefix and not event.touches(prefix):
                    continue
                try:
                    callback(event)
                except Exception:
                    logger.exception("localdict_nb observer %r failed on %s", callback, event)
