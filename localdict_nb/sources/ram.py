"""persidict's own ``LocalDict`` read as a tree, through its backend's documented attributes.

persidict's ``LocalDict.get_params()["backend"]`` is its RAM tree: each node has
``subdicts`` (segment -> child node) and ``values`` (format -> leaf -> entry of value,
timestamp and write counter). That tree is not thread-safe: a read that meets a
concurrent change (``RuntimeError: dictionary changed size``) is retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import Budget, LeafInfo, Listing, Source, SourceError

__all__ = ["RamSource"]

_RETRIES = 5


def _retry(fn: Any) -> Any:
    for _ in range(_RETRIES - 1):
        try:
            return fn()
        except RuntimeError:  # the tree changed while it was read: read it again
            continue
    try:
        return fn()
    except RuntimeError as exc:
        raise SourceError(f"the store kept changing while it was read: {exc}") from exc


class RamSource(Source):
    """The tree of a ``persidict.LocalDict`` (one process, in RAM).

    Args:
        store: The persidict LocalDict.
    """

    kind = "persidict.LocalDict"

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.backend = store.get_params()["backend"]

    @property
    def location(self) -> str:
        """A RAM store lives in this process."""
        return "RAM (this process)"

    @property
    def poll_interval(self) -> float:
        """Reading RAM is cheap."""
        return 1.0

    @property
    def request_scale(self) -> int:
        """Reading one RAM node is cheaper still than a directory."""
        return 50

    @property
    def recount_after(self) -> float:
        """Counting in RAM is cheap: recount often."""
        return 5.0

    def _node(self, rel: tuple[str, ...]) -> Any:
        node = self.backend
        for segment in rel:
            node = node.subdicts.get(segment)
            if node is None:
                return None
        return node

    def listing(self, rel: tuple[str, ...], limit: int) -> Listing | None:
        """Child nodes, then keys per format, in insertion order."""
        def read() -> Listing | None:
            node = self._node(rel)
            if node is None:
                return None
            names = list(node.subdicts)
            buckets = [(fmt, list(bucket.items())) for fmt, bucket in list(node.values.items())]
            total = len(names) + sum(len(items) for _, items in buckets)
            leaves = [LeafInfo(name, fmt, str(entry.write_counter), entry.timestamp)
                      for fmt, items in buckets for name, entry in items]
            nodes = names[:limit]
            return Listing(nodes, leaves[: max(0, limit - len(nodes))], total)

        self.stats.request()
        found: Listing | None = _retry(read)
        return found

    def walk(self, rel: tuple[str, ...], budget: Budget) -> Iterator[tuple[tuple[str, ...], str]]:
        """Depth first over the RAM tree, one node per "request"."""
        start = self._node(rel)
        stack = [] if start is None else [(rel, start)]
        while stack:
            if budget.exhausted:
                return
            here, node = stack.pop()
            budget.spent_requests += 1
            buckets = _retry(lambda node=node: [(f, list(b)) for f, b in list(node.values.items())])
            for fmt, names in buckets:
                for name in names:
                    if budget.spent_entries >= budget.entries:
                        return
                    budget.spent_entries += 1
                    yield (*here, name), fmt
            children = _retry(lambda node=node: list(node.subdicts.items()))
            stack.extend(((*here, name), child) for name, child in reversed(children))
        budget.finished = True

    def entry(self, rel: tuple[str, ...], fmt: str) -> LeafInfo | None:
        """The entry of the key, as the backend holds it."""
        node = self._node(rel[:-1]) if rel else None
        found = None if node is None else node.values.get(fmt, {}).get(rel[-1])
        if found is None:
            return None
        return LeafInfo(rel[-1], fmt, str(found.write_counter), found.timestamp)

    def read(self, rel: tuple[str, ...], fmt: str) -> Any:
        """The stored object itself, not a copy (persidict keeps values as objects in RAM).

        A caller that hands it on (``%localdict get``) copies it; the view only reprs it.
        """
        node = self._node(rel[:-1]) if rel else None
        found = None if node is None else node.values.get(fmt, {}).get(rel[-1])
        if found is None:
            raise KeyError(rel)
        return found.value
