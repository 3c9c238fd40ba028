"""A stored value's bytes back to the value, the way persidict wrote them: once, no retries.

persidict's formats: ``pkl`` is a joblib pickle, ``json`` is jsonpickle, and any other
format holds a string as UTF-8 text. The view and the magics read a file or an object
once with this, instead of through the store: persidict's ``FileDirDict`` retries a
failed read with backoff for about two minutes, and an ``S3Dict`` writes what it reads
into its local cache, and a read-only look at a store must do neither.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["decode"]


def decode(data: bytes, fmt: str) -> Any:
    """The value held in ``data``, stored in persidict's format ``fmt``.

    Raises ValueError (naming the original error) when the bytes do not load: a
    decoder's own KeyError (joblib raises one for bytes that are not a pickle) must
    never read as "no such key".
    """
    try:
        return _decode(data, fmt)
    except Exception as exc:
        msg = f"the value cannot be loaded: {type(exc).__name__}: {str(exc)[:200]}"
        raise ValueError(msg) from exc


def _decode(data: bytes, fmt: str) -> Any:
    if fmt == "pkl":
        import joblib  # persidict's dependency: present wherever its stores are

        return joblib.load(io.BytesIO(data))
    text = data.decode("utf-8")
    if fmt == "json":
        import jsonpickle

        return jsonpickle.loads(text)
    return text
