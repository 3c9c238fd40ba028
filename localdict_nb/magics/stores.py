"""The subcommands on persidict's stores, read through ``localdict_nb.sources``.

``%localdict`` takes persidict's ``FileDirDict``, ``BasicS3Dict``, ``S3Dict`` and
``LocalDict`` as well as ours, with the same output shapes. Such a store may hold
millions of files or objects and answer slowly, so what ours knows exactly (counts,
every key) is read here within a budget and marked when the budget ran out:
``≥10,000`` in a count, "searched the first 10,000 keys" under a search. Reads go
through the store's ``Source`` and never write; ``set`` and ``del`` go through the
store's own API. Every failure of the store is one ``UsageError`` line.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.error import UsageError

from localdict_nb.engine.inspection import counts_text
from localdict_nb.sources import Budget, Counts, LeafInfo, Source, SourceError, source_for
from localdict_nb.sources.opening import open_store
from localdict_nb.sources.ram import RamSource
from localdict_nb.view.model import join, matcher, preview
from localdict_nb.view.store_model import size_text

from .results import Report, Table
from .session import Place, Session, one_line

__all__ = ["LS_REQUESTS", "MAX_ROWS", "WALK", "delete", "find", "get", "keys", "list_row", "ls",
           "open_", "set_value", "show", "stats"]

MAX_ROWS = 1_000
"""Rows one table shows at most (as for our LocalDict)."""
WALK = (10_000, 1_000)
"""(keys, listings) one walk may spend: in ``keys``, ``find``, ``stats``, one count of ``ls``."""
LS_REQUESTS = 2_000
"""Listings all the node counts of one ``ls`` may spend together; later nodes go uncounted."""


def _budget(requests: int | None = None) -> Budget:
    return Budget(WALK[0], WALK[1] if requests is None else requests)


@contextmanager
def _errors(command: str, key: tuple[str, ...] = ()) -> Iterator[None]:
    """Turn a store's failures into one UsageError line (a KeyError names ``key``)."""
    try:
        yield
    except UsageError:
        raise
    except KeyError:
        raise UsageError(f"{command}: no key {join(key)!r}") from None
    except SourceError as exc:
        raise UsageError(f"{command}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{command}: {one_line(exc)}") from None
    except Exception as exc:  # the store's own failure (disk, network): one line, no traceback
        if type(exc).__module__.startswith("botocore"):
            from localdict_nb.sources.s3 import explain

            raise UsageError(f"{command}: {explain(exc, 'S3 failed')}") from None
        raise UsageError(f"{command}: {one_line(exc)}") from None


def _source(store: Any, command: str) -> Source:
    with _errors(command):
        return source_for(store)


def _marked(counts: Counts) -> str:
    """``json 2 · pkl 10``, or ``≥10,000 (pkl 10,000)`` when the count stopped at its budget."""
    text = counts_text(counts.formats)
    if counts.complete:
        return text
    return f"≥{counts.keys:,} ({text})" if counts.formats else f"≥{counts.keys:,}"


def _stopped(budget: Budget) -> str:
    if budget.finished:
        return ""
    return (f"; searched the first {budget.spent_entries:,} keys, then stopped "
            f"(at most {WALK[0]:,} keys and {WALK[1]:,} listings)")


def open_(m: Session, name: str, location: str, fmt: str | None) -> Report:
    """``%localdict open``: bind a FileDirDict (a directory) or an S3Dict (``s3://``)."""
    m.check_name(name, "%localdict open")  # before a directory is made for it
    with _errors("%localdict open"):
        store = open_store(location, fmt)
    m.bind(name, store, "%localdict open")
    source = _source(store, "%localdict open")
    return Report(f"{name} = {source.kind} [{source.format}] at {source.location}", name=name)


def list_row(name: str, store: Any) -> tuple[Any, ...]:
    """The ``%localdict list`` row of a persidict store; an error stays in its row."""
    source = _source(store, "%localdict list")
    try:
        counts = source.count((), _budget())
    except SourceError as exc:
        return (name, source.kind, source.location, source.format, "?", f"error: {exc}")
    own = counts.formats.get(source.format, 0)
    return (name, source.kind, source.location, source.format,
            own if counts.complete else f"≥{own:,}", _marked(counts))


def _contents(source: Source, rel: tuple[str, ...], leaf: LeafInfo) -> str:
    """A leaf's size; persidict's LocalDict knows none, but reading its value costs nothing."""
    if leaf.size is not None or not isinstance(source, RamSource):
        return size_text(leaf.size)
    try:
        return preview(source.read((*rel, leaf.name), leaf.format))[0]
    except KeyError:
        return "(deleted)"  # between the listing and the read


def ls(place: Place, target: str, depth: int) -> Table:
    """``%localdict ls``: one listing per node, each child node counted within a budget."""
    command = "%localdict ls"
    source = _source(place.store, command)
    rows: list[tuple[Any, ...]] = []
    queue = [(place.rel, 1)]
    spent = partial = uncounted = cut = 0
    with _errors(command):
        while queue and len(rows) < MAX_ROWS:
            rel, level = queue.pop(0)
            found = source.listing(rel, MAX_ROWS - len(rows))
            if found is None and rel == place.rel:
                raise UsageError(f"{command}: nothing is stored under {target!r}")
            if found is None:
                continue
            cut += not found.complete
            shown = rel[len(place.rel):]
            for node in found.nodes:
                if spent < LS_REQUESTS:
                    budget = _budget(min(WALK[1], LS_REQUESTS - spent))
                    counts = source.count((*rel, node), budget)
                    spent += budget.spent_requests
                    partial += not counts.complete
                    text = _marked(counts)
                else:
                    uncounted += 1
                    text = "not counted"
                rows.append((join((*shown, node)) + "/", "node", text, ""))
                if level < depth:
                    queue.append(((*rel, node), level + 1))
            rows += [(join((*shown, leaf.name)), leaf.format, _contents(source, rel, leaf),
                      f"etag {leaf.etag}") for leaf in found.leaves]
    notes = [f"first {MAX_ROWS:,} rows"] if len(rows) >= MAX_ROWS else []
    notes += ["some levels hold more entries than one listing reads"] if cut else []
    notes += [f"≥: counted up to {WALK[0]:,} keys per node"] if partial else []
    notes += [f"{uncounted} node(s) not counted: ls spent its {LS_REQUESTS:,} listings"
              ] if uncounted else []
    requests = source.stats.requests
    notes.append(f"{source.kind} at {source.location}, {requests:,} "
                 f"request{'' if requests == 1 else 's'}")
    return Table(target, ("path", "kind", "contents", "version"), rows, "; ".join(notes))


