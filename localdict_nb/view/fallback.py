"""What a store looks like where no widget can show: plain text and a static HTML table.

Terminals show these; in a kernel they travel beside the widget view, for any renderer
that cannot run it. nbconvert's HTML export shows the ``text/html`` table only when the
notebook holds no saved state for that widget: with saved state it picks the widget view.
"""

from __future__ import annotations

import html
from typing import Any

from localdict_nb.engine.inspection import counts_text
from localdict_nb.engine.local_dict import LocalDict

from . import model

__all__ = ["static_bundle", "static_html", "text_summary"]

_STATIC_ROWS = 20


def _nodes(n: int) -> str:
    return f"{n:,} node" + ("" if n == 1 else "s")


def _top(store: LocalDict[Any]) -> Shown:
    """The totals and the first top-level rows, which both static renderings show."""
    return model.summary(store), model.listing(store, (), _STATIC_ROWS) or {"rows": [], "total": 0}


Shown = tuple[dict[str, Any], dict[str, Any]]
"""The totals and the top rows of a store, as ``model.summary`` and ``model.listing`` give them."""


def text_summary(store: LocalDict[Any], shown: Shown | None = None) -> str:
    """A few lines of plain text: the totals and the top-level rows."""
    s, top = shown or _top(store)
    lines = [f"LocalDict /{'/'.join(s['prefix'])} [{s['format']}]: {counts_text(s['formats'])}; "
             f"{_nodes(s['nodes'])}, write counter {s['counter']:,}, prunes {s['prune_passes']}"]
    for row in top["rows"]:
        if row["type"] == "node":
            lines.append(f"  {row['name']}/  {counts_text(row['counts'])}")
        else:
            lines.append(f"  {row['name']}  [{row['format']}] {row['preview']}")
    if top["total"] > len(top["rows"]):
        lines.append(f"  ... {top['total'] - len(top['rows']):,} more")
    return "\n".join(lines)


def static_html(store: LocalDict[Any], shown: Shown | None = None) -> str:
    """An escaped HTML table of the top of the tree, for renderers without widgets."""
    s, top = shown or _top(store)
    esc = html.escape
    rows = []
    for row in top["rows"]:
        if row["type"] == "node":
            rows.append(f"<tr><td>{esc(row['name'])}/</td><td>{esc(counts_text(row['counts']))}</td>"
                        f"<td>#{row['last_write']}</td></tr>")
        else:
            rows.append(f"<tr><td>{esc(row['name'])}</td><td>{esc(row['format'])}</td>"
                        f"<td><code>{esc(row['preview'])}</code></td></tr>")
    more = top["total"] - len(top["rows"])
    if more > 0:
        rows.append(f"<tr><td colspan=3>… {more:,} more</td></tr>")
    head = (f"<b>LocalDict</b> /{esc('/'.join(s['prefix']))} [{esc(s['format'])}]: "
            f"{esc(counts_text(s['formats']))}; {_nodes(s['nodes'])}, write counter "
            f"{s['counter']:,}, prunes {s['prune_passes']}")
    return f'<div class="ldnb-static">{head}<table>{"".join(rows)}</table></div>'


def static_bundle(store: LocalDict[Any]) -> dict[str, str]:
    """``text/plain`` and ``text/html`` of ``store``, reading the store once."""
    top = _top(store)
    return {"text/plain": text_summary(store, top), "text/html": static_html(store, top)}
