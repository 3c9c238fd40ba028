"""LocalDictTree: the anywidget that shows a LocalDict's backend tree, live.

One widget per view (never one per node). The traits are the contract of
``protocol.py``. The view follows its store by pulling, not by being pushed to: a
write costs the store one append to its tree's ring of recent events (while any
view watches), and the process's one flusher thread (``flusher``) asks each live
view about ten times a second to ``flush``: compare what the tree shows now (its
version, the stamps of the listed nodes, the selected key) with what was sent
last, and send the difference in one message. Its work is O(rows shown), never
O(writes). Requests from the browser are validated; a bad one is ignored with a
warning, and only the request traits may change from the page.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from localdict_nb.engine import inspection
from localdict_nb.engine.local_dict import LocalDict
from localdict_nb.engine.watch import Stamp, Watch, stamps, version

from . import flusher, model
from .fallback import static_bundle
from .host import variable_name
from .protocol import (
    CHUNK,
    EVENTS_KEPT,
    FLUSH_INTERVAL,
    MAX_CHANGED_PATHS,
    MAX_EXPANDED,
    PRUNES_KEPT,
)
from .tree_widget import REQUESTS, TreeWidget, logger

__all__ = ["REQUESTS", "LocalDictTree"]


class LocalDictTree(TreeWidget):
    """The live tree view of a LocalDict (or of a view from ``get_subdict``).

    Args:
        store: The LocalDict to show.
        name: The variable "copy key" names (``d["a", "b"]``); by default the
            name that holds ``store`` in the IPython namespace, else ``d``.
        key_prefix: Segments from that variable's root to ``store``'s root, for
            a view shown under its parent's name (``%localdict show d/users``).
        clock: Monotonic seconds; tests pass a fake one.
        live: Be flushed by the process's flusher thread; tests may call ``flush()``
            themselves.
    """

    def __init__(self, store: LocalDict[Any], *, name: str | None = None,
                 key_prefix: tuple[str, ...] = (),
                 clock: Callable[[], float] = time.monotonic, live: bool = True,
                 **kwargs: Any) -> None:
        if not isinstance(store, LocalDict):
            msg = f"LocalDictTree shows a localdict_nb.LocalDict; got {type(store).__name__}"
            raise TypeError(msg)
        super().__init__(**kwargs)
        self._store = store
        self._name = name or variable_name(store) or "d"
        self._key_prefix = tuple(key_prefix)
        self._clock = clock
        self._previews = model.PreviewCache()
        self._strip: deque[dict[str, Any]] = deque(maxlen=EVENTS_KEPT)
        self._prunes: deque[dict[str, Any]] = deque(maxlen=PRUNES_KEPT)
        self._last_flush = clock() - FLUSH_INTERVAL
        self._watch = Watch(store)
        weakref.finalize(self, self._watch.close)  # a widget dropped unclosed lets go too
        self._seen = max((tick for tick, _ in self._watch.recent(0)), default=0)
        self._version: tuple[int, ...] = ()
        self._stamps: dict[str, Stamp | None] = {}
        self._detail_counter: int | None = None
        self.refresh()
        self.live = live
        if live:
            flusher.add(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view, plus the static text and HTML of the store for other renderers."""
        bundle: Any = super()._repr_mimebundle_(**kwargs)  # (data, metadata), or data alone
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data.update(static_bundle(self._store))
        return bundle

    def watches(self, tree: Any) -> bool:
        """Whether this view shows a store of ``tree`` (a backend node's ``tree``)."""
        return self._store.get_params()["backend"].tree is tree

    # --- store -> browser --------------------------------------------------------------

    def due(self) -> bool:
        """Whether a flush now would respect the ~10-per-second limit."""
        return self._clock() - self._last_flush >= FLUSH_INTERVAL

    def flush(self) -> bool:
        """Send what changed since the last flush, in one message; tell whether anything did.

        O(rows shown): the tree's version first, then the stamps of the listed nodes,
        the selected key, and the events the view has not seen. A view no page shows
        costs one check: it is sent whole when a page shows it again.
        """
        if self._closed or not self.shown:
            return False
        now = version(self._store)
        if now == self._version:
            return False
        with self._lock:
            self._last_flush = self._clock()
            pruned = bool(self._version) and now[2] != self._version[2]
            since = self._version[0] if self._version else 0
            self._version = now
            old = self.listings
            listings = self._listings(reuse=not pruned)
            changed = _changes(old, listings, since)
            seen = self._seen
            changed["pruned"] = self._record_events()
            summary = model.summary(self._store)
            with self.hold_sync():
                if summary != self.summary:
                    self.summary = summary
                if listings != old:
                    self.listings = listings
                if self._seen != seen:
                    self._send_events()
                if any(changed.values()):
                    self.changes = {"seq": int(self.changes.get("seq", 0)) + 1, **changed}
                selected = self._good["selected"]
                if selected:
                    leaf = inspection.entry(self._store, model.split(selected["path"]),
                                            selected["format"])
                    counter = None if leaf is None else leaf.counter
                    if counter != self._detail_counter:
                        self.detail = self._detail(selected)
        return True

    def _record_events(self) -> list[str]:
        """Add the events not seen yet (under this view) to the strip; the pruned paths."""
        prefix = self._store.prefix
        n = len(prefix)
        pruned: list[str] = []
        for tick, event in self._watch.recent(self._seen):
            self._seen = tick
            if n and not event.touches(prefix):
                continue
            if event.kind == "prune" and not event.count:
                continue  # a pass that removed nothing: the header counts it, the strip need not
            rel = event.path[n:] if event.path[:n] == prefix else ()
            entry: dict[str, Any] = {
                "seq": tick, "kind": event.kind, "key": model.join(rel), "format": event.format,
                "counter": event.counter, "ts": event.timestamp, "count": event.count}
            if event.kind == "prune":
                removed = [model.join(p[n:]) for p in event.removed if p[:n] == prefix]
                entry["removed"] = removed[:MAX_CHANGED_PATHS]
                pruned += removed
            (self._prunes if event.kind == "prune" else self._strip).append(entry)
        return sorted(set(pruned))[:MAX_CHANGED_PATHS]

    def _send_events(self) -> None:
        self.events = sorted([*self._strip, *self._prunes], key=lambda e: e["seq"])

    def _listings(self, *, reuse: bool = False) -> dict[str, Any]:
        """Listings of the root and every expanded node; with ``reuse``, only changed ones."""
        paths = ["", *self._good["expanded"]]
        now = stamps(self._store, [model.split(p) for p in paths])
        old = self.listings
        fresh: dict[str, Any] = {}
        for path, stamp in zip(paths, now, strict=True):
            if stamp is None:
                continue
            if reuse and path in old and self._stamps.get(path) == stamp:
                fresh[path] = old[path]
                continue
            limit = self._good["limits"].get(path, CHUNK)
            found = model.listing(self._store, model.split(path), limit, self._previews)
            if found is not None:
                fresh[path] = found
        self._stamps = dict(zip(paths, now, strict=True))
        return fresh

    def _detail(self, selected: dict[str, str]) -> dict[str, Any]:
        found = model.detail(self._store, model.split(selected["path"]), selected["format"],
                             self._name, self._key_prefix)
        self._detail_counter = int(found["etag"]) if found.get("found") else None
        return found

    def refresh(self) -> None:
        """Recompute everything the browser shows from the store as it is now."""
        with self._lock, self.hold_sync():
            self._version = version(self._store)
            self.summary = model.summary(self._store)
            self.listings = self._listings()
            selected = self._good["selected"]
            self.detail = self._detail(selected) if selected else {}

    # --- browser -> store ---------------------------------------------------------------

    def _shown_again(self) -> None:
        """Send the store as it is now, and the events missed while no page showed the view."""
        self.refresh()
        seen = self._seen
        self._record_events()
        if self._seen != seen:
            self._send_events()

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
            expanded = dict.fromkeys(self._good["expanded"])
            for match in result["matches"]:  # open the matches' ancestors, within the bound
                rel = model.split(match)
                ancestors = [model.join(rel[:i]) for i in range(1, len(rel))]
                new = [a for a in ancestors if a not in expanded]
                if len(expanded) + len(new) > MAX_EXPANDED:
                    self.notice = (f"Opened the nodes of the first matches only: at most "
                                   f"{MAX_EXPANDED} nodes stay expanded")
                    break
                expanded.update(dict.fromkeys(new))
            if list(expanded) != self._good["expanded"]:
                self._good["expanded"] = list(expanded)
                self.expanded = self._good["expanded"]
                self.listings = self._listings()

    # --- lifecycle ------------------------------------------------------------------------

    def _stop(self) -> None:
        """Leave the flusher and let go of the store's tree."""
        flusher.remove(self)
        watch = getattr(self, "_watch", None)
        if watch is not None:
            watch.close()


def _changes(old: dict[str, Any], new: dict[str, Any], since: int) -> dict[str, list[str]]:
    """Rows to flash, as ``changes`` lists them.

    ``set``: rows on screen written after write counter ``since``, or node rows whose
    counts moved; ``deleted``: rows gone from a listing that is still on screen.
    """
    before = {(row["path"], row.get("format")): row for listing in old.values()
              for row in listing["rows"]}
    changed: set[str] = set()
    after = set()
    for listing in new.values():
        for row in listing["rows"]:
            key = (row["path"], row.get("format"))
            after.add(key)
            if row["type"] == "node":
                was = before.get(key)
                moved = was is not None and was["counts"] != row["counts"]
                if row["last_write"] > since or moved:
                    changed.add(row["path"])
            elif int(row["etag"]) > since:
                changed.add(row["path"])
    listed = set(old) & set(new)
    deleted = {key[0] for key in before
               if key not in after and model.parent_path(key[0]) in listed}
    return {"set": sorted(changed)[:MAX_CHANGED_PATHS],
            "deleted": sorted(deleted)[:MAX_CHANGED_PATHS]}
