"""Keeping stored values independent of the caller's objects.

A write stores an independent copy and a read returns an independent copy, as
persidict's ``deepcopy`` on both sides does, but cheaper. How a value is kept
is decided once, at write time:

- immutable scalars (str, int, float, bytes, ...) are kept as they are;
- other values are kept as a pickle and loaded on read (several times faster
  than ``deepcopy`` for small containers, and smaller in memory);
- a value that names anything defined in the notebook (a class, function or
  object of ``__main__``, anywhere inside it) is kept as a ``deepcopy`` instead:
  a pickle names its classes, and the notebook redefines or deletes them when a
  cell is re-run, while a deep copy keeps the class object itself, as persidict does;
- so is a value that cannot be pickled, or whose pickle cannot be loaded.

A pickle that names a class or function (the STACK_GLOBAL opcode) is loaded
once at write time, so that a value which pickles but cannot be rebuilt fails
on the write (or is deep-copied), never on a later read.
"""

from __future__ import annotations

import copy
import pickle
from pickle import dumps, loads
from typing import Any, Final

from .interrupts import calls_out

__all__ = ["AS_IS", "DEEPCOPIED", "PICKLED", "freeze", "thaw"]

AS_IS: Final = 0
PICKLED: Final = 1
DEEPCOPIED: Final = 2

_IMMUTABLE: Final = frozenset({str, int, float, bool, bytes, complex, type(None)})
_STACK_GLOBAL: Final = pickle.STACK_GLOBAL[0]
_NOTEBOOK: Final = b"__main__"
_PROTOCOL: Final = pickle.HIGHEST_PROTOCOL


@calls_out
def freeze(value: Any) -> tuple[Any, int]:
    """Return ``(payload, kind)``: an independent, storable form of ``value``."""
    if type(value) in _IMMUTABLE:
        return value, AS_IS
    try:
        payload = dumps(value, _PROTOCOL)
    except Exception:
        return copy.deepcopy(value), DEEPCOPIED
    if _STACK_GLOBAL in payload:  # it names classes or functions: can they be found again?
        if _NOTEBOOK in payload:
            return copy.deepcopy(value), DEEPCOPIED
        try:
            loads(payload)
        except Exception:
            return copy.deepcopy(value), DEEPCOPIED
    return payload, PICKLED


@calls_out
def thaw(payload: Any, kind: int) -> Any:
    """Return a fresh copy of the value that ``freeze`` stored as ``payload``."""
    if kind == PICKLED:
        return loads(payload)
    if kind == AS_IS:
        return payload
    return copy.deepcopy(payload)
