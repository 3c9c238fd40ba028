"""What the tree view shows of any persidict store, computed from its ``Source``.

The same JSON shapes as ``model`` gives for our LocalDict (``protocol.py``), with
what a store on disk or in S3 can and cannot know cheaply: node rows carry counts
only once counted in the background (``partial`` when the count stopped at its
budget) and no write counter; leaf rows carry the store's own ETag and time and,
instead of a preview (which would read every value), the value's size. Values are
read only for the selected key, in a bounded worker.
"""

from __future__ import annotations

import time
from typing import Any

from localdict_nb.sources import Budget, Counts, LeafInfo, Listing, Source, SourceError

from .model import join, matcher, preview
from .protocol import DETAIL_CHARS, MAX_MATCHES, SEP

__all__ = ["SEARCH_BUDGET", "detail", "rows", "search", "size_text", "summary"]

SEARCH_BUDGET = (10_000, 20)
"""How much of a store one search may read: (keys, list requests)."""


def size_text(size: int | None) -> str:
    """``(312 B)``, ``(4.2 KiB)``: a stored value's size, shown where a preview would be."""
    if size is None:
        return ""
    if size < 1024:
        return f"({size} B)"
    power = min(3, (size.bit_length() - 1) // 10)  # 1 KiB, 2 MiB, 3 GiB
    return f"({size / 1024 ** power:.1f} {('KiB', 'MiB', 'GiB')[power - 1]})"


def rows(rel: tuple[str, ...], found: Listing, counts: dict[str, Counts]) -> dict[str, Any]:
    """A listing as ``listings[path]`` holds it; ``counts`` by node path, where known."""
    prefix = join(rel) + SEP if rel else ""
    out: list[dict[str, Any]] = []
    for name in found.nodes:
        path = prefix + name
        known = counts.get(path)
        out.append({"name": name, "path": path, "type": "node",
                    "counts": dict(known.formats) if known else {},
                    "partial": bool(known and not known.complete), "counted": known is not None,
                    "last_write": None})
    out += [_leaf_row(prefix, leaf) for leaf in found.leaves]
    return {"rows": out, "total": found.total, "complete": found.complete}


def _leaf_row(prefix: str, leaf: LeafInfo) -> dict[str, Any]:
    return {"name": leaf.name, "path": prefix + leaf.name, "type": "leaf", "format": leaf.format,
            "etag": leaf.etag, "ts": leaf.timestamp, "preview": size_text(leaf.size),
            "size": leaf.size}


def summary(source: Source, root: Counts | None, polled: float | None, interval: float,
            error: str | None) -> dict[str, Any]:
    """The header of a store's view: what and where it is, its counts, and the poller's state."""
    return {
        "kind": source.kind, "location": source.location, "format": source.format,
        "prefix": [], "formats": dict(root.formats) if root else {},
        "keys": root.keys if root else None, "partial": bool(root and not root.complete),
        "counted": root is not None, "polled": polled, "interval": interval,
        "requests": source.stats.requests, "error": error,
    }


def detail(source: Source, rel: tuple[str, ...], fmt: str, name: str) -> dict[str, Any]:
    """The selected key: its metadata, and a bounded preview of its value (read once)."""
    path = join(rel)
    info = source.entry(rel, fmt)
    if info is None:
        return {"path": path, "format": fmt, "found": False}
    try:
        value = source.read(rel, fmt)
        text, truncated = preview(value, DETAIL_CHARS)
        type_name = type(value).__name__
    except KeyError:
        return {"path": path, "format": fmt, "found": False}
    except SourceError as exc:
        text, truncated, type_name = f"<cannot read: {exc}>", False, "?"
    except Exception as exc:  # a value that does not load must not break the view
        text, truncated, type_name = f"<value cannot be loaded: {type(exc).__name__}>", False, "?"
    quoted = ", ".join(f'"{s}"' for s in rel)
    return {"path": path, "format": fmt, "found": True, "etag": info.etag, "ts": info.timestamp,
            "type": type_name, "preview": text, "truncated": truncated,
            "python": f"{name}[{quoted}]", "size": info.size}


def search(source: Source, query: str, budget: Budget | None = None) -> dict[str, Any]:
    """Keys whose path matches ``query`` (as ``model.search``), within a budget.

    A store on disk or in S3 cannot be read whole for a search: the walk stops at the
    budget and the result says how many keys it looked at (``partial``).
    """
    result: dict[str, Any] = {"query": query, "matches": [], "total": 0, "error": None}
    if not query:
        return result
    spend = budget or Budget(*SEARCH_BUDGET)
    matches = matcher(query)
    found: dict[str, None] = {}
    started = time.monotonic()
    try:
        for rel, _ in source.walk((), spend):
            path = join(rel)
            if matches(path):
                found[path] = None
    except SourceError as exc:
        result["error"] = str(exc)
    result.update(matches=list(found)[:MAX_MATCHES], total=len(found),
                  partial=not spend.finished, searched=spend.spent_entries,
                  seconds=round(time.monotonic() - started, 3))
    return result
