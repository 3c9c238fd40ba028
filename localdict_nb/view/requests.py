"""Validation of what the browser asks for: the request traits of the widget.

The browser may set ``expanded``, ``limits``, ``selected``, ``query`` and ``rendered``.

Each check returns a clean value or raises RequestError naming the problem, so
the widget can ignore a malformed or hostile request with a warning.
"""

from __future__ import annotations

from typing import Any

from localdict_nb.engine.keys import SAFE_CHARS_SET

from .protocol import (
    MAX_EXPANDED,
    MAX_LIMIT,
    MAX_PAGES,
    MAX_PATH_CHARS,
    MAX_QUERY_CHARS,
    SEP,
)

__all__ = ["RequestError", "check_expanded", "check_limits", "check_query", "check_rendered",
           "check_selected"]


class RequestError(ValueError):
    """A request from the browser that the view will not answer."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_path(path: Any, *, allow_root: bool = True) -> str:
    """A protocol path: safe segments joined by ``/``, bounded in length."""
    if not isinstance(path, str):
        msg = f"a path must be a string; got {type(path).__name__}"
        raise RequestError(msg)
    if len(path) > MAX_PATH_CHARS:
        msg = f"a path may have at most {MAX_PATH_CHARS} characters; got {len(path)}"
        raise RequestError(msg)
    if not path:
        if allow_root:
            return path
        msg = "a key path must not be empty"
        raise RequestError(msg)
    for segment in path.split(SEP):
        if not segment or segment in (".", "..") or not set(segment) <= SAFE_CHARS_SET:
            msg = f"{_describe(path)} is not a path of safe key segments"
            raise RequestError(msg)
    return path


def check_expanded(value: Any) -> list[str]:
    """The list of expanded node paths, without duplicates."""
    if not isinstance(value, list):
        msg = f"expanded must be a list of paths; got {type(value).__name__}"
        raise RequestError(msg)
    if len(value) > MAX_EXPANDED:
        msg = f"at most {MAX_EXPANDED} nodes may be expanded; got {len(value)}"
        raise RequestError(msg)
    return list(dict.fromkeys(check_path(p) for p in value if p != ""))


def check_limits(value: Any) -> dict[str, int]:
    """Rows wanted per node path, each between 1 and MAX_LIMIT."""
    if not isinstance(value, dict):
        msg = f"limits must be an object of path -> count; got {type(value).__name__}"
        raise RequestError(msg)
    if len(value) > MAX_EXPANDED + 1:
        msg = f"limits may name at most {MAX_EXPANDED + 1} paths; got {len(value)}"
        raise RequestError(msg)
    clean = {}
    for path, limit in value.items():
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            msg = (f"limit for {_describe(path)} must be an int from 1 to {MAX_LIMIT}; "
                   f"got {_describe(limit)}")
            raise RequestError(msg)
        clean[check_path(path)] = limit
    return clean


def check_selected(value: Any) -> dict[str, str]:
    """``{}`` or ``{"path": key path, "format": format name}``."""
    if not isinstance(value, dict):
        msg = f"selected must be an object; got {type(value).__name__}"
        raise RequestError(msg)
    if not value:
        return {}
    if set(value) != {"path", "format"}:
        msg = ("selected needs exactly the fields 'path' and 'format'; "
               f"got {sorted(map(str, value))[:5]}")
        raise RequestError(msg)
    fmt = value["format"]
    if not isinstance(fmt, str) or not 0 < len(fmt) <= 64 or not set(fmt) <= SAFE_CHARS_SET:
        msg = f"selected format must be a short safe string; got {_describe(fmt)}"
        raise RequestError(msg)
    return {"path": check_path(value["path"], allow_root=False), "format": fmt}


def check_query(value: Any) -> str:
    """A search query of at most MAX_QUERY_CHARS characters."""
    if not isinstance(value, str):
        msg = f"query must be a string; got {type(value).__name__}"
        raise RequestError(msg)
    if len(value) > MAX_QUERY_CHARS:
        msg = f"query may have at most {MAX_QUERY_CHARS} characters; got {len(value)}"
        raise RequestError(msg)
    return value


def check_rendered(value: Any) -> dict[str, int]:
    """Views shown per page: ``{page id: count}``, at most MAX_PAGES short ids."""
    if not isinstance(value, dict):
        msg = f"rendered must be an object of page id -> count; got {type(value).__name__}"
        raise RequestError(msg)
    if len(value) > MAX_PAGES:
        msg = f"rendered may name at most {MAX_PAGES} pages; got {len(value)}"
        raise RequestError(msg)
    clean = {}
    for page, count in value.items():
        if not isinstance(page, str) or not 0 < len(page) <= 64:
            msg = f"a page id must be a string of 1 to 64 characters; got {_describe(page)}"
            raise RequestError(msg)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_LIMIT:
            msg = (f"the count of page {_describe(page)} must be an int from 0 to {MAX_LIMIT}; "
                   f"got {_describe(count)}")
            raise RequestError(msg)
        clean[page] = count
    return clean
