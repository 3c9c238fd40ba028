"""TreeWidget: what every tree view shares, whatever store it shows.

The synced traits (the contract of ``protocol.py``), the JS bundle, and the rules
for what the browser sends: only the request traits may change from the page, each
is validated (a bad one is ignored with a warning and a notice), and answering never
raises in the kernel. ``LocalDictTree`` (our LocalDict, live by pulling from the
engine) and ``StoreTree`` (any persidict store, live by polling) fill in how a
request is answered and how the store is followed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from .requests import (
    RequestError,
    check_expanded,
    check_limits,
    check_query,
    check_rendered,
    check_selected,
)

__all__ = ["REQUESTS", "TreeWidget"]

logger = logging.getLogger("localdict_nb.view")
_STATIC = Path(__file__).resolve().parent / "static"
REQUESTS = ("expanded", "limits", "selected", "query", "rendered")
"""The traits the browser may set; every other trait belongs to the kernel."""


class TreeWidget(anywidget.AnyWidget):
    """The traits and the request handling of a tree view.

    Subclasses answer requests (``_answer``), bring the page up to date
    (``refresh``), catch up when a page shows the view again (``_shown_again``) and
    stop following their store (``_stop``).
    """

    # The bundle as text, not as a Path: anywidget watches a Path for changes, and its
    # watcher would hold every widget (and its store) for good (anywidget#929).
    _esm = (_STATIC / "widget.js").read_text()
    _css = (_STATIC / "widget.css").read_text()

    summary = t.Dict().tag(sync=True)
    """Totals of the view and state of the store (see protocol.py)."""
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
    """What the last update changed, for flashing rows."""
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
    rendered = t.Any({}).tag(sync=True)
    """Browser -> Python: ``{page id: views shown}``; all 0 = nothing shows the view."""

    _CHECKS: dict[str, Callable[[Any], Any]] = {
        "expanded": check_expanded, "limits": check_limits,
        "selected": check_selected, "query": check_query, "rendered": check_rendered,
    }

    def __init__(self, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(self.class_trait_names())
        if unknown:
            msg = f"{type(self).__name__} got unexpected keyword arguments {sorted(unknown)}"
            raise TypeError(msg)
        super().__init__(**kwargs)
        self._lock = threading.RLock()
        self._good: dict[str, Any] = {"expanded": [], "limits": {}, "selected": {}, "query": "",
                                      "rendered": {}}
        self._closed = False
        self.observe(self._on_request, names=list(REQUESTS))

    @property
    def shown(self) -> bool:
        """Whether a page may show the view: it said so, or has said nothing yet."""
        counts = self._good["rendered"]
        return not counts or any(counts.values())

    # --- to be filled in ------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute everything the browser shows from the store as it is now."""
        raise NotImplementedError

    def _answer(self, name: str, value: Any) -> None:
        """Answer a valid request (``self._good[name]`` already holds ``value``)."""
        raise NotImplementedError

    def _shown_again(self) -> None:
        """A page shows the view again after none did: bring it up to date."""
        self.refresh()

    def _stop(self) -> None:
        """Stop following the store (the view is being closed)."""

    # --- browser -> kernel ----------------------------------------------------------------

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
                if name == "rendered":
                    was = self.shown
                    self._good["rendered"] = value
                    if self.shown and not was and not self._closed:
                        self._shown_again()
                    return
                self._good[name] = value
                self.notice = ""
                self._answer(name, value)
        except Exception as exc:  # never let a browser request raise in the kernel
            logger.exception("localdict_nb tree view failed to answer %s", name)
            self.notice = f"Could not answer {name}: {type(exc).__name__}"

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a state update from the page: its request traits only.

        A change to any trait the kernel owns (``summary``, ``changes``, ...) is
        dropped with a warning, and the kernel's value is sent back, so nothing the
        page sends can break the updates.
        """
        owned = sorted(k for k in sync_data if k not in REQUESTS)
        if owned:
            logger.warning("localdict_nb tree view ignored changes to %s from the page", owned)
            self.notice = f"Ignored changes to {', '.join(owned[:3])}: the kernel owns them"
            self.send_state(owned)
        allowed = {k: v for k, v in sync_data.items() if k in REQUESTS}
        if allowed:
            super().set_state(allowed)

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop following the store, then close the comm."""
        self._closed = True
        if hasattr(self, "_good"):  # not when __init__ failed before it got that far
            self._stop()
        super().close()
