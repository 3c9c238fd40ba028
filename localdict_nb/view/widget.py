"""LocalDictTree: the anywidget that shows a LocalDict's backend tree, live.

One widget per view (never one per node). The traits are the contract of
``protocol.py``. Store changes reach the widget through an event queue
(``LocalDict.subscribe``): the writer only appends, and a background thread
drains and flushes at most every ``FLUSH_INTERVAL`` seconds, so the view moves
while a cell is still writing.
Requests from the browser are validated; a bad one is ignored with a warning.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from localdict_nb.engine.events import EventKind, StoreEvent
from localdict_nb.engine.local_dict import LocalDict

from . import model
from .fallback import static_bundle
from .host import ipython, variable_name
from .protocol import CHUNK, EVENTS_KEPT, FLUSH_INTERVAL, MAX_CHANGED_PATHS, PRUNES_KEPT
from .requests import RequestError, check_expanded, check_limits, check_query, check_selected

__all__ = ["LocalDictTree"]

logger = logging.getLogger("localdict_nb.view")
_STATIC = Path(__file__).resolve().parent / "static"
_CHANGE_BUCKET = {"set": "set", "delete": "deleted", "clear": "deleted", "prune": "pruned"}


class _Touched:
    """Where a batch of events changed the tree, relative to the view."""

    __slots__ = ("cuts", "parents")

    def __init__(self) -> None:
        self.parents: set[tuple[str, ...]] = set()
        """Nodes whose own keys changed (so did the counts of all their ancestors)."""
        self.cuts: set[tuple[str, ...]] = set()
        """Nodes cleared or pruned: everything above and below them may have changed."""

    def affects(self, rel: tuple[str, ...]) -> bool:
        """Whether the listing of node ``rel`` may have changed."""
        n = len(rel)
        if any(p[:n] == rel for p in self.parents):
            return True
        return any(c[:n] == rel or rel[: len(c)] == c for c in self.cuts)


class LocalDictTree(anywidget.AnyWidget):
    """The live tree view of a LocalDict (or of a view from ``get_subdict``).

    Args:
        store: The LocalDict to show.
        name: The variable "copy key" names (``d["a", "b"]``); by default the
            name that holds ``store`` in the IPython namespace, else ``d``.
        key_prefix: Segments from that variable's root to ``store``'s root, for
            a view shown under its parent's name (``%localdict show d/users``).
        clock: Monotonic seconds; tests pass a fake one.
        live: Start the background flusher; tests may call ``flush()`` themselves.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    summary = t.Dict().tag(sync=True)
    """Totals of the view and state of the tree (see protocol.py)."""
    listings = t.Dict().tag(sync=True)
    """Rows of the root and of each expanded node."""
    detail = t.Dict().tag(sync=True)
    """The selected leaf's metadata and preview."""
    search_result = t.Dict().tag(sync=True)
    """The answer to ``query``."""
    events: t.List[dict[str, Any]] = t.List().tag(sync=True)
    """The event strip: latest changes, prune entries kept longer."""
    changes: t.Dict[str, Any] = t.Dict(
        {"seq": 0, "set": [], "deleted": [], "pruned": []}).tag(sync=True)
    """What the last flush changed, for flashing rows."""
    notice = t.Unicode("").tag(sync=True)
    """A short message for the user, e.g. why a request was ignored."""
    expanded = t.Any([]).tag(sync=True)
    """Browser -> Python: the expanded node paths."""
    limits = t.Any({}).tag(sync=True)
    """Browser -> Python: rows wanted per node path."""
    selected = t.Any({}).tag(sync=True)
    """Browser -> Python: ``{"path", "format"}`` of the selected leaf."""
    query = t.Any("").tag(sync=True)
    """Browser -> Python: the search query."""

    def __init__(self, store: LocalDict[Any], *, name: str | None = None,
                 key_prefix: tuple[str, ...] = (),
                 clock: Callable[[], float] = time.monotonic, live: bool = True,
                 **kwargs: Any) -> None:
        if not isinstance(store, LocalDict):
            msg = f"LocalDictTree shows a localdict_nb.LocalDict; got {type(store).__name__}"
            raise TypeError(msg)
        unknown = set(kwargs) - set(self.class_trait_names())
        if unknown:
            msg = f"LocalDictTree got unexpected keyword arguments {sorted(unknown)}"
            raise TypeError(msg)
        super().__init__(**kwargs)
        self._store = store
        self._name = name or variable_name(store) or "d"
        self._key_prefix = tuple(key_prefix)
        self._clock = clock
        self._lock = threading.RLock()
        self._previews = model.PreviewCache()
        self._strip: deque[dict[str, Any]] = deque(maxlen=EVENTS_KEPT)
        self._prunes: deque[dict[str, Any]] = deque(maxlen=PRUNES_KEPT)
        self._event_seq = 0
        self._good: dict[str, Any] = {"expanded": [], "limits": {}, "selected": {}, "query": ""}
        self._closed = False
        self._last_flush = clock() - FLUSH_INTERVAL
        self.observe(self._on_request, names=["expanded", "limits", "selected", "query"])
        self.refresh()
        self._queue = store.subscribe()
        self._thread: threading.Thread | None = None
        self._shell = None
        if live:
            self._thread = threading.Thread(target=self._run, name="ldnb-flush", daemon=True)
            self._thread.start()
            self._shell = ipython()
            if self._shell is not None:  # send what a cell changed as soon as it ends
                self._shell.events.register("post_run_cell", self._after_cell)

    def _after_cell(self, *_: object) -> None:
        try:
            self.flush()
        except Exception:  # never break the user's cell
            logger.exception("localdict_nb tree view: flush after a cell failed")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view, plus the static text and HTML of the store for other renderers."""
        bundle: Any = super()._repr_mimebundle_(**kwargs)  # (data, metadata), or data alone
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data.update(static_bundle(self._store))
        return bundle

    # --- store -> browser --------------------------------------------------------------

    def _run(self) -> None:
        while not self._closed:
            self._queue.wait()
            if self._closed:
                return
            wait = self._last_flush + FLUSH_INTERVAL - self._clock()
            if wait > 0:
                time.sleep(wait)
            try:
                self.flush()
            except Exception:  # the flusher must survive anything
                logger.exception("localdict_nb tree view: flush failed")

    def due(self) -> bool:
        """Whether a flush now would respect the ~10-per-second limit."""
        return self._clock() - self._last_flush >= FLUSH_INTERVAL

    def flush(self) -> bool:
        """Send queued changes to the browser in one batch; tell whether there were any.

        Changes elsewhere in the tree (which queue no event for a view of a prefix)
        still change the header's tree-wide totals: those are sent too.
        """
        events = self._queue.drain()
        if self._closed:
            return False
        summary = model.summary(self._store)
        if not events:
            if summary == self.summary:
                return False
            with self._lock:
                self._last_flush = self._clock()
                self.summary = summary
            return True
        with self._lock:
            self._last_flush = self._clock()
            touched, changed = self._digest(events)
            with self.hold_sync():
                self.summary = summary
                self.listings = self._listings(touched)
                self.events = sorted([*self._strip, *self._prunes], key=lambda e: e["seq"])
                self.changes = {"seq": self.changes.get("seq", 0) + 1, **changed}
                selected = self._good["selected"]
                if selected and touched.affects(model.split(selected["path"])[:-1]):
                    self.detail = self._detail(selected)
        return True

    def _digest(self, events: list[StoreEvent]) -> tuple[_Touched, dict[str, list[str]]]:
        """What the events changed under this view: node paths, rows to flash, strip entries.

        One cheap pass over the events (they can be tens of thousands per flush while a
        loop writes, and this runs beside it); then work per distinct parent node, and
        per key only for keys whose node is listed in the browser.
        """
        prefix = self._store.prefix
        n = len(prefix)
        listed = {(*prefix, *model.split(p)) for p in self.listings}
        parents: set[tuple[str, ...]] = set()
        leaves: dict[tuple[str, ...], EventKind] = {}
        others: list[StoreEvent] = []
        for event in events:
            kind, path = event[0], event[1]
            if kind == "set" or kind == "delete":
                parent = path[:-1]
                parents.add(parent)
                if parent in listed:
                    leaves[path] = kind
            else:
                others.append(event)
        touched = _Touched()
        touched.parents = {p[n:] for p in parents if p[:n] == prefix}
        changed: dict[str, list[str]] = {"set": [], "deleted": [], "pruned": []}
        for path, kind in leaves.items():
            bucket = changed[_CHANGE_BUCKET[kind]]
            if len(bucket) < MAX_CHANGED_PATHS:
                bucket.append(model.join(path[n:]))
        nodes = {rel[:i] for rel in touched.parents for i in range(1, len(rel) + 1)}
        changed["set"] += sorted(model.join(rel) for rel in nodes)[:MAX_CHANGED_PATHS]
        for event in others:
            paths = event.removed if event.kind == "prune" else (event.path,)
            for path in paths:
                if path[:n] == prefix:
                    touched.cuts.add(path[n:])
                    changed[_CHANGE_BUCKET[event.kind]].append(model.join(path[n:]))
                elif prefix[: len(path)] == path:
                    touched.cuts.add(())
        self._record_latest(events, prefix)
        return touched, {k: sorted(set(v)) for k, v in changed.items()}

    def _record_latest(self, events: list[StoreEvent], prefix: tuple[str, ...]) -> None:
        """Add the view's latest events, and every prune, to the event strip."""
        n = len(prefix)
        latest: list[StoreEvent] = []
        for event in reversed(events):
            if event.kind == "prune" or len(latest) >= EVENTS_KEPT:
                continue
            if event.touches(prefix) if n else True:
                latest.append(event)
        chosen = {id(e) for e in latest}
        for event in events:
            if event.kind == "prune" and not event.count:
                continue  # a pass that removed nothing: the header counts it, the strip need not
            if event.kind == "prune" or id(event) in chosen:
                rel = event.path[n:] if event.path[:n] == prefix else ()
                self._event_seq += 1
                entry: dict[str, Any] = {
                    "seq": self._event_seq, "kind": event.kind, "key": model.join(rel),
                    "format": event.format, "counter": event.counter,
                    "ts": event.timestamp, "count": event.count}
                if event.kind == "prune":
                    entry["removed"] = [model.join(p[n:]) for p in event.removed
                                        if p[:n] == prefix][:MAX_CHANGED_PATHS]
                (self._prunes if event.kind == "prune" else self._strip).append(entry)

    def _listings(self, touched: _Touched | None = None) -> dict[str, Any]:
        """Listings of the root and every expanded node; recompute only touched ones."""
        old = self.listings
        fresh: dict[str, Any] = {}
        for path in ["", *self._good["expanded"]]:
            rel = model.split(path)
            if touched is not None and path in old and not touched.affects(rel):
                fresh[path] = old[path]
                continue
            limit = self._good["limits"].get(path, CHUNK)
            found = model.listing(self._store, rel, limit, self._previews)
            if found is not None:
                fresh[path] = found
        return fresh

    def _detail(self, selected: dict[str, str]) -> dict[str, Any]:
        return model.detail(self._store, model.split(selected["path"]), selected["format"],
                            self._name, self._key_prefix)

    def refresh(self) -> None:
        """Recompute everything the browser shows from the store as it is now."""
        with self._lock, self.hold_sync():
            self.summary = model.summary(self._store)
            self.listings = self._listings()
            selected = self._good["selected"]
            self.detail = self._detail(selected) if selected else {}

    # --- browser -> store ---------------------------------------------------------------

    _CHECKS: dict[str, Callable[[Any], Any]] = {
        "expanded": check_expanded, "limits": check_limits,
        "selected": check_selected, "query": check_query,
    }

    def _on_request(self, change: dict[str, Any]) -> None:
        """Validate a request from the browser and answer it; never raise."""
        name = change["name"]
        if change["new"] is self._good[name]:
            return
        try:
            value = self._CHECKS[name](change["new"])
        except RequestError as exc:
            logger.warning("localdict_nb tree view ignored %s: %s", name, exc)
            self.notice = f"Ignored {name}: {exc}"
            with self.hold_trait_notifications():
                setattr(self, name, self._good[name])
            return
        try:
            with self._lock, self.hold_sync():
                self._good[name] = value
                self.notice = ""
                self._answer(name, value)
        except Exception as exc:  # never let a browser request raise in the kernel
            logger.exception("localdict_nb tree view failed to answer %s", name)
            self.notice = f"Could not answer {name}: {type(exc).__name__}"

    def _answer(self, name: str, value: Any) -> None:
        if name in ("expanded", "limits"):
            listings = self._listings()  # has no entry for a path with no node
            self._good["expanded"] = [p for p in self._good["expanded"] if p in listings]
            missing = sorted(set(value) - set(self._good["expanded"])) if name == "expanded" else []
            if missing:
                self.notice = f"No node at {', '.join(missing[:3])} (pruned or never created)"
                logger.warning("localdict_nb tree view ignored expanded paths %s: no such node",
                               missing[:3])
                self.expanded = self._good["expanded"]
            self.listings = listings
        elif name == "selected":
            self.detail = self._detail(value) if value else {}
        else:
            result = model.search(self._store, value)
            self.search_result = result
            opened = {model.join(model.split(m)[:i]) for m in result["matches"]
                      for i in range(1, len(model.split(m)))}
            if opened - set(self._good["expanded"]):
                self._good["expanded"] = [*self._good["expanded"],
                                          *sorted(opened - set(self._good["expanded"]))]
                self.expanded = self._good["expanded"]
                self.listings = self._listings()

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop observing the store and stop the flusher, then close the comm."""
        self._closed = True
        shell = getattr(self, "_shell", None)
        if shell is not None:
            shell.events.unregister("post_run_cell", self._after_cell)
            self._shell = None
        queue = getattr(self, "_queue", None)
        if queue is not None:
            queue.close()  # also wakes the flusher, which then sees _closed
        super().close()
