"""One small function per %localdict subcommand.

Each takes the session (the user namespace, and turning names, keys and
expressions into stores and values) and the parsed arguments, and returns a value
that renders itself. Store errors become one-line UsageErrors, a command that
fails changes nothing, and a command that reads never changes the store.
The table in ``spec`` says which function serves which subcommand. On one of
persidict's stores, the reading and writing subcommands hand over to ``stores``.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.error import UsageError

from localdict_nb.engine import inspection
from localdict_nb.engine.inspection import counts_text
from localdict_nb.engine.local_dict import LocalDict
from localdict_nb.view import model
from localdict_nb.view.display import new_widget

from . import stores
from .results import Report, Table
from .session import Session, one_line

__all__ = ["cmd_clear", "cmd_del", "cmd_find", "cmd_get", "cmd_keys", "cmd_list", "cmd_ls",
           "cmd_new", "cmd_open", "cmd_prune", "cmd_set", "cmd_show", "cmd_stats", "cmd_sub",
           "set_value", "write_many"]

_MAX_ROWS = stores.MAX_ROWS


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


def cmd_new(m: Session, args: argparse.Namespace) -> Report:
    """``%localdict new``: bind a new store to a name."""
    if args.prune_interval < 0:
        raise UsageError(f"%localdict new: --prune-interval must be 0 (never) or more; "
                         f"got {args.prune_interval}")
    with _store_errors("%localdict new"):
        store: LocalDict[Any] = LocalDict(serialization_format=args.format,
                                     append_only=args.append_only,
                                     prune_interval=args.prune_interval or None)
    m.bind(args.name, store, "%localdict new")
    interval = store.get_params()["prune_interval"]
    prune = f"prune every {interval} deletions" if interval else "never pruned"
    policy = ", append-only" if store.append_only else ""
    return Report(f"{args.name} = LocalDict [{store.serialization_format}{policy}], {prune}",
                  name=args.name)


def cmd_open(m: Session, args: argparse.Namespace) -> Report:
    """``%localdict open``: bind persidict's store in a directory or at an ``s3://`` URL."""
    return stores.open_(m, args.name, args.location, args.format)


def cmd_list(m: Session, args: argparse.Namespace) -> Table:
    """``%localdict list``: the stores in the namespace, ours and persidict's."""
    rows = []
    for name in m.stores():
        store = m.namespace[name]
        if not isinstance(store, LocalDict):
            rows.append(stores.list_row(name, store))
            continue
        s = inspection.summary(store)
        rows.append((name, "LocalDict", "/" + "/".join(s.prefix), s.format,
                     s.formats.get(s.format, 0), counts_text(s.formats)))
    return Table("stores in the namespace",
                 ("name", "kind", "root", "format", "keys", "all formats"), rows)


def cmd_ls(m: Session, args: argparse.Namespace) -> Table:
    """``%localdict ls``: the rows under a prefix, some levels deep."""
    if args.depth < 1:
        raise UsageError(f"%localdict ls: --depth must be at least 1; got {args.depth}")
    place = m.place(args.target, "%localdict ls")
    if place is not None:
        return stores.ls(place, args.target, args.depth)
    name, store = m.target(args.target, "%localdict ls")
    rows: list[tuple[Any, ...]] = []
    queue: list[tuple[tuple[str, ...], int]] = [((), 1)]
    while queue and len(rows) < _MAX_ROWS:
        rel, level = queue.pop(0)
        found = model.listing(store, rel, _MAX_ROWS - len(rows))
        if found is None and not rel:
            raise UsageError(f"%localdict ls: nothing is stored under {args.target!r}")
        for row in (found or {"rows": []})["rows"]:
            if row["type"] == "node":
                rows.append((row["path"] + "/", "node", counts_text(row["counts"]),
                             f"#{row['last_write']}"))
                if level < args.depth:
                    queue.append((model.split(row["path"]), level + 1))
            else:
                rows.append((row["path"], row["format"], row["preview"], f"etag {row['etag']}"))
    note = f"first {_MAX_ROWS:,} rows" if len(rows) >= _MAX_ROWS else ""
    return Table(f"{args.target}", ("path", "kind", "contents", "version"), rows, note)


def cmd_get(m: Session, args: argparse.Namespace) -> Any:
    """``%localdict get``: the value itself, so that it can be assigned."""
    other = m.other(args.name)
    if other is not None:
        return stores.get(other, m.key(args.key, "%localdict get"))
    store = m.store(args.name, "%localdict get")
    key = m.key(args.key, "%localdict get")
    with _store_errors("%localdict get"):
        return store[key]


def set_value(m: Session, name: str, key_text: str, expr: str) -> Report:
    """``%localdict set NAME key EXPR``, with EXPR kept exactly as written."""
    other = m.other(name)
    if other is not None:
        return stores.set_value(m, name, other, m.key(key_text, "%localdict set"), expr)
    store = m.store(name, "%localdict set")
    key = m.key(key_text, "%localdict set")
    value = m.evaluate(expr, "%localdict set")
    with _store_errors("%localdict set"):
        store[key] = value
        etag = store.etag(key)
    preview = model.preview(value)[0]
    return Report(f"{name}[{_show(key)}] = {preview}  (etag {etag})", etag=etag)


