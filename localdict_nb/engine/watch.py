"""How a view follows a tree: cheap stamps to poll, and a ring of recent events.

A live view costs a write (almost) nothing: while any view watches a tree, each
write appends one tuple to the tree's bounded ring of recent events (one ring per
tree, however many views), and nothing else. A view polls instead: ``version``
tells whether anything in the tree changed at all, ``stamps`` whether the nodes it
shows changed (a node's keys per format and its last write counter change with
every write, deletion or clear below it), and ``Watch.recent`` gives the events it
has not seen, for its strip of recent changes.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from .backend import Node, path_of
from .events import PRUNE_RING, RING, StoreEvent
from .interrupts import critical
from .local_dict import LocalDict

__all__ = ["Stamp", "Watch", "stamps", "version"]

Stamp = tuple[tuple[tuple[str, int], ...], int]
"""What a node's listing depends on: its keys per format (sorted) and its last write counter."""


class Watch:
    """A view's hold on its store's tree: keeps the ring of recent events while it lives.

    Args:
        store: The store (or view of a store) the view shows.
    """

    def __init__(self, store: LocalDict[Any]) -> None:
        self._store = store
        self._tree = store._tree
        self._open = False
        self._attach()

    @critical
    def _attach(self) -> None:
        with self._tree:
            hub = self._tree.observers
            if hub.ring is None:
                hub.ring, hub.prunes = deque(maxlen=RING), deque(maxlen=PRUNE_RING)
            hub.viewers += 1
            hub._changed()
            self._open = True

    @critical
    def close(self) -> None:
        """Stop watching; the last view to stop drops the ring (writes then cost nothing)."""
        with self._tree:
            if self._open:
                self._open = False
                hub = self._tree.observers
                hub.viewers -= 1
                if not hub.viewers:
                    hub.ring = hub.prunes = None
                hub._changed()

    @critical
    def recent(self, after: int) -> list[tuple[int, StoreEvent]]:
        """The events numbered above ``after``, oldest first, with their absolute paths.

        Prune passes come from their own ring, so the latest of them are there however
        many writes followed. At most the ring's size: older ones are gone.
        """
        with self._tree:
            hub = self._tree.observers
            entries = [e for ring in (hub.ring, hub.prunes) if ring for e in ring if e[0] > after]
        entries.sort(key=lambda e: e[0])
        return [(e[0], StoreEvent(e[1], path_of(e[2], e[3]), e[4], e[5], e[6], e[7], e[8], e[9]))
                for e in entries]

    @property
    def viewers(self) -> int:
        """How many views watch the tree."""
        return self._tree.observers.viewers


@critical
def version(store: LocalDict[Any]) -> tuple[int, int, int, int]:
    """Changes whenever anything in the store's tree changes: a cheap first check for a poll.

    (Write counter, deletions and clears since the last prune pass, prune passes, nodes.)
    """
    tree = store._tree
    with tree:
        found = (tree.counter, tree.ops_since_prune, tree.prune_passes, tree.nodes)
    return found


@critical
def stamps(store: LocalDict[Any], rels: list[tuple[str, ...]]) -> list[Stamp | None]:
    """For each node path (relative to the store), its ``Stamp``, or None if there is no node.

    O(nodes asked x depth), under one short hold of the lock.
    """
    tree = store._tree
    found: list[Stamp | None] = []
    with tree:
        base = store._here()
        for rel in rels:
            node: Node | None = None if base is None else tree.locate(base, rel)
            found.append(None if node is None
                         else (tuple(sorted(node.counts.items())), node.last_write))
    return found

