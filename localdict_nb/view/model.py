"""What the tree view shows, computed in pure Python from a LocalDict's backend.

Nothing here knows about widgets: ``summary``, ``listing``, ``detail`` and
``search`` return the JSON-ready dicts that ``protocol.py`` describes, and
``preview`` turns any value into bounded text without ever raising. The backend
is read only through the engine's ``inspection`` module.
"""

from __future__ import annotations

import fnmatch
import re
import reprlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from itertools import islice
from typing import Any

from localdict_nb.engine import inspection
from localdict_nb.engine.inspection import Leaf
from localdict_nb.engine.local_dict import LocalDict

from .protocol import DETAIL_CHARS, MAX_MATCHES, ROW_PREVIEW_CHARS, SEP

__all__ = ["PreviewCache", "detail", "join", "listing", "matcher", "parent_path", "preview",
           "preview_leaf", "python_key", "search", "split", "summary"]

_REPR_TIMEOUT = 1.0
"""Seconds a value's repr may take before a placeholder is shown instead."""


def join(rel: tuple[str, ...]) -> str:
    """The protocol's path string for a relative path."""
    return SEP.join(rel)


def parent_path(path: str) -> str:
    """The path of the node that lists the row at ``path`` (``""`` for a top-level row)."""
    return path.rpartition(SEP)[0]


def split(path: str) -> tuple[str, ...]:
    """The relative path for a protocol path string (``""`` is the root)."""
    return tuple(path.split(SEP)) if path else ()


def summary(store: LocalDict[Any]) -> dict[str, Any]:
    """Totals for the header: keys per format under the view, and the tree's state."""
    s = inspection.summary(store)
    return {
        "prefix": list(s.prefix), "format": s.format, "formats": s.formats,
        "keys": sum(s.formats.values()), "nodes": s.nodes, "counter": s.counter,
        "ops_since_prune": s.ops_since_prune, "prune_interval": s.prune_interval,
        "prune_passes": s.prune_passes,
    }


def listing(store: LocalDict[Any], rel: tuple[str, ...], limit: int,
            previews: PreviewCache | None = None) -> dict[str, Any] | None:
    """The first ``limit`` rows under ``rel`` (child nodes, then keys); None if no such node.

    O(limit): child nodes and buckets are read in insertion order, never sorted.
    """
    found = inspection.listing(store, rel, limit)
    if found is None:
        return None
    prefix = join(rel) + SEP if rel else ""
    rows: list[dict[str, Any]] = [
        {"name": c.name, "path": prefix + c.name, "type": "node", "counts": c.counts,
         "last_write": c.last_write}
        for c in found.children
    ]
    cache = previews or PreviewCache()
    rows += [{"name": leaf.name, "path": prefix + leaf.name, "type": "leaf",
              "format": leaf.format, "etag": leaf.etag, "ts": leaf.timestamp,
              "preview": cache.row_preview(store.prefix, leaf)}
             for leaf in found.leaves]
    return {"rows": rows, "total": found.total}


def python_key(rel: tuple[str, ...], name: str = "d") -> str:
    """The Python expression that reads this key: ``d["a", "b"]``."""
    return f"{name}[{', '.join(_quote(s) for s in rel)}]"


def _quote(segment: str) -> str:
    return '"' + segment + '"'  # safe characters never need escaping


