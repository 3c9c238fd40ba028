"""What the view and the magics read any persidict store through: a ``Source``.

A source lists one level of a store's hierarchy at a time (``listing``), counts a
subtree within a budget (``count``), walks keys within a budget (``walk``), stats
and reads one key (``entry``, ``read``). It never writes, and never lists the whole
store to answer one of these: every call is bounded by its ``limit`` or ``budget``.
Format buckets are the extensions of the stored files or objects, so a store shows
every format kept under its root, as persidict's ``OverlappingMultiDict`` keeps them.
Paths are tuples of key segments relative to the store's root (never signed).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Budget", "Counts", "LeafInfo", "Listing", "Source", "SourceError", "Stats"]


class SourceError(Exception):
    """A store could not be read (unreachable, access denied, unreadable file).

    Its message is one line that names the problem and, where known, the fix.
    """


@dataclass(frozen=True)
class LeafInfo:
    """One stored key in one format: what a listing knows without reading the value."""

    name: str
    format: str
    etag: str
    timestamp: float
    size: int | None = None


@dataclass(frozen=True)
class Listing:
    """One level of the hierarchy: child node names, then keys, at most ``limit`` rows.

    ``total`` counts every row of the level when ``complete``; otherwise the level has
    more rows than were listed and ``total`` is a lower bound.
    """

    nodes: list[str]
    leaves: list[LeafInfo]
    total: int
    complete: bool = True


@dataclass(frozen=True)
class Counts:
    """Keys per format under a node; a lower bound when not ``complete``."""

    formats: dict[str, int]
    complete: bool

    @property
    def keys(self) -> int:
        """All keys counted."""
        return sum(self.formats.values())


@dataclass
class Budget:
    """How much work a walk or a count may do: entries seen and list requests made."""

    entries: int = 10_000
    requests: int = 50
    spent_entries: int = 0
    spent_requests: int = 0
    finished: bool = False
    """Set by a walk that saw every key it was asked for (it did not stop at the budget)."""

    @property
    def exhausted(self) -> bool:
        """Whether the walk must stop here."""
        return self.spent_entries >= self.entries or self.spent_requests >= self.requests


@dataclass
class Stats:
    """How many requests a source has made, for the header and ``%localdict stats``."""

    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def request(self, n: int = 1) -> None:
        """Count ``n`` list or read requests."""
        with self.lock:
            self.requests += n


class Source(ABC):
    """A read-only, bounded view of one persidict store's hierarchy.

    Args:
        store: The persidict store (kept, to read values through its own API).
    """

    kind: str = "store"
    """What the header calls the store: ``FileDirDict``, ``S3Dict``, ..."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.stats = Stats()

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the store lives: a directory, an ``s3://`` URL, or ``RAM``."""

    @property
    def format(self) -> str:
        """The store's own serialization format (the bucket its ``[]`` reads and writes)."""
        return str(self.store.get_params().get("serialization_format", "pkl"))

    @property
    def poll_interval(self) -> float:
        """Seconds between two polls of a live view, at first (it backs off while idle)."""
        return 2.0

    @property
    def request_scale(self) -> int:
        """How many of this source's requests cost about one S3 list request.

        A directory read (``os.scandir``) costs far less than an S3 request (time and
        money), so request budgets are multiplied by this.
        """
        return 1

    @property
    def recount_after(self) -> float:
        """Seconds before a subtree that seems unchanged is counted again."""
        return 30.0

    @abstractmethod
    def listing(self, rel: tuple[str, ...], limit: int) -> Listing | None:
        """The first ``limit`` rows under ``rel``, or None if there is no such node."""

    @abstractmethod
    def walk(self, rel: tuple[str, ...], budget: Budget) -> Iterator[tuple[tuple[str, ...], str]]:
        """Every key under ``rel`` (relative to the root) with its format, within ``budget``.

        Stops early, without an error, when the budget is spent; sets ``budget.finished``
        when it saw every key.
        """

    def count(self, rel: tuple[str, ...], budget: Budget) -> Counts:
        """Keys per format under ``rel``, a lower bound if the budget ran out."""
        formats: dict[str, int] = {}
        for _, fmt in self.walk(rel, budget):
            formats[fmt] = formats.get(fmt, 0) + 1
        return Counts(formats, budget.finished)

    @abstractmethod
    def entry(self, rel: tuple[str, ...], fmt: str) -> LeafInfo | None:
        """The key ``rel`` in format ``fmt`` as a listing shows it, or None if absent."""

    @abstractmethod
    def read(self, rel: tuple[str, ...], fmt: str) -> Any:
        """The value of key ``rel`` in format ``fmt``; KeyError if absent."""
