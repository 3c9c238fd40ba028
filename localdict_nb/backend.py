"""The RAM tree behind every LocalDict.

A ``Tree`` owns nodes, one re-entrant lock, the write counter that makes ETags,
the pruning state and the observers. Each ``Node`` keeps its children, one
bucket per serialization format (``leaf -> Entry``) and, for every format, the
number of keys in its whole subtree, so ``len`` is O(1) and a walk can skip
subtrees that hold nothing of a format.

Runtime complexity: put, remove and lookup are O(depth); clear is O(nodes in
the cleared subtree); a prune pass is O(nodes removed + candidates), where the
candidates are the nodes emptied by deletions since the last pass. No operation
walks the whole tree.

Locking: callers hold ``tree.lock`` (or use ``with tree:``) around every method
below. Events raised inside ``with tree:`` are queued and delivered to observers
after the outermost block has released the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import islice
from typing import Any

from .events import ObserverHub, touches
from .exceptions import MutationPolicyError

__all__ = ["COUNTER", "KIND", "PAYLOAD", "TIMESTAMP", "Entry", "Node", "Tree"]

Entry = tuple[Any, int, float, int]
"""A stored value: (payload, isolation kind, timestamp, write counter)."""
PAYLOAD, KIND, TIMESTAMP, COUNTER = range(4)


class Node:
    """One node of the tree: a key prefix with its children and format buckets."""

    __slots__ = ("alive", "buckets", "children", "counts", "last_write", "parent", "path", "tree")

    def __init__(self, tree: Tree, parent: Node | None, path: tuple[str, ...]) -> None:
        self.tree = tree
        self.parent = parent
        self.path = path
        self.children: dict[str, Node] = {}
        self.buckets: dict[str, dict[str, Entry]] = {}
        self.counts: dict[str, int] = {}
        self.last_write = 0
        self.alive = True

    def __repr__(self) -> str:
        state = "" if self.alive else ", pruned"
        counts = ", ".join(f"{fmt} {n:,}" for fmt, n in sorted(self.counts.items())) or "empty"
        return f"<localdict_nb backend node /{'/'.join(self.path)}: {counts}{state}>"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle and deep-copy as an independent snapshot of this subtree."""
        with self.tree.lock:
            return _rebuild, (self.tree.counter, _export(self))


def _export(node: Node) -> tuple[dict[str, dict[str, Entry]], dict[str, Any]]:
    buckets = {fmt: dict(bucket) for fmt, bucket in node.buckets.items()}
    return buckets, {name: _export(child) for name, child in node.children.items()}


def _rebuild(counter: int, data: tuple[dict[str, dict[str, Entry]], dict[str, Any]]) -> Node:
    """Build a new tree from ``_export`` data; return its root."""
    tree = Tree()
    tree.counter = counter

    def load(node: Node, item: tuple[dict[str, dict[str, Entry]], dict[str, Any]]) -> None:
        buckets, children = item
        for fmt, bucket in buckets.items():
            node.buckets[fmt] = dict(bucket)
            node.counts[fmt] = node.counts.get(fmt, 0) + len(bucket)
            node.last_write = max([node.last_write, *(e[COUNTER] for e in bucket.values())])
        for name, child_data in children.items():
            child = tree.new_child(node, name)
            load(child, child_data)
            for fmt, n in child.counts.items():
                node.counts[fmt] = node.counts.get(fmt, 0) + n
            node.last_write = max(node.last_write, child.last_write)

    load(tree.root, data)
    return tree.root


