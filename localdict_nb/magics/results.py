"""What the %localdict magics return: values that render themselves.

``Table`` shows as an HTML table in a notebook and as aligned text in a
terminal; ``Report`` is a one-line outcome. Both are plain objects, so
``x = %localdict ls d`` keeps them for later (``list(x)`` gives the rows).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["Help", "Report", "Table"]

_CELL_CHARS = 80


def _cell(value: Any) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


class Table:
    """Rows under named columns, with a title and an optional footer note."""

    def __init__(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 note: str = "") -> None:
        self.title = title
        self.columns = tuple(columns)
        self.rows = [tuple(row) for row in rows]
        self.note = note

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        return self.rows[index]

    def column(self, name: str) -> list[Any]:
        """The values of one column."""
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def __repr__(self) -> str:
        cells = [self.columns, *([_cell(v) for v in row] for row in self.rows)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [self.title] if self.title else []
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                  for row in cells]
        lines.insert(2 if self.title else 1, "  ".join("-" * w for w in widths))
        if not self.rows:
            lines.append("(none)")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{esc(_cell(v))}</td>" for v in row) + "</tr>"
                       for row in self.rows)
        caption = f"<caption>{esc(self.title)}</caption>" if self.title else ""
        note = f"<div><small>{esc(self.note)}</small></div>" if self.note else ""
        empty = "<tr><td colspan=99><i>(none)</i></td></tr>" if not self.rows else ""
        return (f'<table class="ldnb-magic">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}{empty}</tbody></table>{note}")


class Report:
    """A one-line outcome of a command, with the numbers it is about."""

    def __init__(self, text: str, **facts: Any) -> None:
        self.text = text
        self.facts = facts
        for name, value in facts.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f'<div class="ldnb-magic">{html.escape(self.text)}</div>'


class Help:
    """Help text: shown as is in a terminal, preformatted in a notebook."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text)}</pre>"
