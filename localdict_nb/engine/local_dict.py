"""LocalDict: a PersiDict over one node of a RAM backend tree.

Design: a LocalDict is a *view*: a backend ``Tree``, the path of its root node,
a format bucket and policies. ``get_subdict`` returns another view on the same
tree without creating anything: a view of a prefix that holds no node yet is
rooted at a ``Pending`` node until a write creates the real one. A view holds
its node, and re-attaches by path if a prune pass removed it, so a view never
loses writes. All state lives in the tree; every operation takes the tree's lock.

Every operation that holds the tree's lock is one critical section
(``interrupts``): values are copied (which runs the caller's code) before it
starts, observers are called after it ends, and a KeyboardInterrupt that arrives
in between is raised once the tree is whole again. So each operation happens
entirely or not at all, and never leaves the lock held. Reading one entry takes
no lock (see ``_entry_of``).
"""

from __future__ import annotations

import heapq
import random
from _signal import (  # type: ignore[import-not-found]  # C module behind signal: no stub
    default_int_handler as _DEFAULT_HANDLER,
)
from _signal import getsignal as _getsignal  # ~100x faster than signal.getsignal: write path
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Generic, Self, TypeVar

from mixinforge import sort_dict_by_keys

from . import showing
from .backend import COUNTER, KIND, PAYLOAD, TIMESTAMP, Entry, Node, Tree
from .events import EventQueue, StoreEvent, Subscription
from .exceptions import MutationPolicyError
from .interrupts import acquire, critical, guard
from .isolation import freeze, thaw
from .jokers import (
    DELETE_CURRENT,
    ITEM_NOT_AVAILABLE,
    KEEP_CURRENT,
    ETagIfExists,
    ETagValue,
    Joker,
    ValueType,
    native,
)
from .keys import SafeStrTuple, key_of, to_path, to_prefix
from .persi_dict import NonEmptyPersiDictKey, PersiDict, PersiDictKey

__all__ = ["LocalDict"]

_DEFAULT_PRUNE_INTERVAL = 64
_PLAIN_VALUES = frozenset({dict, list, tuple, set, frozenset, str, bytes, int, float, bool,
                           complex, type(None)})
"""Value types that can be neither a joker nor a PersiDict."""


def _shower() -> showing.Shower:
    view = showing.shower()
    if view is None:
        msg = "no view layer is installed: import localdict_nb (not only localdict_nb.engine)"
        raise RuntimeError(msg)
    return view