class Tree:
    """A whole backend: root node, lock, write counter, pruning state, observers."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.root = Node(self, None, ())
        self.counter = 0
        """The last write counter handed out; ETags are its values."""
        self.nodes = 1
        self.ops_since_prune = 0
        """Destructive operations (deletions, clears) since the last prune pass."""
        self.prune_passes = 0
        self.prune_interval: int | None = None
        """The interval the last destructive operation was made with."""
        self.observers = ObserverHub()
        self._candidates: dict[Node, None] = {}
        self._depth = 0
        self._pending: list[tuple] = []  # StoreEvent fields, wrapped at dispatch

    def __enter__(self) -> Tree:
        self.lock.acquire()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        pending = None
        if self._depth == 0 and self._pending:
            pending, self._pending = self._pending, []
        self.lock.release()
        if pending:
            self.observers.dispatch(pending)

    def _publish(self, event: tuple) -> None:
        """Queue an event (its StoreEvent fields) for the observers and every event queue."""
        hub = self.observers
        if hub.has_callbacks:
            self._pending.append(event)
        for queue in hub.queues:  # EventQueue.put, inlined: this runs on every write
            if queue.prefix and not touches(event, queue.prefix):
                continue
            queue.events.append(event)
            if not queue.armed:
                queue.armed = True
                queue.ready.set()

    def take_pending(self) -> list[tuple] | None:
        """Hand over the queued events if no ``with tree:`` block is open (lock held).

        Lets a hot path hold the bare lock, then dispatch what this returns
        after releasing it, as ``__exit__`` does.
        """
        if self._pending and not self._depth:
            pending, self._pending = self._pending, []
            return pending
        return None

    # --- navigation -------------------------------------------------------------

    def new_child(self, node: Node, name: str) -> Node:
        """Create and attach the child ``name`` of ``node``."""
        child = Node(self, node, (*node.path, name))
        node.children[name] = child
        self.nodes += 1
        return child

    def locate(self, node: Node, rel: tuple[str, ...], *, create: bool = False) -> Node | None:
        """Return the node at ``rel`` below ``node``; create missing nodes if asked."""
        for segment in rel:
            child = node.children.get(segment)
            if child is None:
                if not create:
                    return None
                child = self.new_child(node, segment)
            node = child
        return node

    def resolve(self, path: tuple[str, ...], *, create: bool = False) -> Node | None:
        """Return the live node at absolute ``path`` (a view re-attaches with this)."""
        return self.locate(self.root, path, create=create)

    def mark_maybe_empty(self, node: Node) -> None:
        """Let the next prune pass consider ``node`` (e.g. one a view created empty)."""
        if node.parent is not None and not node.counts:
            self._candidates[node] = None

    # --- items ----------------------------------------------------------------

    def lookup(self, node: Node, key: tuple[str, ...], fmt: str) -> Entry | None:
        """Return the entry of ``key`` (relative to ``node``) in bucket ``fmt``."""
        for segment in key[:-1]:
            node = node.children.get(segment)  # type: ignore[assignment]
            if node is None:
                return None
        bucket = node.buckets.get(fmt)
        return None if bucket is None else bucket.get(key[-1])

    def put(
        self, node: Node, key: tuple[str, ...], fmt: str, payload: Any, kind: int,
        append_only: bool = False,
    ) -> int:
        """Store a frozen value at ``key``; return its write counter.

        Raises MutationPolicyError, before changing anything, if ``append_only``
        and the key exists.
        """
        leaf = key[-1]
        parent = node
        bucket = None
        for segment in key[:-1] if len(key) > 1 else ():
            child = parent.children.get(segment)
            if child is None:
                parent = self.locate(node, key[:-1], create=True)  # type: ignore[assignment]
                break
            parent = child
        else:
            bucket = parent.buckets.get(fmt)
        created = bucket is None or leaf not in bucket
        if append_only and not created:
            raise MutationPolicyError("append-only")
        if bucket is None:
            bucket = parent.buckets[fmt] = {}
        self.counter = counter = self.counter + 1
        timestamp = time.time()
        bucket[leaf] = (payload, kind, timestamp, counter)
        n: Node | None = parent
        while n is not None:
            if created:
                n.counts[fmt] = n.counts.get(fmt, 0) + 1
            n.last_write = counter
            n = n.parent
        if self.observers.any:
            self._publish(("set", (*parent.path, leaf), fmt, counter, timestamp, created, 1, ()))
        return counter

    def remove(self, node: Node, key: tuple[str, ...], fmt: str) -> Entry | None:
        """Delete ``key`` from bucket ``fmt``; return its entry, or None if absent."""
        parent = node if len(key) == 1 else self.locate(node, key[:-1])
        bucket = None if parent is None else parent.buckets.get(fmt)
        if bucket is None:
            return None
        entry = bucket.pop(key[-1], None)
        if entry is None:
            return None
        if not bucket:
            del parent.buckets[fmt]  # type: ignore[union-attr]
        self._uncount(parent, fmt, 1)  # type: ignore[arg-type]
        if self.observers.any:
            path = (*parent.path, key[-1])  # type: ignore[union-attr]
            self._publish(("delete", path, fmt, self.counter, time.time(), False, 1, ()))
        return entry

    def _uncount(self, node: Node, fmt: str, n: int) -> None:
        """Subtract ``n`` keys of ``fmt`` from ``node`` and its ancestors.

        The deepest node left empty becomes a prune candidate: a prune pass walks
        up from it, so an emptied ancestor that is filled again in the meantime
        keeps its place while the empty subtree below it still goes.
        """
        cur: Node | None = node
        while cur is not None:
            left = cur.counts[fmt] - n
            if left:
                cur.counts[fmt] = left
            else:
                del cur.counts[fmt]
                if not cur.counts and cur.parent is not None and cur is node:
                    self._candidates[cur] = None
            cur = cur.parent

    def clear(self, node: Node, fmt: str) -> int:
        """Delete every key of ``fmt`` at or below ``node``; return how many."""
        removed = node.counts.get(fmt, 0)
        if removed:
            if node.parent is not None:
                self._uncount(node.parent, fmt, removed)
            stack = [node]
            while stack:
                n = stack.pop()
                if fmt not in n.counts:
                    continue
                n.buckets.pop(fmt, None)
                del n.counts[fmt]
                if not n.counts and n.parent is not None:
                    self._candidates[n] = None  # each emptied node: see _uncount
                stack.extend(n.children.values())
        if removed and self.observers:
            self._publish(("clear", node.path, fmt, self.counter, time.time(), False, removed, ()))
        return removed

    # --- pruning ----------------------------------------------------------------

    def note_destructive(self, interval: int | None) -> None:
        """Count one deletion or clear; run a prune pass every ``interval`` of them."""
        self.ops_since_prune += 1
        self.prune_interval = interval
        if interval is not None and self.ops_since_prune >= interval:
            self.prune()

    def prune(self) -> tuple[tuple[str, ...], ...]:
        """Remove the empty subtrees found among the candidates; return their paths."""
        removed_paths = []
        n_removed = 0
        for node in self._candidates:
            if not node.alive or node.counts:
                continue
            top = node
            while top.parent is not None and top.parent.parent is not None and not top.parent.counts:
                top = top.parent
            del top.parent.children[top.path[-1]]  # type: ignore[union-attr]
            removed_paths.append(top.path)
            stack = [top]
            while stack:
                n = stack.pop()
                n.alive = False
                n_removed += 1
                stack.extend(n.children.values())
        self._candidates.clear()
        self.nodes -= n_removed
        self.ops_since_prune = 0
        self.prune_passes += 1
        paths = tuple(removed_paths)
        if paths and self.observers:
            self._publish(("prune", (), None, self.counter, time.time(), False, n_removed, paths))
        return paths

    # --- reading many -------------------------------------------------------------

    def walk(self, node: Node, fmt: str) -> Iterator[tuple[tuple[str, ...], list[tuple[str, Entry]]]]:
        """Yield ``(relative prefix, [(leaf, entry), ...])`` for each node holding ``fmt``.

        Depth-first, a node's own keys before its children's. The lock is held
        only while one node is copied, so writers are never blocked for long and
        iterating never raises "changed size during iteration".
        """
        stack: list[tuple[Node, tuple[str, ...]]] = [(node, ())]
        while stack:
            n, rel = stack.pop()
            with self.lock:
                if fmt not in n.counts:
                    continue
                bucket = n.buckets.get(fmt)
                items = list(bucket.items()) if bucket else []
                kids = [(c, (*rel, name)) for name, c in n.children.items() if fmt in c.counts]
            if items:
                yield rel, items
            stack.extend(reversed(kids))

    def pick(self, node: Node, fmt: str, index: int) -> tuple[str, ...]:
        """Return the relative key of the ``index``-th key of ``fmt`` below ``node``."""
        rel: tuple[str, ...] = ()
        while True:
            bucket = node.buckets.get(fmt) or {}
            if index < len(bucket):
                return (*rel, next(islice(bucket, index, None)))
            index -= len(bucket)
            for name, child in node.children.items():
                n = child.counts.get(fmt, 0)
                if index < n:
                    node, rel = child, (*rel, name)
                    break
                index -= n
