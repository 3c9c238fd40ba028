"""StoreTree: the live tree view of any persidict store (on disk, in S3, or persidict's RAM).

Such a store has no change feed, so the view polls: a thread of its own re-lists the
nodes the page shows (the root and the expanded nodes) every ``interval`` seconds,
at most ``POLL_LISTS`` list requests a round (round-robin when more nodes are open),
and sends what changed in one message. Counts come after: in rounds with no new
listing to show, subtrees are counted within a budget (``COUNT_BUDGET`` per node,
``COUNT_REQUESTS`` a round, in S3 requests; a directory read counts as 1/5 of one),
again when their listing changed or after the source's ``recount_after``. Keys written by
other processes and machines appear within one interval. While a round finds nothing
new the interval grows (x1.5, up to ``MAX_BACKOFF`` times the first); any change or
request brings it back. No page shows the view: no thread, no requests.

Every store access runs on that thread, never on the kernel's: a request from the
page (expand, select, search) only records what to answer and wakes the thread, so a
slow or dead server can never hang the kernel. A failing store shows its error in the
header and the notice, and is retried, backing off, until it answers again.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from typing import Any

from localdict_nb.sources import Budget, Counts, Source, SourceError, source_for

from . import store_model
from .host import in_kernel, variable_name
from .model import join, split
from .protocol import CHUNK, EVENTS_KEPT, MAX_CHANGED_PATHS, MAX_EXPANDED
from .tree_widget import TreeWidget, logger

__all__ = ["COUNT_BUDGET", "COUNT_REQUESTS", "MAX_BACKOFF", "POLL_LISTS", "StoreTree"]

POLL_LISTS = 10
"""List requests one poll round makes at most for the listings."""
COUNT_REQUESTS = 20
"""Requests one poll round spends at most on counting subtrees."""
COUNT_BUDGET = (10_000, 10)
"""(keys, requests) one subtree's count may spend; past that it shows as ``>=``."""
MAX_BACKOFF = 6.0
"""The interval grows while nothing changes, up to this many times the first one."""


