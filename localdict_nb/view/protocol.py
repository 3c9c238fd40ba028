"""The contract between the tree view's Python side and its browser side.

All state travels through synced traits (no custom messages), so every
anywidget host (JupyterLab, Notebook 7, VS Code, Colab, marimo) can render it
and a re-render rebuilds from the traits alone.

Paths are strings: the key segments *relative to the view's root*, joined by
``/`` (a character no segment may contain); ``""`` is the view's root.

Python -> browser (the browser never writes these):

``summary``: ``{"prefix": [str], "format": str, "formats": {fmt: keys},
"nodes": int, "counter": int, "ops_since_prune": int,
"prune_interval": int | None, "prune_passes": int, "keys": int}`` where
``formats`` counts the keys under the view per bucket, ``nodes`` the
backend nodes of the whole tree, ``counter`` the tree's write counter,
``keys`` the total of ``formats``.

``listings``: ``{path: {"rows": [Row], "total": int}}`` for the root and each
expanded node, in the backend's insertion order, at most ``limits[path]``
rows (default ``CHUNK``); ``total`` is how many rows the node has. A Row is
``{"name": str, "path": str, "type": "node", "counts": {fmt: int},
"last_write": int}`` for a child node, or ``{"name": str, "path": str,
"type": "leaf", "format": str, "etag": str, "ts": float, "preview": str}``
for a key (one row per format bucket holding it). A name may have a node row
and leaf rows. Node rows come before leaf rows.

``detail``: the selected leaf: ``{"path": str, "format": str, "found": bool,
"etag": str, "ts": float, "type": str, "preview": str, "truncated": bool,
"python": 'd["a", "b"]'}``, or ``{}``; ``preview`` is at most
``DETAIL_CHARS`` characters, a short value is shown whole.

``search_result``: ``{"query": str, "matches": [str], "total": int,
"error": str | None}``: at most ``MAX_MATCHES`` leaf paths.

``events``: the latest changes, oldest first: ``[{"seq": int, "kind":
"set" | "delete" | "clear" | "prune", "key": str, "format": str | None,
"counter": int, "ts": float, "count": int}]``; at most ``EVENTS_KEPT``
entries, and the last ``PRUNES_KEPT`` prune entries are kept even when many
writes follow. ``key`` is relative to the view ("" for prune); a prune entry also has
``"removed": [path]``, the subtrees it removed under the view (at most
``MAX_CHANGED_PATHS``).

``changes``: what the last flush changed, for flashing: ``{"seq": int,
"set": [path], "deleted": [path], "pruned": [path]}``; ``seq`` grows by one
per flush that changed anything. The kernel pulls (it compares what it shows
now with what it sent last), so ``changes`` names rows on screen only:
``set`` the listed keys written since the last flush and the listed nodes
whose subtree was written or whose counts moved; ``deleted`` the rows gone
from a listing still shown; ``pruned`` the subtrees removed by prune passes.

``notice``: a short message for the user (e.g. a rejected request), or "".

Browser -> Python (Python validates them and answers by updating the above;
a change the page makes to any other trait is undone, with a warning):

``expanded``: ``[path]``: the expanded nodes; ``listings`` follows.
``limits``: ``{path: int}``: rows wanted per node ("show more" adds ``CHUNK``,
capped at ``MAX_LIMIT``).
``selected``: ``{"path": str, "format": str}`` or ``{}``; ``detail`` follows.
``query``: a substring, or a glob if it has ``*``, ``?`` or ``[``; matched
against whole paths; ``search_result`` follows and the matches' ancestors are
added to ``expanded`` (at most ``MAX_EXPANDED`` in all; a notice says when the
bound stopped it).
``rendered``: ``{page id: int}``: how many views of the widget each page shows
now (each render adds one, each cleanup takes one away; pages at 0 may be
dropped). While the page has reported and every count is 0, nothing shows the
view: the kernel stops flushing it, and sends it whole when a page shows it
again. ``{}`` (nothing reported yet, or a host that does not run the view's
JavaScript) counts as shown.

A malformed value from the browser (wrong type, unknown path, over-long
string) is ignored with a logged warning and a ``notice``; the kernel and the
store are never harmed.
"""

from __future__ import annotations

from typing import Final

CHUNK: Final = 100
"""Rows per node sent at first, and added by each "show more"."""
MAX_LIMIT: Final = 10_000
"""The most rows of one node that may be requested."""
ROW_PREVIEW_CHARS: Final = 80
"""Length of the preview in a leaf row."""
DETAIL_CHARS: Final = 4_000
"""Length of the preview of the selected value."""
MAX_MATCHES: Final = 200
"""Search matches sent at most."""
MAX_QUERY_CHARS: Final = 200
"""Longest search query accepted."""
MAX_PATH_CHARS: Final = 4_096
"""Longest path accepted from the browser."""
MAX_EXPANDED: Final = 500
"""Most expanded nodes accepted from the browser."""
EVENTS_KEPT: Final = 50
"""Entries in the event strip."""
PRUNES_KEPT: Final = 10
"""Prune entries kept in the strip however many writes follow."""
FLUSH_INTERVAL: Final = 0.1
"""Seconds between two flushes of live changes (at most ~10 a second)."""
MAX_PAGES: Final = 64
"""Most pages ``rendered`` may name."""
MAX_CHANGED_PATHS: Final = 1_000
"""Paths sent at most per list in ``changes`` and per prune entry."""
SEP: Final = "/"
"""Joins the segments of a path."""