def _check_prune_interval(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        msg = (f"prune_interval must be an int (prune every N deletions) or None (never); "
               f"got {type(value).__name__} {value!r}")
        raise TypeError(msg)
    return value if value > 0 else None


class LocalDict(PersiDict[ValueType]):
    """An in-memory PersiDict: a drop-in for ``persidict.LocalDict``, thread-safe and observable.

    Args:
        backend: The backend node to root this dict at (``get_params()["backend"]``
            of another LocalDict); None makes a new, empty tree.
        serialization_format: The bucket the values live in; dicts of different
            formats on one backend see separate keys.
        append_only: Refuse to change or delete an item once written.
        base_class_for_values: Accept (and return) only instances of this type.
        prune_interval: Remove empty subtrees every N deletions or clears on the
            tree; None or <= 0 never prunes.

    Runtime complexity: ``len``, ``bool`` O(1); get, set, delete, ``in``, etag
    O(depth of key); iteration O(items); ``random_key`` O(depth + children + one bucket).
    """

    def __init__(self, *, backend: Node | None = None, serialization_format: str = "pkl",
                 append_only: bool = False, base_class_for_values: type | None = None,
                 prune_interval: int | None = _DEFAULT_PRUNE_INTERVAL) -> None:
        if backend is None:
            backend = Tree().root
        elif not isinstance(backend, Node):
            msg = (f"backend must be a localdict_nb backend node (another LocalDict's "
                   f"get_params()['backend']) or None; got {type(backend).__name__}")
            raise TypeError(msg)
        self._prune_interval = _check_prune_interval(prune_interval)
        super().__init__(append_only=append_only, base_class_for_values=base_class_for_values,
                         serialization_format=serialization_format)
        self._tree: Tree = backend.tree
        self._node: Node = backend
        self._path: tuple[str, ...] = backend.path

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters; ``backend`` is shared, not copied."""
        params = super().get_params()
        params.update(backend=self._node, prune_interval=self._prune_interval)
        return sort_dict_by_keys(params)

    @property
    def prefix(self) -> tuple[str, ...]:
        """The path of this view's root in the backend tree (``()`` for the top)."""
        return self._path

    # --- navigation --------------------------------------------------------------------

    def _here(self) -> Node | None:
        """This view's node, re-attached by path if it was pruned or not yet created."""
        node = self._node
        if node.alive:
            return node
        found = self._tree.resolve(self._path)
        if found is not None:
            self._node = found
        return found

    @critical
    def _attach(self) -> Node:
        """This view's node, created if missing (a write is about to fill it)."""
        node = self._tree.resolve(self._path, create=True)
        self._node = node
        return node

    def _entry(self, path: tuple[str, ...]) -> Entry | None:
        node = self._node if self._node.alive else self._here()
        return None if node is None else self._tree.lookup(node, path, self.serialization_format)

    def _entry_of(self, key: Any) -> Entry | None:
        """The entry of ``key``, or None if absent; ValueError/TypeError for a bad key.

        A str or tuple is first looked up as given: only valid keys are ever
        stored, so a hit needs no validation. Only a miss validates the key and
        looks up its normalised form.

        Reading one entry takes no lock: each step is one dict look-up, atomic
        under the GIL, and a write makes its key visible in one step (the bucket
        insert), so a read sees it entirely or not at all.
        """
        if type(key) is str:  # flat keys, inlined: the most common read of all
            node = self._node if self._node.alive else self._here()
            bucket = None if node is None else node.buckets.get(self.serialization_format)
            entry = None if bucket is None else bucket.get(key)
            if entry is not None:
                return entry
        elif key and isinstance(key, tuple):
            try:
                entry = self._entry(key)
            except TypeError:  # an unhashable segment; validation below names it
                entry = None
            if entry is not None:
                return entry
        return self._entry(to_path(key))

    def _value(self, entry: Entry) -> ValueType:
        value: ValueType = thaw(entry[PAYLOAD], entry[KIND])
        if self.base_class_for_values is not None:
            self._validate_returned_value(value)
        return value

    # --- PersiDict primitives --------------------------------------------------------

    def _atomic(self) -> Tree:
        return self._tree

    def _etag_of(self, path: tuple[str, ...]) -> ETagIfExists:
        entry = self._entry(path)
        return ITEM_NOT_AVAILABLE if entry is None else ETagValue(str(entry[COUNTER]))

    def _read(self, path: tuple[str, ...]) -> tuple[Any, ETagValue] | None:
        entry = self._entry(path)
        if entry is None:
            return None
        return self._value(entry), ETagValue(str(entry[COUNTER]))

    def _write(self, path: tuple[str, ...], value: Any) -> ETagValue:
        payload, kind = freeze(value)
        # ETagValue is a NewType of str: wrapping the str would only add a call on the write path
        return str(self._store(path, payload, kind))  # type: ignore[return-value]  # see above

    @critical
    def _store(self, path: tuple[str, ...], payload: Any, kind: int) -> int:
        """Store a frozen, validated value; return its write counter."""
        if _getsignal(2) is _DEFAULT_HANDLER:
            guard()
        tree = self._tree
        lock = tree.lock
        if not lock.acquire(False):
            acquire(lock)
        try:
            node = self._node if self._node.alive else self._attach()
            counter = tree.put(node, path, self.serialization_format, payload, kind,
                               self._append_only)
            events = tree.outbox and tree.take_outbox()
        finally:
            lock.release()
        if events:
            tree.observers.dispatch(events)
        return counter

    @critical
    def _delete(self, path: tuple[str, ...]) -> bool:
        if _getsignal(2) is _DEFAULT_HANDLER:
            guard()
        tree = self._tree
        lock = tree.lock
        if not lock.acquire(False):
            acquire(lock)
        try:
            node = self._node if self._node.alive else self._here()
            found = (node is not None
                     and tree.remove(node, path, self.serialization_format) is not None)
            if found:
                tree.note_destructive(self._prune_interval)
            events = tree.outbox and tree.take_outbox()
        finally:
            lock.release()
        if events:
            tree.observers.dispatch(events)
        return found

    def _iter(self, keys: bool, values: bool, timestamps: bool) -> Iterator[Any]:
        node = self._here()
        if node is None:
            return
        new_key = tuple.__new__
        for rel, items in self._tree.walk(node, self.serialization_format):
            for leaf, entry in items:
                key = new_key(SafeStrTuple, (*rel, leaf)) if keys else None
                if not values:
                    yield (key, entry[TIMESTAMP]) if timestamps else key
                    continue
                value = self._value(entry)
                if keys:
                    yield (key, value, entry[TIMESTAMP]) if timestamps else (key, value)
                else:
                    yield (value, entry[TIMESTAMP]) if timestamps else value

    # --- fast paths ----------------------------------------------------------------------

    def __setitem__(self, key: NonEmptyPersiDictKey, value: ValueType | Joker) -> None:
        if type(value) in _PLAIN_VALUES and self.base_class_for_values is None:
            payload, kind = freeze(value)  # no joker, no PersiDict, no type rule to check
            self._store(to_path(key), payload, kind)
        else:
            super().__setitem__(key, value)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        """Write (or apply the jokers of) every item in one step: all of them or none.

        Keys, values and the append-only rule are all checked before anything is
        written, so a bad item leaves the dict unchanged. Atomic across threads and
        under KeyboardInterrupt.
        """
        if isinstance(other, Mapping):
            pairs: Iterable[tuple[Any, Any]] = list(other.items())
        elif hasattr(other, "keys"):
            pairs = [(k, other[k]) for k in other.keys()]
        else:
            pairs = list(other)
        steps: list[tuple[tuple[str, ...], Any, int]] = []
        for key, value in [*pairs, *kwargs.items()]:
            path = to_path(key)
            value = native(value)
            if value is KEEP_CURRENT:
                continue
            if value is DELETE_CURRENT:
                self._check_delete_policy()
                steps.append((path, None, -1))
                continue
            self._validate_value(value)
            steps.append((path, *freeze(value)))
        if steps:
            self._apply(steps)

    @critical
    def _apply(self, steps: list[tuple[tuple[str, ...], Any, int]]) -> None:
        """Apply frozen writes (kind >= 0) and deletions (kind -1) as one operation."""
        fmt = self.serialization_format
        with self._tree as tree:
            node = self._here()
            if self._append_only:
                written: set[tuple[str, ...]] = set()
                for path, _, _ in steps:
                    if path in written or (node is not None and tree.lookup(node, path, fmt)):
                        raise MutationPolicyError("append-only")
                    written.add(path)
            for path, payload, kind in steps:
                if kind < 0:
                    node = self._here()
                    if node is not None and tree.remove(node, path, fmt) is not None:
                        tree.note_destructive(self._prune_interval)
                else:
                    node = self._node if self._node.alive else self._attach()
                    tree.put(node, path, fmt, payload, kind)

    def __delitem__(self, key: NonEmptyPersiDictKey) -> None:
        raw = (key,) if type(key) is str else key if isinstance(key, tuple) else None
        if raw and not self._append_only:
            try:
                if self._delete(raw):  # a stored key needs no validation
                    return
            except TypeError:
                pass
        super().__delitem__(key)  # validates, checks the policy, deletes or raises KeyError

    def __contains__(self, key: object) -> bool:
        if type(key) is str:  # flat keys, inlined (see _entry_of)
            node = self._node if self._node.alive else self._here()
            bucket = None if node is None else node.buckets.get(self.serialization_format)
            if bucket is not None and key in bucket:
                return True
        return self._entry_of(key) is not None

    def __getitem__(self, key: NonEmptyPersiDictKey) -> ValueType:
        entry = self._entry_of(key)
        if entry is None:
            raise KeyError(key_of(to_path(key)))
        return self._value(entry)

    @critical
    def __len__(self) -> int:
        if _getsignal(2) is _DEFAULT_HANDLER:
            guard()
        with self._tree.lock:  # not lock-free: a write changes several counts
            node = self._node if self._node.alive else self._here()
            n = 0 if node is None else node.counts.get(self.serialization_format, 0)
        return n

    def __bool__(self) -> bool:
        return len(self) > 0

    def timestamp(self, key: NonEmptyPersiDictKey) -> float:
        """The ``time.time()`` of the last write of ``key``; KeyError if absent."""
        entry = self._entry_of(key)
        if entry is None:
            raise KeyError(key_of(to_path(key)))
        return entry[TIMESTAMP]

    @critical
    def clear(self) -> None:
        """Delete every key of this format under this view; O(nodes under it)."""
        self._check_delete_policy()
        with self._tree as tree:
            tree.clear(self._here(), self._path, self.serialization_format)
            tree.note_destructive(self._prune_interval)

    @critical
    def prune(self) -> list[SafeStrTuple]:
        """Remove the tree's empty subtrees now; return the removed subtrees' paths.

        Pruning otherwise runs every ``prune_interval`` deletions or clears.
        """
        with self._tree as tree:
            removed = tree.prune()
        return [tuple.__new__(SafeStrTuple, path) for path in removed]

    @critical
    def random_key(self) -> SafeStrTuple | None:
        """A uniformly random key, or None if empty; never copies values."""
        fmt = self.serialization_format
        rel = None
        with self._tree as tree:
            node = self._here()
            total = 0 if node is None else node.counts.get(fmt, 0)
            if node is not None and total:
                rel = tree.pick(node, fmt, random.randrange(total))
        return None if rel is None else tuple.__new__(SafeStrTuple, rel)

    def _sorted_keys(self, max_n: int | None, newest_first: bool) -> list[SafeStrTuple]:
        """Order by write counter: exact write order, even within one clock tick."""
        if max_n is not None and max_n <= 0:
            return []
        node = self._here()
        if node is None:
            return []
        pairs = ((entry[COUNTER], (*rel, leaf))
                 for rel, items in self._tree.walk(node, self.serialization_format)
                 for leaf, entry in items)
        if max_n is None:
            ordered = sorted(pairs, reverse=newest_first)
        else:
            pick = heapq.nlargest if newest_first else heapq.nsmallest
            ordered = pick(max_n, pairs)
        return [tuple.__new__(SafeStrTuple, path) for _, path in ordered]

    # --- views ----------------------------------------------------------------------------

    def get_subdict(self, prefix_key: PersiDictKey) -> Self:
        """A view of the keys under ``prefix_key``, sharing this backend; creates nothing."""
        target = self._tree.view_node((*self._path, *to_prefix(prefix_key)))
        return type(self)(backend=target, serialization_format=self.serialization_format,
                          append_only=self.append_only,
                          base_class_for_values=self.base_class_for_values,
                          prune_interval=self._prune_interval)

    def subdicts(self) -> dict[str, Self]:
        """Map each first key segment (of keys of this format) to the view under it."""
        node = self._here()
        firsts = [] if node is None else self._tree.first_segments(node, self.serialization_format)
        return {name: self.get_subdict(name) for name in firsts}

    # --- observing -------------------------------------------------------------------------

    def observe(self, callback: Callable[[StoreEvent], object]) -> Subscription:
        """Call ``callback(event)`` after every change at or under this view's prefix.

        Events of every format are delivered; ``event.format`` tells which. The
        callback runs after the change, outside the lock, and must be quick; one
        that raises is logged. Returns a Subscription: ``close()`` it to stop.
        """
        return self._tree.observers.add(callback, self._path)

    # --- display (through the hook the view layer fills: see showing.py) -------------------

    def tree(self, **kwargs: Any) -> Any:
        """A new live tree view widget of this dict, to place in layouts.

        Keyword arguments go to the widget (``localdict_nb.view.widget.LocalDictTree``).
        """
        return _shower().new_widget(self, **kwargs)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        view = showing.shower()
        if view is None:
            return {"text/plain": repr(self)}
        return view.mimebundle(self, include, exclude)

    def _display_(self) -> Any:
        """Marimo's display hook: the shared tree widget."""
        return _shower().shared_widget(self)

    def atomic(self) -> _Atomic[Self]:
        """``with d.atomic():`` holds the tree's lock: no other thread changes it meanwhile.

        Writes inside the block are still applied one by one (an error or an interrupt
        between two leaves the first); for all-or-nothing writes use ``update``. Keep
        the block short: every other thread waits for it.
        """
        return _Atomic(self)

    def subscribe(self) -> EventQueue:
        """Queue every change at or under this view's prefix, for another thread to drain.

        Unlike ``observe``, no code runs in the writing thread: each event is
        appended to ``queue.events`` and ``queue.ready`` is set. ``close()`` it to stop.
        """
        return self._tree.observers.add_queue(self._path)

    @property
    def write_counter(self) -> int:
        """The tree's last write counter (shared by every view of the tree)."""
        return self._tree.counter



S = TypeVar("S", bound=LocalDict[Any])


class _Atomic(Generic[S]):
    """The context manager of ``LocalDict.atomic``; entering and leaving are critical."""

    __slots__ = ("store",)

    def __init__(self, store: S) -> None:
        self.store = store

    @critical
    def __enter__(self) -> S:
        self.store._tree.__enter__()
        return self.store

    @critical
    def __exit__(self, *exc: object) -> None:
        self.store._tree.__exit__(*exc)
