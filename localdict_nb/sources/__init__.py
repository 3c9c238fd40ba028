"""Any persidict store as a tree: the layer the view and the magics read other stores through.

Our LocalDict has its own live machinery (the engine's ``inspection`` and ``watch``);
persidict's stores get a ``Source`` (``base``): ``files`` for a ``FileDirDict`` (one
``os.scandir`` per level), ``s3`` for ``BasicS3Dict`` and ``S3Dict`` (one
``ListObjectsV2`` with a delimiter per level), ``ram`` for persidict's ``LocalDict``.
Every read is bounded, none writes, and persidict (with boto3) is imported only when
one of its stores is met: ``import localdict_nb`` stays light. ``opening`` turns a path
or an ``s3://`` URL into a store.
"""

from __future__ import annotations

from typing import Any

from .base import Budget, Counts, LeafInfo, Listing, Source, SourceError

__all__ = ["Budget", "Counts", "LeafInfo", "Listing", "Source", "SourceError", "is_persidict",
           "source_for"]


def _persidict_classes(store: Any) -> list[str]:
    return [cls.__name__ for cls in type(store).__mro__
            if cls.__module__.split(".")[0] == "persidict"]


def is_persidict(store: Any) -> bool:
    """Whether ``store`` is one of persidict's stores that a Source can show."""
    return bool(set(_persidict_classes(store)) & set(_KINDS))


_KINDS = {"FileDirDict": "files", "BasicS3Dict": "s3", "S3Dict_FileDirCached": "s3",
          "LocalDict": "ram"}


def source_for(store: Any) -> Source:
    """The Source that reads ``store``; TypeError (one line) for a store it cannot show."""
    for name in _persidict_classes(store):
        kind = _KINDS.get(name)
        if kind == "files":
            from .files import FileDirSource

            return FileDirSource(store)
        if kind == "s3":
            from .s3 import S3Source

            return S3Source(store)
        if kind == "ram":
            from .ram import RamSource

            return RamSource(store)
    msg = (f"cannot show a {type(store).__name__}: the tree view shows localdict_nb.LocalDict "
           "and persidict's LocalDict, FileDirDict, BasicS3Dict and S3Dict")
    raise TypeError(msg)