def detail(store: LocalDict[Any], rel: tuple[str, ...], fmt: str, name: str = "d",
           key_prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    """The selected key's metadata and a preview of at most DETAIL_CHARS characters."""
    leaf = inspection.entry(store, rel, fmt)
    path = join(rel)
    if leaf is None:
        return {"path": path, "format": fmt, "found": False}
    text, truncated, type_name = preview_leaf(leaf, DETAIL_CHARS)
    return {"path": path, "format": fmt, "found": True, "etag": leaf.etag,
            "ts": leaf.timestamp, "type": type_name, "preview": text, "truncated": truncated,
            "python": python_key((*key_prefix, *rel), name)}


def preview_leaf(leaf: Leaf, chars: int) -> tuple[str, bool, str]:
    """``(text, truncated, type name)`` of a stored value; never raises, bounded in time.

    Loading a value may run its class's code (a pickle's ``__setstate__``), and so
    may its repr: both run in a bounded worker unless the value is a plain scalar.
    """
    def render() -> tuple[str, str]:
        value, type_name = _load(leaf)
        return _ViewRepr(chars).repr(value), type_name

    try:
        done = render() if leaf.plain else _run_bounded(render)
    except Exception as exc:
        done = f"<repr failed: {type(exc).__name__}>", "?"
    if isinstance(done, str):  # the worker did not run it, or did not finish
        done = done, "?"
    text, type_name = done
    return (*_finish(text, chars), type_name)


def _load(leaf: Leaf) -> tuple[Any, str]:
    try:
        value = leaf.value()
    except Exception as exc:  # a value that no longer loads must not break the view
        return _Placeholder(f"<value cannot be loaded: {type(exc).__name__}>"), "?"
    return value, type(value).__name__


class _Placeholder:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


_CUT = "\x00"
"""reprlib's fill value while rendering: marks every cut, then becomes '...'."""
_CONTAINERS = frozenset({"list", "tuple", "set", "frozenset", "dict", "deque", "array"})


class _ViewRepr(reprlib.Repr):
    """reprlib within a character budget: short values show whole, big ones stop early.

    Leaves (non-containers) spend the budget; once it is spent every further
    element renders as a cut, so a huge nested value costs O(budget) to preview.
    Dicts keep their insertion order.
    """

    def __init__(self, chars: int) -> None:
        super().__init__()
        self.fillvalue = _CUT
        self.maxstring = self.maxother = self.maxlong = chars
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = max(6, chars // 2)
        self.maxdict = self.maxdeque = self.maxarray = max(4, chars // 2)
        self.maxlevel = 20
        self._budget = chars
        self._used = 0

    def repr1(self, x: Any, level: int) -> str:
        if self._used > self._budget:
            return _CUT
        text = super().repr1(x, level)
        if type(x).__name__ not in _CONTAINERS:
            self._used += len(text)
        return text

    def repr_bytes(self, x: bytes, level: int) -> str:
        """Only the first bytes: a big value's whole repr would cost its size."""
        if len(x) <= self.maxstring:
            return repr(x)
        return repr(x[: self.maxstring]) + _CUT

    def repr_bytearray(self, x: bytearray, level: int) -> str:
        """As ``repr_bytes``."""
        if len(x) <= self.maxstring:
            return repr(x)
        return repr(x[: self.maxstring]) + _CUT

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{" + _CUT + "}"
        pieces = [f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
                  for k, v in islice(x.items(), self.maxdict)]
        if len(x) > self.maxdict:
            pieces.append(_CUT)
        return "{" + ", ".join(pieces) + "}"


_executor_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_stuck = 0
"""Worker threads whose preview never returned (a ``__repr__`` that loops, say)."""
_MAX_STUCK = 2
"""While this many are stuck, previews of values that run code are not even tried."""
_TIMED_OUT = "<repr timed out>"
_UNAVAILABLE = "<preview unavailable: earlier previews still running>"


def _unstuck(_: object) -> None:
    global _stuck
    with _executor_lock:
        _stuck -= 1


def _run_bounded(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a worker thread, with a timeout; a placeholder text if it did not finish.

    A worker that does not finish in time is left to finish on its own (Python cannot
    stop a thread), and counted: at most ``_MAX_STUCK`` of them ever exist.
    """
    global _executor, _stuck
    with _executor_lock:
        if _stuck >= _MAX_STUCK:
            return _UNAVAILABLE
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ldnb-repr")
        executor = _executor
    future = executor.submit(fn)
    try:
        return future.result(timeout=_REPR_TIMEOUT)
    except FutureTimeout:
        with _executor_lock:  # that worker is stuck: later previews get a fresh one
            _stuck += 1
            if _executor is executor:
                _executor = None
        future.add_done_callback(_unstuck)
        executor.shutdown(wait=False, cancel_futures=True)
        return _TIMED_OUT


_SIMPLE = (str, int, float, bool, bytes, type(None))


def _finish(text: str, chars: int) -> tuple[str, bool]:
    truncated = _CUT in text
    text = text.replace(_CUT, "...")
    if len(text) > chars:
        return text[: chars - 1] + "…", True
    return text, truncated


def preview(value: Any, chars: int = ROW_PREVIEW_CHARS) -> tuple[str, bool]:
    """Return ``(text, truncated)``: a repr of at most ``chars`` characters; never raises.

    A value whose repr raises shows a placeholder (reprlib's ``<T instance at ...>``
    or ``<repr failed: ...>``); one that takes over a second shows ``<repr timed out>``.
    """
    def render() -> str:
        return _ViewRepr(chars).repr(value)

    try:
        text = render() if type(value) in _SIMPLE else _run_bounded(render)
    except Exception as exc:
        text = f"<repr failed: {type(exc).__name__}>"
    return _finish(text, chars)


class PreviewCache:
    """Row previews by (absolute path, format, write counter); bounded, thread-safe."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self._lock = threading.Lock()

    def row_preview(self, prefix: tuple[str, ...], leaf: Leaf) -> str:
        """The short preview of a stored key, loading the value only on a miss."""
        key = ((*prefix, *leaf.path), leaf.format, leaf.counter)
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
                return text
        text = preview_leaf(leaf, ROW_PREVIEW_CHARS)[0]
        with self._lock:
            self._items[key] = text
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return text


def matcher(query: str) -> Callable[[str], bool]:
    """A test of whole paths: a glob if ``query`` has ``*``, ``?`` or ``[``, else a substring."""
    if any(c in query for c in "*?["):
        pattern = re.compile(fnmatch.translate(query))
        return lambda path: pattern.match(path) is not None
    return lambda path: query in path


def search(store: LocalDict[Any], query: str, limit: int = MAX_MATCHES) -> dict[str, Any]:
    """Find keys (of every format) whose whole path matches ``query``.

    A substring, or a glob when the query has ``*``, ``?`` or ``[``; paths are
    relative to the view and joined with ``/``. Visits every key once: O(keys).
    """
    result: dict[str, Any] = {"query": query, "matches": [], "total": 0, "error": None}
    if not query:
        return result
    matches = matcher(query)
    found: dict[str, None] = {}  # every match once, also a key held in several formats
    for rel, _ in inspection.key_paths(store):
        path = join(rel)
        if matches(path):
            found[path] = None
    result.update(matches=list(islice(found, limit)), total=len(found))
    return result