def cmd_set(m: Session, args: argparse.Namespace) -> Report:
    """``%localdict set`` as parsed (the line magic keeps EXPR as written: ``set_value``)."""
    return set_value(m, args.name, args.key, " ".join(args.expr))


def cmd_del(m: Session, args: argparse.Namespace) -> Report:
    """``%localdict del``: delete one key."""
    other = m.other(args.name)
    if other is not None:
        return stores.delete(args.name, other, m.key(args.key, "%localdict del"))
    store = m.store(args.name, "%localdict del")
    key = m.key(args.key, "%localdict del")
    with _store_errors("%localdict del"):
        del store[key]
    return Report(f"deleted {args.name}[{_show(key)}]")


def cmd_keys(m: Session, args: argparse.Namespace) -> Table:
    """``%localdict keys``: keys under a prefix, optionally matching a glob."""
    place = m.place(args.target, "%localdict keys")
    if place is not None:
        return stores.keys(place, args.target, args.pattern)
    _, store = m.target(args.target, "%localdict keys")
    pattern = re.compile(fnmatch.translate(args.pattern)) if args.pattern else None
    rows: list[tuple[str]] = []
    total = 0
    for key in store.keys():
        path = model.join(key)
        if pattern is None or pattern.match(path):
            total += 1
            if len(rows) < _MAX_ROWS:
                rows.append((path,))
    note = f"{total:,} keys" + (f", first {_MAX_ROWS:,} shown" if total > _MAX_ROWS else "")
    return Table(f"keys of {args.target}" + (f" matching {args.pattern}" if pattern else ""),
                 ("key",), rows, note)


def cmd_find(m: Session, args: argparse.Namespace) -> Table:
    """``%localdict find``: keys of every format whose path matches."""
    other = m.other(args.name)
    if other is not None:
        return stores.find(args.name, other, args.pattern)
    store = m.store(args.name, "%localdict find")
    result = model.search(store, args.pattern, limit=_MAX_ROWS)
    note = f"{result['total']:,} matches" + (
        f", first {_MAX_ROWS:,} shown" if result["total"] > _MAX_ROWS else "")
    return Table(f"{args.name}: keys matching {args.pattern}", ("key",),
                 [(p,) for p in result["matches"]], note)


def cmd_stats(m: Session, args: argparse.Namespace) -> Table:
    """``%localdict stats``: totals, tree state and size."""
    other = m.other(args.name)
    if other is not None:
        return stores.stats(args.name, other)
    store = m.store(args.name, "%localdict stats")
    s, sub = inspection.summary(store), inspection.subtree(store)
    interval = s.prune_interval
    rows = [*((f"keys [{fmt}]", n) for fmt, n in s.formats.items()),
            ("nodes", sub.nodes), ("depth", sub.depth), ("write counter", s.counter),
            ("ops since prune", f"{s.ops_since_prune} / {interval or 'never'}"),
            ("prune passes", s.prune_passes), ("live views", s.views),
            ("memory (approx.)", f"{sub.bytes / 1024:,.1f} KiB")]
    return Table(f"{args.name}: LocalDict [{s.format}]", ("stat", "value"), rows)


def cmd_show(m: Session, args: argparse.Namespace) -> Any:
    """``%localdict show``: a new live tree view of a store or prefix."""
    place = m.place(args.target, "%localdict show")
    if place is not None:
        return stores.show(place, args.target)
    name, store = m.target(args.target, "%localdict show")
    named = m.store(name, "%localdict show")
    return new_widget(store, name=name, key_prefix=store.prefix[len(named.prefix):])


def cmd_prune(m: Session, args: argparse.Namespace) -> Report:
    """``%localdict prune``: remove empty subtrees now."""
    removed = m.store(args.name, "%localdict prune").prune()
    shown = ", ".join(_show(p) for p in removed[:5]) + (" ..." if len(removed) > 5 else "")
    return Report(f"pruned {len(removed)} empty subtree(s)" + (f": {shown}" if removed else ""),
                  removed=removed)


def cmd_clear(m: Session, args: argparse.Namespace) -> Report:
    """``%localdict clear``: delete every key of the store's format under a prefix."""
    _, store = m.target(args.target, "%localdict clear")
    count = len(store)
    with _store_errors("%localdict clear"):
        store.clear()
    return Report(f"cleared {count:,} key(s) [{store.serialization_format}] from {args.target}",
                  count=count)


def cmd_sub(m: Session, args: argparse.Namespace) -> Report:
    """``%localdict sub``: bind a view of a prefix to a new name."""
    _, view = m.target(f"{args.name}/{args.prefix.strip('/')}", "%localdict sub")
    m.bind(args.as_name, view, "%localdict sub")
    return Report(f"{args.as_name} = {args.name}.get_subdict({tuple(view.prefix)!r}): "
                  f"{len(view):,} keys", name=args.as_name)


def write_many(store: LocalDict[Any], items: list[tuple[tuple[str, ...], Any]],
               name: str) -> Report:
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
