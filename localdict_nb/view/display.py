"""How a LocalDict shows itself: the live widget in a kernel, static text elsewhere.

``LocalDict._repr_mimebundle_`` calls ``mimebundle``: in a Jupyter kernel the
bundle carries the widget view (one cached widget per LocalDict object, so
re-running a cell does not pile up observers) plus a static ``text/html`` and
``text/plain`` rendering that nbconvert, GitHub and terminals show instead.
"""

from __future__ import annotations

import html
import sys
from typing import Any

from ..local_dict import LocalDict
from . import model

__all__ = ["mimebundle", "shared_tree", "static_bundle", "static_html", "text_summary",
           "variable_name"]

_STATIC_ROWS = 20


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    return getattr(shell, "kernel", None) is not None


def variable_name(store: LocalDict) -> str | None:
    """The name that holds ``store`` itself in the IPython user namespace, if any."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    namespace = getattr(shell, "user_ns", None) or {}
    for name, value in list(namespace.items()):
        if value is store and not name.startswith("_"):
            return name
    return None


def shared_tree(store: LocalDict) -> Any:
    """The widget ``display(store)`` shows: created once per LocalDict object."""
    from .widget import LocalDictTree

    widget = store.__dict__.get("_shared_tree")
    if widget is None or widget.comm is None:
        widget = LocalDictTree(store)
        store.__dict__["_shared_tree"] = widget
    return widget


def _counts(counts: dict[str, int]) -> str:
    return " · ".join(f"{fmt} {n:,}" for fmt, n in sorted(counts.items())) or "empty"


def _nodes(n: int) -> str:
    return f"{n:,} node" + ("" if n == 1 else "s")


def _top(store: LocalDict) -> tuple[dict[str, Any], dict[str, Any]]:
    """The totals and the first top-level rows, which both static renderings show."""
    return model.summary(store), model.listing(store, (), _STATIC_ROWS) or {"rows": [], "total": 0}


def text_summary(store: LocalDict, shown: tuple[dict[str, Any], dict[str, Any]] | None = None) -> str:
    """A few lines of plain text: the totals and the top-level rows."""
    s, top = shown or _top(store)
    lines = [f"LocalDict /{'/'.join(s['prefix'])} [{s['format']}]: {_counts(s['formats'])}; "
             f"{_nodes(s['nodes'])}, write counter {s['counter']:,}, prunes {s['prune_passes']}"]
    for row in top["rows"]:
        if row["type"] == "node":
            lines.append(f"  {row['name']}/  {_counts(row['counts'])}")
        else:
            lines.append(f"  {row['name']}  [{row['format']}] {row['preview']}")
    if top["total"] > len(top["rows"]):
        lines.append(f"  ... {top['total'] - len(top['rows']):,} more")
    return "\n".join(lines)


def static_html(store: LocalDict, shown: tuple[dict[str, Any], dict[str, Any]] | None = None) -> str:
    """An escaped HTML table of the top of the tree, for renderers without widgets."""
    s, top = shown or _top(store)
    esc = html.escape
    rows = []
    for row in top["rows"]:
        if row["type"] == "node":
            rows.append(f"<tr><td>{esc(row['name'])}/</td><td>{esc(_counts(row['counts']))}</td>"
                        f"<td>#{row['last_write']}</td></tr>")
        else:
            rows.append(f"<tr><td>{esc(row['name'])}</td><td>{esc(row['format'])}</td>"
                        f"<td><code>{esc(row['preview'])}</code></td></tr>")
    more = top["total"] - len(top["rows"])
    if more > 0:
        rows.append(f"<tr><td colspan=3>… {more:,} more</td></tr>")
    head = (f"<b>LocalDict</b> /{esc('/'.join(s['prefix']))} [{esc(s['format'])}]: "
            f"{esc(_counts(s['formats']))}; {_nodes(s['nodes'])}, write counter "
            f"{s['counter']:,}, prunes {s['prune_passes']}")
    return f'<div class="ldnb-static">{head}<table>{"".join(rows)}</table></div>'


def static_bundle(store: LocalDict) -> dict[str, str]:
    """``text/plain`` and ``text/html`` of ``store``, reading the store once."""
    top = _top(store)
    return {"text/plain": text_summary(store, top), "text/html": static_html(store, top)}


def mimebundle(store: LocalDict, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """The display data of ``store``: widget view in a kernel, static text and HTML always."""
    if not _in_kernel():
        return static_bundle(store)
    view = shared_tree(store)._repr_mimebundle_(include=include, exclude=exclude)
    return dict(view[0] if isinstance(view, tuple) else view)  # anywidget: (data, metadata)
