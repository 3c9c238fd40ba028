"""One small function per %localdict subcommand.

Each takes the magics object (for the user namespace and argument parsing
helpers) and the parsed arguments, and returns a value that renders itself.
Store errors become one-line UsageErrors, and a command that fails changes nothing.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from .backend import PAYLOAD, Node
from .local_dict import LocalDict
from .magic_results import Help, Report, Table
from .view import model

if TYPE_CHECKING:
    from .magics import LocalDictMagics

__all__ = ["Help"]

_MAX_ROWS = 1_000


def type_name(value: object) -> str:
    """A value's class as users tell them apart: ``int``, ``persidict.local_dict.LocalDict``."""
    cls = type(value)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def one_line(exc: BaseException) -> str:
    """``Type: message``, cut to its first line so a UsageError stays one line."""
    lines = str(exc).strip().splitlines() or [""]
    return f"{type(exc).__name__}: {lines[0]}" + (" …" if len(lines) > 1 else "")


@contextmanager
def _store_errors(command: str) -> Iterator[None]:
    """Turn the store's own errors into a one-line UsageError that names them."""
    try:
        yield
    except KeyError as exc:
        raise UsageError(f"{command}: no key {model.join(tuple(exc.args[0]))!r}") from None
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{command}: {one_line(exc)}") from None


def _show(key: tuple[str, ...]) -> str:
    return model.join(key)


def cmd_new(m: LocalDictMagics, args: argparse.Namespace) -> Report:
    if args.prune_interval < 0:
        raise UsageError(f"%localdict new: --prune-interval must be 0 (never) or more; "
                         f"got {args.prune_interval}")
    with _store_errors("%localdict new"):
        store: LocalDict = LocalDict(serialization_format=args.format,
                                     append_only=args.append_only,
                                     prune_interval=args.prune_interval or None)
    m.bind(args.name, store, "%localdict new")
    interval = store.get_params()["prune_interval"]
    prune = f"prune every {interval} deletions" if interval else "never pruned"
    policy = ", append-only" if store.append_only else ""
    return Report(f"{args.name} = LocalDict [{store.serialization_format}{policy}], {prune}",
                  name=args.name)


def cmd_list(m: LocalDictMagics, args: argparse.Namespace) -> Table:
    rows = []
    for name, value in sorted(m.shell.user_ns.items()):  # type: ignore[union-attr]
        if name.startswith("_") or not isinstance(value, LocalDict):
            continue
        s = model.summary(value)
        counts = " · ".join(f"{fmt} {n:,}" for fmt, n in s["formats"].items()) or "empty"
        rows.append((name, "/" + "/".join(s["prefix"]), s["format"], len(value), counts))
    return Table("LocalDicts in the namespace", ("name", "prefix", "format", "keys", "all formats"),
                 rows)


def cmd_ls(m: LocalDictMagics, args: argparse.Namespace) -> Table:
    if args.depth < 1:
        raise UsageError(f"%localdict ls: --depth must be at least 1; got {args.depth}")
    name, store = m.target(args.target, "%localdict ls")
    rows: list[tuple[Any, ...]] = []
    queue = [((), 1)]
    while queue and len(rows) < _MAX_ROWS:
        rel, level = queue.pop(0)
        found = model.listing(store, rel, _MAX_ROWS - len(rows))
        if found is None and not rel:
            raise UsageError(f"%localdict ls: nothing is stored under {args.target!r}")
        for row in (found or {"rows": []})["rows"]:
            if row["type"] == "node":
                counts = " · ".join(f"{f} {n:,}" for f, n in row["counts"].items()) or "empty"
                rows.append((row["path"] + "/", "node", counts, f"#{row['last_write']}"))
                if level < args.depth:
                    queue.append((model.split(row["path"]), level + 1))
            else:
                rows.append((row["path"], row["format"], row["preview"], f"etag {row['etag']}"))
    note = f"first {_MAX_ROWS:,} rows" if len(rows) >= _MAX_ROWS else ""
    return Table(f"{args.target}", ("path", "kind", "contents", "version"), rows, note)


def cmd_get(m: LocalDictMagics, args: argparse.Namespace) -> Any:
    store = m.store(args.name, "%localdict get")
    key = m.key(args.key, "%localdict get")
    with _store_errors("%localdict get"):
        return store[key]


def set_value(m: LocalDictMagics, name: str, key_text: str, expr: str) -> Report:
    """``%localdict set NAME key EXPR``, with EXPR kept exactly as written."""
    store = m.store(name, "%localdict set")
    key = m.key(key_text, "%localdict set")
    value = m.evaluate(expr, "%localdict set")
    with _store_errors("%localdict set"):
        store[key] = value
        etag = store.etag(key)
    preview = model.preview(value)[0]
    return Report(f"{name}[{_show(key)}] = {preview}  (etag {etag})", etag=etag)


def cmd_set(m: LocalDictMagics, args: argparse.Namespace) -> Report:
    return set_value(m, args.name, args.key, " ".join(args.expr))


