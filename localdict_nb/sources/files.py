"""A persidict ``FileDirDict`` read as a tree: one ``os.scandir`` per level.

The store's layout is persidict's: each key segment is a directory, the last one a
file named ``<segment>.<format>``; with ``digest_len > 0`` every name carries a short
hash suffix (persidict's signing), which the view strips. Files of every extension
under the root are shown, one bucket per extension, as persidict's
``OverlappingMultiDict`` stores several formats side by side. Names starting with a
dot are persidict's temporary files (and hidden files): never shown.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from .base import Budget, LeafInfo, Listing, Source, SourceError
from .decoding import decode

__all__ = ["FileDirSource"]

MAX_SCAN = 50_000
"""Entries read from one directory at most for one listing; past that it is marked partial."""


class FileDirSource(Source):
    """The tree of a ``persidict.FileDirDict``.

    Args:
        store: The FileDirDict.
    """

    kind = "FileDirDict"

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        params = store.get_params()
        self.root = os.path.abspath(str(params["base_dir"]))
        self.digest_len = int(params.get("digest_len", 0))

    @property
    def location(self) -> str:
        """The store's base directory."""
        return self.root

    @property
    def request_scale(self) -> int:
        """A directory read is cheaper than an S3 request: budgets allow 5 per S3 request."""
        return 5

    # --- names -----------------------------------------------------------------------------

    def _signed(self, rel: tuple[str, ...]) -> tuple[str, ...]:
        return _sign(rel, self.digest_len) if self.digest_len else rel

    def _unsigned(self, name: str) -> str:
        return _unsign(name, self.digest_len) if self.digest_len else name

    def _dir(self, rel: tuple[str, ...]) -> str:
        return os.path.join(self.root, *self._signed(rel))

    def _file(self, rel: tuple[str, ...], fmt: str) -> str:
        return self._dir(rel) + "." + fmt

    # --- reading ---------------------------------------------------------------------------

    def _scan(self, path: str) -> tuple[list[str], list[str], bool]:
        """Sorted (directories, files) of one directory; False if cut at ``MAX_SCAN``."""
        self.stats.request()
        dirs: list[str] = []
        files: list[str] = []
        complete = True
        try:
            with os.scandir(path) as entries:
                for n, entry in enumerate(entries):
                    if n >= MAX_SCAN:
                        complete = False
                        break
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        dirs.append(entry.name)
                    elif "." in entry.name and entry.is_file(follow_symlinks=False):
                        files.append(entry.name)
        except (FileNotFoundError, NotADirectoryError):
            raise  # no such node: the caller decides
        except OSError as exc:
            raise SourceError(f"cannot list {path}: {exc.strerror or exc} "
                              "(check that the directory exists and is readable)") from exc
        dirs.sort()
        files.sort()
        return dirs, files, complete

    def listing(self, rel: tuple[str, ...], limit: int) -> Listing | None:
        """One ``os.scandir`` of the node's directory; ``stat`` of the listed keys only."""
        path = self._dir(rel)
        try:
            dirs, files, complete = self._scan(path)
        except FileNotFoundError:
            return None if rel else Listing([], [], 0)
        except NotADirectoryError:
            return None
        nodes = [self._unsigned(d) for d in dirs[:limit]]
        leaves: list[LeafInfo] = []
        for name in files[: max(0, limit - len(nodes))]:
            info = self._stat(os.path.join(path, name))
            if info is not None:
                leaves.append(info)
        return Listing(nodes, leaves, len(dirs) + len(files), complete)

    def _stat(self, path: str) -> LeafInfo | None:
        base, _, fmt = os.path.basename(path).rpartition(".")
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None  # deleted since the directory was read
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
        # persidict's FileDirDict ETag: mtime (ns), size and inode
        etag = f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"
        return LeafInfo(self._unsigned(base), fmt, etag, st.st_mtime, st.st_size)

    def walk(self, rel: tuple[str, ...], budget: Budget) -> Iterator[tuple[tuple[str, ...], str]]:
        """Depth first, one directory per request, sorted; stops when the budget is spent."""
        stack = [(rel, self._dir(rel))]
        while stack:
            if budget.exhausted:
                return
            here, path = stack.pop()
            budget.spent_requests += 1
            try:
                dirs, files, _ = self._scan(path)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for name in files:
                if budget.spent_entries >= budget.entries:
                    return
                budget.spent_entries += 1
                base, _, fmt = name.rpartition(".")
                yield (*here, self._unsigned(base)), fmt
            stack.extend(((*here, self._unsigned(d)), os.path.join(path, d))
                          for d in reversed(dirs))
        budget.finished = True

    def entry(self, rel: tuple[str, ...], fmt: str) -> LeafInfo | None:
        """A ``stat`` of the key's file."""
        if not rel:
            return None
        self.stats.request()
        return self._stat(self._file(rel, fmt))

    def read(self, rel: tuple[str, ...], fmt: str) -> Any:
        """The value: the file read once and decoded as persidict wrote it (``decoding``)."""
        if not rel:
            raise KeyError(rel)
        self.stats.request()
        path = self._file(rel, fmt)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise KeyError(rel) from None
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return decode(data, fmt)


@lru_cache(maxsize=65_536)
def _sign_one(segment: str, digest_len: int) -> str:
    from persidict import SafeStrTuple
    from persidict.safe_str_tuple_signing import sign_safe_str_tuple

    key = SafeStrTuple(segment)  # type: ignore[no-untyped-call]  # persidict leaves it unannotated
    return str(sign_safe_str_tuple(key, digest_len)[0])


@lru_cache(maxsize=65_536)
def _unsign(name: str, digest_len: int) -> str:
    from persidict import SafeStrTuple
    from persidict.safe_str_tuple_signing import unsign_safe_str_tuple

    key = SafeStrTuple(name)  # type: ignore[no-untyped-call]  # persidict leaves it unannotated
    return str(unsign_safe_str_tuple(key, digest_len)[0])


def _sign(rel: tuple[str, ...], digest_len: int) -> tuple[str, ...]:
    return tuple(_sign_one(s, digest_len) for s in rel)