class StoreTree(TreeWidget):
    """The live tree view of a persidict store.

    Args:
        store: A persidict ``FileDirDict``, ``BasicS3Dict``, ``S3Dict`` or ``LocalDict``.
        name: The variable "copy key" names; by default the one that holds ``store``.
        interval: Seconds between polls at first; by default the source's (2 s for a
            directory, 5 s for S3, 1 s for RAM).
        live: Poll in a thread of its own. By default only in a Jupyter kernel: a
            terminal or a script shows no page, so polls only when asked (``poll()``).
        source: The Source to read through; by default the one for ``store``.
    """

    def __init__(self, store: Any, *, name: str | None = None, interval: float | None = None,
                 live: bool | None = None, source: Source | None = None,
                 **kwargs: Any) -> None:
        src = source or source_for(store)
        super().__init__(**kwargs)
        self._source = src
        self._store = store
        self._name = name or variable_name(store) or "d"
        self.interval = float(interval or src.poll_interval)
        self._wait = self.interval
        self._wake = threading.Event()
        self._todo: set[str] = {"all"}
        self._counts: dict[str, tuple[Counts, float]] = {}
        self._listed: dict[str, int] = {}
        self._cursor = 0
        self._more_lists = False
        """Listings the page waits for did not fit in the last round."""
        self._more_counts = False
        """Subtrees are still to be counted."""
        self._relist_at = 0.0
        """When the shown listings are due to be listed again (monotonic seconds)."""
        self._polled: float | None = None
        self._error: str | None = None
        self._strip: deque[dict[str, Any]] = deque(maxlen=EVENTS_KEPT)
        self._seq = 0
        self._thread: threading.Thread | None = None
        self.summary = store_model.summary(src, None, None, self.interval, None)
        self.live = in_kernel() if live is None else live
        self._start()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view, and a line of text for renderers that cannot show it."""
        bundle: Any = super()._repr_mimebundle_(**kwargs)  # (data, metadata), or data alone
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = self.text()
        return bundle

    def __repr__(self) -> str:
        return self.text()

    def text(self) -> str:
        """One line: what the store is, where, and its keys as far as counted."""
        s = self.summary
        counts = ("counting…" if not s.get("counted") else
                  ("≥ " if s.get("partial") else "") + (" · ".join(
                      f"{fmt} {n:,}" for fmt, n in sorted(s.get("formats", {}).items()))
                      or "no keys"))
        error = f"; error: {s['error']}" if s.get("error") else ""
        return f"{s.get('kind')} {s.get('location')} [{s.get('format')}]: {counts}{error}"

    @property
    def relist_at(self) -> float:
        """When the shown listings are due to be listed again (``time.monotonic``)."""
        return self._relist_at

    @property
    def counting(self) -> bool:
        """Whether subtrees shown are still to be counted (the next rounds do it)."""
        return self._more_counts

    @property
    def polling(self) -> bool:
        """Whether the poller thread runs (only while live, open and shown)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def source(self) -> Source:
        """What the view reads the store through."""
        return self._source

    # --- the poller thread ----------------------------------------------------------------

    def _start(self) -> None:
        """Run the poller thread while a page shows the view (and it is live)."""
        if not self.live or self._closed or not self.shown:
            return
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=_run, args=(weakref.ref(self), self._wake),
                                            name="localdict_nb-poll", daemon=True)
            self._thread.start()
        self._wake.set()

    def next_wait(self) -> float | None:
        """Seconds until the next round; None once the thread should end."""
        if self._closed or not self.shown:
            return None
        if self._todo or self._more_lists:
            return 0.05
        return min(self._wait, 0.5) if self._more_counts else self._wait

    def poll(self, relist: bool = True) -> bool:
        """One round: answer what the page asked, re-list, count, send; tell if anything changed.

        With ``relist`` False (a round that only answers a request) the listings already
        shown are not listed again, and the interval does not back off.
        """
        with self._lock:
            todo, self._todo = self._todo, set()
            good = {k: _copy(v) for k, v in self._good.items()}
        error = None
        try:
            changed = self._round(todo, good, relist)
        except SourceError as exc:
            error = str(exc)
        except Exception as exc:  # a store that fails in any way must not end the thread
            logger.exception("localdict_nb store view: poll failed")
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        if error is not None:
            with self._lock:
                self._todo |= todo  # answered once the store answers again
            self._wait = min(max(self._wait, self.interval) * 2, self.interval * MAX_BACKOFF)
            self._error = error
            with self._lock, self.hold_sync():
                self.summary = self._summary()
                self.notice = f"{error} (retrying in {self._wait:.0f} s)"
            return False
        return changed

    # --- one round ------------------------------------------------------------------------

    def _round(self, todo: set[str], good: dict[str, Any], due: bool) -> bool:
        source = self._source
        old = self.listings
        expanded: list[str] = good["expanded"]
        search = None
        if "query" in todo:
            search = store_model.search(source, good["query"])
            expanded = _open_ancestors(expanded, search["matches"])
        paths = ["", *expanded]
        limits: dict[str, int] = good["limits"]
        listings = {p: old[p] for p in paths if p in old}
        must = [p for p in paths
                if p not in old or self._listed.get(p) != limits.get(p, CHUNK) or "all" in todo]
        rest = [p for p in paths if p not in must] if due else []
        if rest:
            k = self._cursor % len(rest)
            rest = rest[k:] + rest[:k]
        order = must + rest
        listed = order[:POLL_LISTS]
        self._cursor += max(0, len(listed) - len(must))
        self._more_lists = len(must) > POLL_LISTS
        counts = {path: c for path, (c, _) in self._counts.items()}
        gone: list[str] = []
        for path in listed:
            found = source.listing(split(path), limits.get(path, CHUNK))
            if found is None:
                gone.append(path)
                listings.pop(path, None)
                continue
            listings[path] = store_model.rows(split(path), found, counts)
            self._listed[path] = limits.get(path, CHUNK)
            if path in old and _leaves(old[path]) != _leaves(listings[path]):
                rel = split(path)  # its subtree changed: count it, and its ancestors, again
                for i in range(len(rel) + 1):
                    self._counts.pop(join(rel[:i]), None)
        self._more_counts = bool(must)
        if not must:  # rows first: counting waits for a round with no new listing
            self._count(listings)
        listings = _with_counts(listings, {p: c for p, (c, _) in self._counts.items()})
        changes, events = _diff(old, listings, set(listed) & set(old))
        self._polled = time.time()
        recovered, self._error = self._error is not None, None
        changed = bool(listings != old or events or search is not None or todo)
        if changed:
            self._wait = self.interval
        elif due:  # nothing new: look less often, up to MAX_BACKOFF times the interval
            self._wait = min(self._wait * 1.5, self.interval * MAX_BACKOFF)
        if due:
            self._relist_at = time.monotonic() + self._wait
        with self._lock, self.hold_sync():
            if recovered:
                self.notice = ""
            now = self._good
            # The page may have changed `expanded` while this round ran: keep its value,
            # plus what this round's search opened, minus the nodes found gone.
            opened = [p for p in expanded if p not in good["expanded"]]
            keep = [p for p in dict.fromkeys([*now["expanded"], *opened])
                    if p not in gone][:MAX_EXPANDED]
            if gone:
                self.notice = f"No node at {', '.join(gone[:3])} (deleted, or never there)"
            if keep != now["expanded"]:
                now["expanded"] = keep
                self.expanded = keep
            if search is not None:
                self.search_result = search
                if len(expanded) >= MAX_EXPANDED:
                    self.notice = (f"Opened the nodes of the first matches only: at most "
                                   f"{MAX_EXPANDED} nodes stay expanded")
            summary = self._summary()
            if summary != self.summary:
                self.summary = summary
            if listings != old:
                self.listings = listings
            if events:
                for event in events:
                    self._seq += 1
                    self._strip.append({"seq": self._seq, **event})
                self.events = list(self._strip)
            if any(changes.values()):
                self.changes = {"seq": int(self.changes.get("seq", 0)) + 1, "pruned": [],
                                **changes}
            selected = now["selected"]
            touched = selected and selected.get("path") in changes["set"]
            if "selected" in todo or "all" in todo or touched:
                self.detail = (store_model.detail(source, split(selected["path"]),
                                                  selected["format"], self._name)
                               if selected else {})
        return changed

    def _count(self, listings: dict[str, Any]) -> None:
        """Count the root and the listed nodes' subtrees, stalest first, within budget."""
        now = time.monotonic()
        scale = self._source.request_scale
        wanted = [""] + [row["path"] for listing in listings.values() for row in listing["rows"]
                         if row["type"] == "node"]
        stale = [p for p in dict.fromkeys(wanted) if p not in self._counts
                 or now - self._counts[p][1] > self._source.recount_after]
        stale.sort(key=lambda p: self._counts[p][1] if p in self._counts else -1.0)
        spent = 0
        for path in stale:
            if spent >= COUNT_REQUESTS * scale:
                self._more_counts = True  # the next round comes sooner, to count on
                break
            budget = Budget(COUNT_BUDGET[0], COUNT_BUDGET[1] * scale)
            self._counts[path] = (self._source.count(split(path), budget), now)
            spent += budget.spent_requests
        for path in [p for p in self._counts if p not in wanted]:
            del self._counts[path]

    def _summary(self) -> dict[str, Any]:
        root = self._counts.get("")
        return store_model.summary(self._source, root[0] if root else None, self._polled,
                                   self._wait, self._error)

    # --- requests: recorded here, answered on the poller thread ---------------------------

    def _answer(self, name: str, value: Any) -> None:
        self._todo.add(name)
        self._wait = self.interval
        self._wake.set()

    def refresh(self) -> None:
        """List everything shown again on the next round (now, if live)."""
        with self._lock:
            self._todo.add("all")
        self._wake.set()

    def _shown_again(self) -> None:
        self.refresh()
        self._start()

    def _stop(self) -> None:
        self._wake.set()  # the thread sees the view closed and ends


