"""Open a persidict store by where it lives: a directory path, or an ``s3://bucket/prefix`` URL.

What ``%localdict open`` binds. A directory gives a ``FileDirDict`` (created if missing,
as persidict does, but only inside a directory that exists); an ``s3://`` URL gives an
``S3Dict``, once the bucket is known to exist: persidict would create a missing one,
and a typo must not create a bucket. Every failure is one ``SourceError`` line.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from .base import SourceError

__all__ = ["open_store"]

_INSTALL = "persidict is not installed: pip install 'localdict_nb[persidict]'"


def open_store(target: str, fmt: str | None = None) -> Any:
    """A FileDirDict for a directory path, an S3Dict for ``s3://bucket/prefix``.

    Args:
        target: The directory, or the S3 URL.
        fmt: The store's serialization format; by default the most common extension
            already there (a directory), else ``pkl``.
    """
    try:
        import persidict
    except ImportError as exc:
        raise SourceError(_INSTALL) from exc
    try:
        if target.startswith("s3://"):
            return _open_s3(persidict, target, fmt)
        return _open_dir(persidict, target, fmt)
    except (ValueError, TypeError) as exc:
        hint = ""
        if "serialization_format" in str(exc):
            hint = " (use --format pkl or --format json; any other format holds only strings)"
        raise SourceError(f"cannot open {target}: {exc}{hint}") from exc


def _open_s3(persidict: Any, url: str, fmt: str | None) -> Any:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise SourceError(f"{url!r} names no bucket: write s3://BUCKET/PREFIX")
    from .s3 import explain, make_client

    try:
        make_client().head_bucket(Bucket=bucket)
    except Exception as exc:
        raise explain(exc, f"cannot open s3://{bucket}") from exc
    cache = Path(tempfile.gettempdir()) / "localdict_nb-s3-cache" / bucket / prefix.strip("/")
    return persidict.S3Dict(bucket_name=bucket, root_prefix=prefix,
                            serialization_format=fmt or "pkl", base_dir=str(cache))


def _open_dir(persidict: Any, target: str, fmt: str | None) -> Any:
    path = Path(target).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise SourceError(f"{target} is a file, not a directory: give the directory of a "
                          "FileDirDict")
    if not path.parent.is_dir():
        raise SourceError(f"no directory {path.parent}: create it first, or fix the path")
    return persidict.FileDirDict(base_dir=str(path), serialization_format=fmt or _guess(path))


def _guess(path: Path, dirs: int = 20) -> str:
    """The most common extension among the first files found (breadth first), or ``pkl``."""
    seen: Counter[str] = Counter()
    queue = [path]
    while queue and dirs > 0:
        dirs -= 1
        try:
            with os.scandir(queue.pop(0)) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        queue.append(Path(entry.path))
                    elif "." in entry.name:
                        seen[entry.name.rpartition(".")[2]] += 1
        except OSError:
            continue
    return seen.most_common(1)[0][0] if seen else "pkl"
