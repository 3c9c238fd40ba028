"""What tools outside the engine may read of a LocalDict's backend, and how.

The tree view and the magics show the structure behind a store: the nodes under a
view, their counts per format bucket, write counters, ETags, the tree's pruning
state. They read it only through these functions, which take the tree's lock for
one short, critical section each, copy what they return, and never load a value
while holding it (``Leaf.value`` loads a fresh copy, outside the lock).

Paths here are relative to the store's own root (a view's prefix is not part of
them), as in the store's keys.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from .backend import COUNTER, KIND, PAYLOAD, TIMESTAMP, Entry, Node, counts_text
from .interrupts import critical
from .isolation import AS_IS, thaw
from .local_dict import LocalDict

__all__ = ["Child", "Leaf", "Listing", "Subtree", "Summary", "counts_text", "entry", "key_paths",
           "listing", "subtree", "summary"]


@dataclass(frozen=True)
class Summary:
    """A view's totals and its tree's state."""

    prefix: tuple[str, ...]
    """The view's root in the tree."""
    format: str
    """The view's own format bucket."""
    formats: dict[str, int]
    """Keys per format bucket under the view."""
    nodes: int
    """Nodes of the whole tree."""
    counter: int
    """The tree's write counter."""
    ops_since_prune: int
    """Deletions and clears since the last prune pass."""
    prune_interval: int | None
    """The view's prune interval (None: never)."""
    prune_passes: int
    """Prune passes the tree has run."""
    observers: int
    """Observers and event queues on the tree."""
    views: int
    """Views (tree widgets) that watch the tree."""


@dataclass(frozen=True)
class Child:
    """A child node: its name, its subtree's keys per format, its last write counter."""

    name: str
    counts: dict[str, int]
    last_write: int


@dataclass(frozen=True)
class Leaf:
    """One stored key of one format: its metadata, and its value on demand."""

    path: tuple[str, ...]
    """Relative to the store's root."""
    format: str
    counter: int
    """Its write counter; the ETag is ``str(counter)``."""
    timestamp: float
    _entry: Entry = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        """The last segment of the key."""
        return self.path[-1]

    @property
    def etag(self) -> str:
        """The key's ETag."""
        return str(self.counter)

    @property
    def plain(self) -> bool:
        """Whether the value is an immutable scalar kept as it is: loading it runs no code."""
        return self._entry[KIND] == AS_IS

    @property
    def size(self) -> int:
        """Bytes of the stored form (pickle, deep copy or scalar), roughly."""
        return sys.getsizeof(self._entry[PAYLOAD])

    def value(self) -> Any:
        """A fresh copy of the value (loads a pickle: may raise what the value's class raises)."""
        return thaw(self._entry[PAYLOAD], self._entry[KIND])


@dataclass(frozen=True)
class Listing:
    """The first rows under a node: child nodes, then keys (one per format holding it)."""

    children: list[Child]
    leaves: list[Leaf]
    total: int
    """How many rows the node has in all."""


@dataclass(frozen=True)
class Subtree:
    """Size figures of everything under a view."""

    nodes: int
    depth: int
    """Segments of the longest key under the view."""
    bytes: int
    """Stored entries, keys and payloads, roughly."""


def _leaf(path: tuple[str, ...], fmt: str, e: Entry) -> Leaf:
    return Leaf(path, fmt, e[COUNTER], e[TIMESTAMP], e)


def _node(store: LocalDict[Any], rel: tuple[str, ...]) -> Node | None:
    """The live node at ``rel`` below the store's root (callers hold the lock)."""
    base = store._here()
    return None if base is None else store._tree.locate(base, rel)


@critical
def summary(store: LocalDict[Any]) -> Summary:
    """The store's totals and its tree's state; O(formats)."""
    with store._tree as tree:
        node = store._here()
        formats = dict(sorted(node.counts.items())) if node is not None else {}
        found = Summary(store.prefix, store.serialization_format, formats, tree.nodes,
                        tree.counter, tree.ops_since_prune,
                        store._prune_interval, tree.prune_passes,
                        len(tree.observers), tree.observers.viewers)
    return found


@critical
def listing(store: LocalDict[Any], rel: tuple[str, ...], limit: int) -> Listing | None:
    """The first ``limit`` rows under ``rel``, in insertion order; None if no such node.

    O(limit): child nodes and buckets are read in the order they were created.
    """
    with store._tree:
        node = _node(store, rel)
        found = None
        if node is not None:
            total = len(node.children) + sum(len(b) for b in node.buckets.values())
            children = [Child(name, dict(c.counts), c.last_write)
                        for name, c in islice(node.children.items(), limit)]
            leaves: list[Leaf] = []
            for fmt, bucket in node.buckets.items():
                room = limit - len(children) - len(leaves)
                if room <= 0:
                    break
                leaves += [_leaf((*rel, name), fmt, e) for name, e in islice(bucket.items(), room)]
            found = Listing(children, leaves, total)
    return found


@critical
def entry(store: LocalDict[Any], rel: tuple[str, ...], fmt: str) -> Leaf | None:
    """The key ``rel`` in bucket ``fmt`` (any format, not only the store's own); None if absent."""
    with store._tree as tree:
        base = store._here()
        found = None if base is None or not rel else tree.lookup(base, rel, fmt)
    return None if found is None else _leaf(rel, fmt, found)


def key_paths(store: LocalDict[Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every key under the store, of every format, as ``(relative path, format)``.

    Node by node (the lock is held while one node is copied), depth-first; a key
    held in two formats comes twice. O(keys).
    """
    node = store._here()
    if node is None:
        return
    tree = store._tree
    for fmt in list(node.counts):
        for rel, items in tree.walk(node, fmt):
            for leaf, _ in items:
                yield (*rel, leaf), fmt


@critical
def subtree(store: LocalDict[Any]) -> Subtree:
    """Nodes, depth and bytes of everything under the store; O(nodes + keys)."""
    nodes = depth = size = 0
    with store._tree:
        top = store._here()
        stack = [(top, 0)] if top is not None else []
        while stack:
            node, level = stack.pop()
            nodes += 1
            for bucket in node.buckets.values():
                depth = max(depth, level + 1)
                for name, e in bucket.items():
                    size += sys.getsizeof(e) + sys.getsizeof(name) + sys.getsizeof(e[PAYLOAD])
            stack.extend((child, level + 1) for child in node.children.values())
    return Subtree(nodes, depth, size)