def _run(ref: weakref.ref[StoreTree], wake: threading.Event) -> None:
    """The poller: one round per wake-up or interval, while its view lives and is shown."""
    while True:
        view = ref()
        wait = None if view is None else view.next_wait()
        del view  # hold the view only while it works: a dropped widget is freed
        if wait is None:
            return
        wake.wait(wait)
        wake.clear()
        view = ref()
        if view is None or view.next_wait() is None:
            return
        view.poll(relist=time.monotonic() >= view.relist_at)
        del view


def _leaves(listing: dict[str, Any]) -> tuple[Any, ...]:
    """What a listing's own keys look like: names, formats and ETags, and its total."""
    return (listing["total"], *((r["path"], r.get("format"), r.get("etag"))
                                for r in listing["rows"]))


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _open_ancestors(expanded: list[str], matches: list[str]) -> list[str]:
    """``expanded`` plus the ancestors of ``matches``, within MAX_EXPANDED."""
    opened = dict.fromkeys(expanded)
    for match in matches:
        rel = split(match)
        new = [a for a in (join(rel[:i]) for i in range(1, len(rel))) if a not in opened]
        if len(opened) + len(new) > MAX_EXPANDED:
            break
        opened.update(dict.fromkeys(new))
    return list(opened)


def _with_counts(listings: dict[str, Any], counts: dict[str, Counts]) -> dict[str, Any]:
    """The listings with each node row's counts as known now (rows are rebuilt, not changed)."""
    out: dict[str, Any] = {}
    for path, listing in listings.items():
        rows = []
        for row in listing["rows"]:
            known = counts.get(row["path"]) if row["type"] == "node" else None
            if known is not None:
                row = {**row, "counts": dict(known.formats), "partial": not known.complete,
                       "counted": True}
            rows.append(row)
        out[path] = {**listing, "rows": rows}
    return out


