"""The RAM tree behind every LocalDict.

A ``Tree`` owns nodes, one re-entrant lock, the write counter that makes ETags,
the pruning state and the observers. Each ``Node`` keeps its name, its children,
one bucket per serialization format (``leaf -> Entry``) and, for every format,
the number of keys in its whole subtree, so ``len`` is O(1) and a walk can skip
subtrees that hold nothing of a format. A node does not store its path (that
would make memory quadratic in the depth of a key): ``node.path`` walks up.

Runtime complexity: put, remove and lookup are O(depth); clear is O(nodes in
the cleared subtree); a prune pass is O(nodes removed + candidates), where the
candidates are the nodes emptied by deletions since the last pass. No operation
walks the whole tree.

Locking: callers hold ``tree.lock`` (or use ``with tree:``) around every method
below. Events raised inside ``with tree:`` are queued and delivered to observers
after the outermost block has released the lock.

Interrupts: every method that changes the tree or holds its lock is ``critical``
(see ``interrupts``), so a KeyboardInterrupt never leaves it half done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import islice
from typing import Any, Final, Literal, cast, overload

from .events import EventFields, EventKind, ObserverHub, touches
from .exceptions import MutationPolicyError
from .interrupts import acquire, critical, guard

__all__ = ["COUNTER", "KIND", "PAYLOAD", "TIMESTAMP", "Entry", "Node", "Tree", "counts_text",
           "path_of"]

Entry = tuple[Any, int, float, int]
"""A stored value: (payload, isolation kind, timestamp, write counter)."""
PAYLOAD: Final = 0
KIND: Final = 1
TIMESTAMP: Final = 2
COUNTER: Final = 3

Record = tuple[int, str, dict[str, dict[str, Entry]]]
"""One node of an exported tree: (index of its parent, its name, its buckets)."""


def path_of(where: Node | tuple[str, ...], leaf: str | None = None) -> tuple[str, ...]:
    """The absolute path of ``leaf`` under ``where`` (a node, or a path), or of ``where``."""
    base = where.path if isinstance(where, Node) else where
    return base if leaf is None else (*base, leaf)


def counts_text(counts: dict[str, int]) -> str:
    """Keys per format as people read them: ``json 3 · pkl 10,041``, or ``empty``."""
    return " · ".join(f"{fmt} {n:,}" for fmt, n in sorted(counts.items())) or "empty"


class Node:
    """One node of the tree: a key prefix with its children and format buckets."""

    __slots__ = ("alive", "buckets", "children", "counts", "last_write", "name", "parent", "tree")

    def __init__(self, tree: Tree, parent: Node | None, name: str) -> None:
        self.tree = tree
        self.parent = parent
        self.name = name
        self.children: dict[str, Node] = {}
        self.buckets: dict[str, dict[str, Entry]] = {}
        self.counts: dict[str, int] = {}
        self.last_write = 0
        self.alive = True

    @property
    def path(self) -> tuple[str, ...]:
        """The node's absolute path; O(depth)."""
        names = []
        node = self
        while node.parent is not None:
            names.append(node.name)
            node = node.parent
        names.reverse()
        return tuple(names)

    def __repr__(self) -> str:
        state = "" if self.alive else ", detached"
        where = "/".join(self.path)
        return f"<localdict_nb backend node /{where}: {counts_text(self.counts)}{state}>"

    @critical
    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle and deep-copy as an independent snapshot of this subtree."""
        with self.tree:
            data = (self.tree.counter, _export(self))
        return _rebuild, data


class Pending(Node):
    """Where a view of a prefix that holds no node yet is rooted, until a write creates it."""

    __slots__ = ("_path",)

    def __init__(self, tree: Tree, path: tuple[str, ...]) -> None:
        super().__init__(tree, None, path[-1] if path else "")
        self._path = path
        self.alive = False

    @property
    def path(self) -> tuple[str, ...]:
        """The path the view is rooted at."""
        return self._path


def _export(top: Node) -> list[Record]:
    """The subtree under ``top`` as flat records in depth-first order (no recursion)."""
    records: list[Record] = []
    stack: list[tuple[int, Node]] = [(-1, top)]
    while stack:
        parent, node = stack.pop()
        records.append((parent, node.name, {f: dict(b) for f, b in node.buckets.items()}))
        index = len(records) - 1
        stack.extend((index, child) for child in reversed(node.children.values()))
    return records


def _rebuild(counter: int, records: list[Record]) -> Node:
    """Build a new tree from ``_export`` records; return its root."""
    tree = Tree()
    tree.counter = counter
    nodes: list[Node] = []
    for parent, name, buckets in records:
        node = tree.root if parent < 0 else tree.new_child(nodes[parent], name)
        nodes.append(node)
        node.buckets = {fmt: dict(bucket) for fmt, bucket in buckets.items() if bucket}
    for node in reversed(nodes):  # children come after their parent: add counts bottom-up
        for bucket in node.buckets.values():
            node.last_write = max(node.last_write, *(e[COUNTER] for e in bucket.values()))
        for fmt, bucket in node.buckets.items():
            node.counts[fmt] = node.counts.get(fmt, 0) + len(bucket)
        up = node.parent
        if up is not None:
            for fmt, n in node.counts.items():
                up.counts[fmt] = up.counts.get(fmt, 0) + n
            up.last_write = max(up.last_write, node.last_write)
            if not node.counts:
                tree.candidates[node] = None  # the next prune pass removes it
    return tree.root


class Tree:
    """A whole backend: root node, lock, write counter, pruning state, observers."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.root = Node(self, None, "")
        self.counter = 0
        """The last write counter handed out; ETags are its values."""
        self.nodes = 1
        self.ops_since_prune = 0
        """Destructive operations (deletions, clears) since the last prune pass."""
        self.prune_passes = 0
        self.prune_interval: int | None = None
        """The interval the last destructive operation was made with."""
        self.observers = ObserverHub()
        self.candidates: dict[Node, None] = {}
        """Nodes that may be empty: the next prune pass looks at these only."""
        self.depth = 0
        """How deeply the lock's holder has nested ``with tree:`` blocks."""
        self.outbox: list[EventFields] = []
        """Events (StoreEvent fields) for the observers, delivered once the lock is released."""

    @critical
    def __enter__(self) -> Tree:
        guard()
        if not self.lock.acquire(False):
            acquire(self.lock)
        self.depth += 1
        return self

    @critical
    def __exit__(self, *exc: object) -> None:
        self.depth -= 1
        events = None
        if not self.depth and self.outbox:
            events, self.outbox = self.outbox, []
        self.lock.release()
        if events:
            self.observers.dispatch(events)

    @critical
    def _publish(self, kind: EventKind, where: Node | tuple[str, ...], leaf: str | None,
                 fmt: str | None, counter: int, timestamp: float, created: bool = False,
                 count: int = 1, removed: tuple[tuple[str, ...], ...] = ()) -> None:
        """Record an event for the views' ring, the observers and every event queue.

        ``where`` is the node (or, for a view with no node yet, the path) the event
        happened at, ``leaf`` the key under it. Only observers and queues need the
        event's path: the ring keeps the node, and a view works the path out if it reads it.
        """
        hub = self.observers
        ring = hub.ring
        if ring is not None:
            entry = (next(hub.ticks), kind, where, leaf, fmt, counter, timestamp, created, count,
                     removed)
            (hub.prunes if kind == "prune" else ring).append(entry)  # type: ignore[union-attr]  # set with ring
        if not hub.subscribed:
            return
        event: EventFields = (kind, path_of(where, leaf), fmt, counter, timestamp, created, count,
                              removed)
        if hub.has_callbacks:
            self.outbox.append(event)
        for queue in hub.queues:  # EventQueue.put, inlined: this runs on every write
            if queue.prefix and not touches(event, queue.prefix):
                if not queue.armed:  # tree-wide totals changed: let the consumer look
                    queue.armed = True
                    queue.ready.set()
                continue
            queue.events.append(event)
            if not queue.armed:
                queue.armed = True
                queue.ready.set()

    @critical
    def take_outbox(self) -> list[EventFields] | None:
        """Hand over the queued events if no ``with tree:`` block is open (lock held)."""
        if self.outbox and not self.depth:
            events, self.outbox = self.outbox, []
            return events
        return None

    # --- navigation -------------------------------------------------------------

    @critical
    def new_child(self, node: Node, name: str) -> Node:
        """Create and attach the child ``name`` of ``node``."""
        child = Node(self, node, name)
        node.children[name] = child
        self.nodes += 1
        return child

    @overload
    def locate(self, node: Node, rel: tuple[str, ...], *, create: Literal[True]) -> Node: ...
    @overload
    def locate(self, node: Node, rel: tuple[str, ...], *, create: bool = False) -> Node | None: ...
    @critical
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

    @overload
    def resolve(self, path: tuple[str, ...], *, create: Literal[True]) -> Node: ...
    @overload
    def resolve(self, path: tuple[str, ...], *, create: bool = False) -> Node | None: ...
    def resolve(self, path: tuple[str, ...], *, create: bool = False) -> Node | None:
        """Return the live node at absolute ``path`` (a view attaches with this)."""
        return self.locate(self.root, path, create=create)

    @critical
    def view_node(self, path: tuple[str, ...]) -> Node:
        """The node a view of ``path`` is rooted at: the live one, else a ``Pending``."""
        with self:
            node = self.resolve(path)
        return node or Pending(self, path)

    @critical
    def first_segments(self, node: Node, fmt: str) -> list[str]:
        """The names of ``node``'s keys and of its children that hold keys of ``fmt``."""
        with self:
            names = list(node.buckets.get(fmt, ()))
            names += [name for name, child in node.children.items() if fmt in child.counts]
        return names

    # --- items ----------------------------------------------------------------

    def lookup(self, node: Node, key: tuple[str, ...], fmt: str) -> Entry | None:
        """Return the entry of ``key`` (relative to ``node``) in bucket ``fmt``."""
        for segment in key[:-1]:
            child = node.children.get(segment)
            if child is None:
                return None
            node = child
        bucket = node.buckets.get(fmt)
        return None if bucket is None else bucket.get(key[-1])

    @critical
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
                parent = self.locate(node, key[:-1], create=True)
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
            self._publish("set", parent, leaf, fmt, counter, timestamp, created)
        return counter

    @critical
    def remove(self, node: Node, key: tuple[str, ...], fmt: str) -> Entry | None:
        """Delete ``key`` from bucket ``fmt``; return its entry, or None if absent."""
        parent = node if len(key) == 1 else self.locate(node, key[:-1])
        if parent is None:
            return None
        bucket = parent.buckets.get(fmt)
        if bucket is None:
            return None
        entry = bucket.pop(key[-1], None)
        if entry is None:
            return None
        if not bucket:
            del parent.buckets[fmt]
        self._uncount(parent, fmt, 1)
        if self.observers.any:
            self._publish("delete", parent, key[-1], fmt, self.counter, time.time())
        return entry

    @critical
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
                    self.candidates[cur] = None
            cur = cur.parent

    @critical
    def clear(self, node: Node | None, path: tuple[str, ...], fmt: str) -> int:
        """Delete every key of ``fmt`` at or below ``node`` (at ``path``); return how many.

        ``node`` is None when nothing was ever stored at ``path``.
        """
        removed = 0
        if node is not None and fmt in node.counts:
            removed = node.counts[fmt]
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
                    self.candidates[n] = None  # each emptied node: see _uncount
                stack.extend(n.children.values())
        if self.observers.any:  # also when nothing went: the prune schedule moved
            self._publish("clear", path if node is None else node, None, fmt, self.counter,
                          time.time(), False, removed)
        return removed

    # --- pruning ----------------------------------------------------------------

    @critical
    def note_destructive(self, interval: int | None) -> None:
        """Count one deletion or clear; run a prune pass every ``interval`` of them."""
        self.ops_since_prune += 1
        self.prune_interval = interval
        if interval is not None and self.ops_since_prune >= interval:
            self.prune()

    @critical
    def prune(self) -> tuple[tuple[str, ...], ...]:
        """Remove the empty subtrees found among the candidates; return their paths."""
        removed_paths = []
        n_removed = 0
        for node in self.candidates:
            if not node.alive or node.counts:
                continue
            top = node
            while top.parent is not None and top.parent.parent is not None \
                    and not top.parent.counts:
                top = top.parent
            removed_paths.append(top.path)
            # a candidate is never the root, and the walk up stops below the root
            del cast(Node, top.parent).children[top.name]
            stack = [top]
            while stack:
                n = stack.pop()
                n.alive = False
                n_removed += 1
                stack.extend(n.children.values())
        self.candidates.clear()
        self.nodes -= n_removed
        self.ops_since_prune = 0
        self.prune_passes += 1
        paths = tuple(removed_paths)
        if self.observers.any:  # also a pass that removed nothing: the prune count moved
            self._publish("prune", (), None, None, self.counter, time.time(), False, n_removed,
                          paths)
        return paths

    # --- reading many -------------------------------------------------------------

    def walk(self, node: Node, fmt: str,
             ) -> Iterator[tuple[tuple[str, ...], list[tuple[str, Entry]]]]:
        """Yield ``(relative prefix, [(leaf, entry), ...])`` for each node holding ``fmt``.

        Depth-first, a node's own keys before its children's. The lock is held
        only while one node is copied, so writers are never blocked for long and
        iterating never raises "changed size during iteration".
        """
        stack: list[tuple[Node, tuple[str, ...]]] = [(node, ())]
        while stack:
            n, rel = stack.pop()
            items, kids = self._copy_node(n, rel, fmt)
            if items:
                yield rel, items
            stack.extend(reversed(kids))

    @critical
    def _copy_node(self, node: Node, rel: tuple[str, ...], fmt: str,
                   ) -> tuple[list[tuple[str, Entry]], list[tuple[Node, tuple[str, ...]]]]:
        """``walk``'s step: one node's keys of ``fmt`` and its children that hold some."""
        items: list[tuple[str, Entry]] = []
        kids: list[tuple[Node, tuple[str, ...]]] = []
        with self:
            if fmt in node.counts:
                bucket = node.buckets.get(fmt)
                items = list(bucket.items()) if bucket else []
                kids = [(c, (*rel, name)) for name, c in node.children.items() if fmt in c.counts]
        return items, kids

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
            else:
                msg = f"counts of node /{'/'.join(node.path)} disagree with its keys"
                raise RuntimeError(msg)

    # --- invariants ---------------------------------------------------------------

    @critical
    def check(self) -> None:
        """Verify the bookkeeping; raise AssertionError naming the first violation.

        Every reachable node is alive and linked to its parent and this tree; its
        ``counts`` equal the keys per format in its subtree (no zero counts, no
        empty buckets); ``last_write`` is at least every write counter below it and
        at most the tree's; write counters are unique; ``nodes`` is the number of
        reachable nodes; and the next prune pass removes every empty node but the
        root (it has a candidate at or below it). O(nodes + keys), for tests.
        """
        with self:
            self._check()

    def _check(self) -> None:
        _expect(self.root.parent is None and self.root.alive, self.root, "is not a live root")
        order: list[Node] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            order.append(node)
            for name, child in node.children.items():
                _expect(child.parent is node and child.name == name and child.alive
                        and child.tree is self, child, "is mislinked")
                stack.append(child)
        _expect(self.nodes == len(order), self.root, f"{self.nodes} nodes, {len(order)} reachable")
        seen: set[int] = set()
        below: dict[Node, tuple[dict[str, int], int, bool]] = {}
        for node in reversed(order):  # children before parents
            counts: dict[str, int] = {}
            highest = 0
            candidate = node in self.candidates
            for fmt, bucket in node.buckets.items():
                _expect(bool(bucket), node, f"empty bucket {fmt!r}")
                counts[fmt] = len(bucket)
                for leaf, entry in bucket.items():
                    c = entry[COUNTER]
                    _expect(0 < c <= self.counter and c not in seen, node,
                            f"{leaf}: counter {c} repeated or outside 1..{self.counter}")
                    seen.add(c)
                    highest = max(highest, c)
            for child in node.children.values():
                sub, top, marked = below.pop(child)
                for fmt, n in sub.items():
                    counts[fmt] = counts.get(fmt, 0) + n
                highest = max(highest, top)
                candidate = candidate or marked
            _expect(node.counts == counts, node, f"counts {node.counts} but holds {counts}")
            _expect(highest <= node.last_write <= self.counter, node,
                    f"last_write {node.last_write} outside {highest}..{self.counter}")
            if not counts and node.parent is not None:
                _expect(candidate, node, "is empty but the next prune pass would keep it")
            below[node] = (counts, highest, candidate)


def _expect(ok: bool, node: Node, problem: str) -> None:
    if not ok:
        msg = f"backend node /{'/'.join(node.path)}: {problem}"
        raise AssertionError(msg)
