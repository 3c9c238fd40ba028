"""The body of a ``%%localdict`` cell: ``key/path = expression`` lines, or one JSON object."""

from __future__ import annotations

import json
from typing import Any

from IPython.core.error import UsageError
from IPython.utils.text import dedent

from .session import Session

__all__ = ["parse_json", "parse_lines", "split_assignment"]

Items = list[tuple[tuple[str, ...], Any]]


def split_assignment(text: str) -> tuple[str, str]:
    """Split a cell line ``key/path = expression`` at the ``=`` that ends the key.

    A key may contain ``=`` but no spaces, so a spaced `` = `` ends it when there is
    one before the expression; otherwise the first ``=`` does.
    """
    key, sep, expr = text.partition(" = ")
    if not sep or " " in key.strip() or "=" not in key:
        key, _, expr = text.partition("=")
    return key.strip(), expr.strip()


def parse_lines(session: Session, cell: str) -> Items:
    """Every ``key = expression`` line's key and value (expressions run in the namespace)."""
    items = []
    for number, raw in enumerate(dedent(cell).splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        key, expr = split_assignment(text)
        if not key or not expr:
            msg = f"%%localdict: line {number} is not `key/path = expression`: {text[:60]!r}"
            raise UsageError(msg)
        items.append((session.key(key, "%%localdict"),
                      session.evaluate(expr, f"%%localdict line {number}")))
    return items


def parse_json(session: Session, cell: str) -> Items:
    """The keys and values of a cell that holds one JSON object."""
    try:
        data = json.loads(cell)
    except json.JSONDecodeError as exc:
        msg = f"%%localdict --json: the cell is not JSON: {exc}"
        raise UsageError(msg) from None
    except RecursionError:
        msg = ("%%localdict --json: the JSON nests too deeply for Python; "
               "store the nested part as one string instead")
        raise UsageError(msg) from None
    if not isinstance(data, dict):
        msg = f"%%localdict --json: the cell must be a JSON object, got {type(data).__name__}"
        raise UsageError(msg)
    return [(session.key(k, "%%localdict"), v) for k, v in data.items()]