def _diff(old: dict[str, Any], new: dict[str, Any],
          relisted: set[str]) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """Rows to flash (``changes``) and strip events, for the listings seen twice.

    A leaf is set if it is new or its ETag changed, deleted if it left a listing that
    is still shown; a node is set if its counts moved. Only a listing shown whole (not
    cut at its row limit) tells new and deleted rows apart from rows that moved in or
    out of the window; a listing seen for the first time (a node just expanded)
    flashes nothing.
    """
    changed: set[str] = set()
    deleted: set[str] = set()
    events: list[dict[str, Any]] = []
    for path in set(old) & set(new):
        whole = all(len(x[path]["rows"]) >= x[path]["total"] for x in (old, new))
        before = {(r["path"], r.get("format")): r for r in old[path]["rows"]}
        after = {(r["path"], r.get("format")): r for r in new[path]["rows"]}
        for key, row in after.items():
            was = before.get(key)
            if row["type"] == "node":  # counts that moved, not counts that just arrived
                if was is not None and was.get("counted") and was["counts"] != row["counts"]:
                    changed.add(row["path"])
            elif (was is None and whole) or (was is not None and was["etag"] != row["etag"]):
                changed.add(row["path"])
                if path in relisted:
                    events.append({"kind": "set", "key": row["path"], "format": row["format"],
                                   "counter": None, "ts": row["ts"], "count": 1})
        if path in relisted and whole:
            for key, row in before.items():
                if key not in after:
                    deleted.add(row["path"])
                    if row["type"] == "leaf":
                        events.append({"kind": "delete", "key": row["path"],
                                       "format": row["format"], "counter": None,
                                       "ts": time.time(), "count": 1})
    return ({"set": sorted(changed)[:MAX_CHANGED_PATHS],
             "deleted": sorted(deleted)[:MAX_CHANGED_PATHS]}, events[-EVENTS_KEPT:])