def cmd_del(m: LocalDictMagics, args: argparse.Namespace) -> Report:
    store = m.store(args.name, "%localdict del")
    key = m.key(args.key, "%localdict del")
    with _store_errors("%localdict del"):
        del store[key]
    return Report(f"deleted {args.name}[{_show(key)}]")


def cmd_keys(m: LocalDictMagics, args: argparse.Namespace) -> Table:
    _, store = m.target(args.target, "%localdict keys")
    pattern = re.compile(fnmatch.translate(args.pattern)) if args.pattern else None
    rows, total = [], 0
    for key in store.keys():
        path = model.join(key)
        if pattern is None or pattern.match(path):
            total += 1
            if len(rows) < _MAX_ROWS:
                rows.append((path,))
    note = f"{total:,} keys" + (f", first {_MAX_ROWS:,} shown" if total > _MAX_ROWS else "")
    return Table(f"keys of {args.target}" + (f" matching {args.pattern}" if pattern else ""),
                 ("key",), rows, note)


def cmd_find(m: LocalDictMagics, args: argparse.Namespace) -> Table:
    store = m.store(args.name, "%localdict find")
    result = model.search(store, args.pattern, limit=_MAX_ROWS)
    note = f"{result['total']:,} matches" + (
        f", first {_MAX_ROWS:,} shown" if result["total"] > _MAX_ROWS else "")
    return Table(f"{args.name}: keys matching {args.pattern}", ("key",),
                 [(p,) for p in result["matches"]], note)


def _walk_nodes(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children.values())


def cmd_stats(m: LocalDictMagics, args: argparse.Namespace) -> Table:
    store = m.store(args.name, "%localdict stats")
    s = model.summary(store)
    tree = store._tree  # noqa: SLF001
    nodes = depth = size = 0
    with tree.lock:
        top = store._here()  # noqa: SLF001
        base = len(top.path) if top is not None else 0
        for node in _walk_nodes(top) if top is not None else ():
            nodes += 1
            for bucket in node.buckets.values():
                if bucket:
                    depth = max(depth, len(node.path) - base + 1)
                for leaf, entry in bucket.items():
                    size += sys.getsizeof(entry) + sys.getsizeof(leaf) + sys.getsizeof(entry[PAYLOAD])
    interval = s["prune_interval"]
    rows = [*((f"keys [{fmt}]", n) for fmt, n in s["formats"].items()),
            ("nodes", nodes), ("depth", depth), ("write counter", s["counter"]),
            ("ops since prune", f"{s['ops_since_prune']} / {interval or 'never'}"),
            ("prune passes", s["prune_passes"]), ("memory (approx.)", f"{size / 1024:,.1f} KiB")]
    return Table(f"{args.name}: LocalDict [{s['format']}]", ("stat", "value"), rows)


def cmd_show(m: LocalDictMagics, args: argparse.Namespace) -> Any:
    name, store = m.target(args.target, "%localdict show")
    named = m.store(name, "%localdict show")
    return store.tree(name=name, key_prefix=store.prefix[len(named.prefix):])


def cmd_prune(m: LocalDictMagics, args: argparse.Namespace) -> Report:
    removed = m.store(args.name, "%localdict prune").prune()
    shown = ", ".join(_show(p) for p in removed[:5]) + (" ..." if len(removed) > 5 else "")
    return Report(f"pruned {len(removed)} empty subtree(s)" + (f": {shown}" if removed else ""),
                  removed=removed)


def cmd_clear(m: LocalDictMagics, args: argparse.Namespace) -> Report:
    _, store = m.target(args.target, "%localdict clear")
    count = len(store)
    with _store_errors("%localdict clear"):
        store.clear()
    return Report(f"cleared {count:,} key(s) [{store.serialization_format}] from {args.target}",
                  count=count)


def cmd_sub(m: LocalDictMagics, args: argparse.Namespace) -> Report:
    _, view = m.target(f"{args.name}/{args.prefix.strip('/')}", "%localdict sub")
    m.bind(args.as_name, view, "%localdict sub")
    return Report(f"{args.as_name} = {args.name}.get_subdict({tuple(view.prefix)!r}): "
                  f"{len(view):,} keys", name=args.as_name)


def cmd_help(m: LocalDictMagics, args: argparse.Namespace) -> Help:
    from .magics import usage

    return Help(usage(args.subcommand))


def write_many(store: LocalDict, items: list[tuple[tuple[str, ...], Any]], name: str) -> Report:
    """Write all items in one step (``LocalDict.update``): all of them or, on any error, none."""
    seen: set[tuple[str, ...]] = set()
    for key, _ in items:
        if store.append_only and (key in seen or key in store):
            why = "exists" if key in store else "is written twice in the cell"
            raise UsageError(f"%%localdict: {name} is append-only and {_show(key)} {why}")
        seen.add(key)
    try:
        store.update(items)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"%%localdict: {one_line(exc)}") from None
    except Exception as exc:  # a value that cannot be copied: its own error, in one line
        raise UsageError(f"%%localdict: a value cannot be stored: {one_line(exc)}") from None
    return Report(f"wrote {len(items):,} key(s) to {name} [{store.serialization_format}]",
                  count=len(items))