def get(store: Any, key: tuple[str, ...]) -> Any:
    """``%localdict get``: the value, as the store's own ``[]`` would give it."""
    source = _source(store, "%localdict get")
    with _errors("%localdict get", key):
        try:
            value = source.read(key, source.format)
        except (SourceError, KeyError):
            raise  # a store that fails, or no such key
        except ValueError as exc:  # a value that does not load (a class gone, a bad file)
            raise SourceError(str(exc)) from None
        except Exception as exc:  # persidict's LocalDict hands back the object, so anything
            raise SourceError(f"the value cannot be loaded: {one_line(exc)}") from None
    # persidict's LocalDict hands out copies: its source hands out the stored object
    return copy.deepcopy(value) if isinstance(source, RamSource) else value


def set_value(m: Session, name: str, store: Any, key: tuple[str, ...], expr: str) -> Report:
    """``%localdict set``: evaluate, then write through the store's own API."""
    value = m.evaluate(expr, "%localdict set")
    with _errors("%localdict set", key):
        store[key] = value
        etag = store.etag(key)
    return Report(f"{name}[{join(key)}] = {preview(value)[0]}  (etag {etag})", etag=etag)


def delete(name: str, store: Any, key: tuple[str, ...]) -> Report:
    """``%localdict del``: delete through the store's own API."""
    with _errors("%localdict del", key):
        del store[key]
    return Report(f"deleted {name}[{join(key)}]")


def keys(place: Place, target: str, pattern: str | None) -> Table:
    """``%localdict keys``: the store's own format's keys under a prefix, within a budget."""
    source = _source(place.store, "%localdict keys")
    regex = re.compile(fnmatch.translate(pattern)) if pattern else None
    budget = _budget()
    rows: list[tuple[str]] = []
    total = 0
    with _errors("%localdict keys"):
        for rel, fmt in source.walk(place.rel, budget):
            path = join(rel[len(place.rel):])
            if fmt == source.format and (regex is None or regex.match(path)):
                total += 1
                if len(rows) < MAX_ROWS:
                    rows.append((path,))
    note = f"{total:,} keys" + (f", first {MAX_ROWS:,} shown" if total > MAX_ROWS else "")
    return Table(f"keys of {target}" + (f" matching {pattern}" if regex else ""), ("key",),
                 rows, note + _stopped(budget))


def find(name: str, store: Any, pattern: str) -> Table:
    """``%localdict find``: keys of every format whose whole path matches, within a budget."""
    source = _source(store, "%localdict find")
    matches = matcher(pattern)
    budget = _budget()
    found: dict[str, None] = {}  # a key held in several formats once
    with _errors("%localdict find"):
        for rel, _ in source.walk((), budget):
            path = join(rel)
            if matches(path):
                found[path] = None
    note = f"{len(found):,} matches" + (
        f", first {MAX_ROWS:,} shown" if len(found) > MAX_ROWS else "")
    return Table(f"{name}: keys matching {pattern}", ("key",),
                 [(p,) for p in list(found)[:MAX_ROWS]], note + _stopped(budget))


def stats(name: str, store: Any) -> Table:
    """``%localdict stats``: where the store is, and what one bounded walk found there."""
    source = _source(store, "%localdict stats")
    budget = _budget()
    formats: dict[str, int] = {source.format: 0}
    nodes: set[tuple[str, ...]] = {()}
    depth = 0
    with _errors("%localdict stats"):
        for rel, fmt in source.walk((), budget):
            formats[fmt] = formats.get(fmt, 0) + 1
            depth = max(depth, len(rel))
            nodes.update(rel[:i] for i in range(1, len(rel)))
    partial = not budget.finished

    def mark(n: int) -> int | str:
        return f"≥{n:,}" if partial else n

    counted = (f"the first {budget.spent_entries:,} keys (stopped at the budget)" if partial
               else "every key")
    rows = [("kind", source.kind), ("location", source.location), ("format", source.format),
            *((f"keys [{fmt}]", mark(n)) for fmt, n in sorted(formats.items())),
            ("nodes", mark(len(nodes))), ("depth", mark(depth)), ("counted", counted),
            ("requests made", source.stats.requests)]
    return Table(f"{name}: {source.kind} [{source.format}]", ("stat", "value"), rows)


def show(place: Place, target: str) -> Any:
    """``%localdict show``: the store's live tree view, opened at the prefix if one is given."""
    source = _source(place.store, "%localdict show")
    if place.rel:
        with _errors("%localdict show"):
            found = source.listing(place.rel, 1)
        if found is None:
            raise UsageError(f"%localdict show: nothing is stored under {target!r}")
    from localdict_nb.view.store_widget import StoreTree

    view = StoreTree(place.store, name=place.name, source=source)
    if place.rel:
        view.expanded = [join(place.rel[:i]) for i in range(1, len(place.rel) + 1)]
    return view
