"""PersiDict: persidict's mapping contract, and the algorithms every backend shares.

A backend supplies a handful of primitives (``_atomic``, ``_etag_of``, ``_read``,
``_write``, ``_delete``, ``_iter``, ``__contains__``, ``__len__``, ``timestamp``);
this class builds the public API on them: jokers, policies, ``setdefault``,
``pop``, equality, ordering by age, and (from ``conditional``) the ETag operations.
Every compound operation runs inside ``_atomic()``, so on a backend whose
``_atomic`` holds a lock, each is atomic across threads.
"""

from __future__ import annotations

import heapq
import random
from abc import abstractmethod
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager
from typing import Any, Self, cast, overload

from mixinforge import ParameterizableMixin, sort_dict_by_keys

from .conditional import ConditionalOperations
from .exceptions import MutationPolicyError
from .interrupts import calls_out, critical
from .jokers import (
    DELETE_CURRENT,
    ITEM_NOT_AVAILABLE,
    KEEP_CURRENT,
    ETagIfExists,
    ETagValue,
    Joker,
    ValueType,
    native,
)
from .keys import (
    SAFE_CHARS_SET,
    NonEmptyPersiDictKey,
    PersiDictKey,
    SafeStrTuple,
    key_of,
    to_path,
)

__all__ = ["NonEmptyPersiDictKey", "PersiDict", "PersiDictKey"]

_RESULT_FIELDS = frozenset({"keys", "values", "timestamps"})

class PersiDict(ConditionalOperations[ValueType],
                MutableMapping[SafeStrTuple, ValueType], ParameterizableMixin):
    """Abstract dict-like store whose keys are tuples of safe strings.

    Args:
        append_only: Refuse to change or delete an item once written.
        base_class_for_values: Accept (and return) only instances of this type.
        serialization_format: The bucket values live in; ``"pkl"`` or ``"json"``
            unless ``base_class_for_values`` is a ``str`` subclass.
    """

    serialization_format: str
    base_class_for_values: type | None

    def __init__(self, *, append_only: bool = False, base_class_for_values: type | None = None,
                 serialization_format: str = "pkl") -> None:
        self._append_only = bool(append_only)
        if not isinstance(serialization_format, str):
            msg = ("serialization_format must be a str such as 'pkl' or 'json'; "
                   f"got {type(serialization_format).__name__}")
            raise TypeError(msg)
        if not serialization_format:
            msg = "serialization_format must be a non-empty string such as 'pkl' or 'json'"
            raise ValueError(msg)
        if not SAFE_CHARS_SET.issuperset(serialization_format):
            msg = (f"serialization_format {serialization_format!r} must contain only "
                   "URL/filename-safe characters")
            raise ValueError(msg)
        if not isinstance(base_class_for_values, type | None):
            msg = ("base_class_for_values must be a type or None; "
                   f"got {type(base_class_for_values).__name__}")
            raise TypeError(msg)
        is_text = base_class_for_values is not None and issubclass(base_class_for_values, str)
        if not is_text and serialization_format not in {"json", "pkl"}:
            msg = ("For non-string values serialization_format must be either 'pkl' or 'json' "
                   f"(got {serialization_format!r}); other formats need base_class_for_values=str")
            raise ValueError(msg)
        self.serialization_format = serialization_format
        self.base_class_for_values = base_class_for_values

    # --- primitives a backend supplies ------------------------------------------------

    @abstractmethod
    def _atomic(self) -> AbstractContextManager[Any]:
        """A context in which a sequence of primitives is atomic."""

    @abstractmethod
    def _etag_of(self, path: tuple[str, ...]) -> ETagIfExists:
        """The ETag of ``path``, or ITEM_NOT_AVAILABLE; never copies the value."""

    @abstractmethod
    def _read(self, path: tuple[str, ...]) -> tuple[ValueType, ETagValue] | None:
        """A fresh copy of the value at ``path`` and its ETag, or None if absent."""

    @abstractmethod
    def _write(self, path: tuple[str, ...], value: Any) -> ETagValue:
        """Store a validated value; MutationPolicyError if append-only and present."""

    @abstractmethod
    def _delete(self, path: tuple[str, ...]) -> bool:
        """Delete ``path`` if present (policy already checked); tell whether it was."""

    @abstractmethod
    def _iter(self, keys: bool, values: bool, timestamps: bool) -> Iterator[Any]:
        """Yield keys, values and/or timestamps, one item at a time."""

    @abstractmethod
    def timestamp(self, key: NonEmptyPersiDictKey) -> float:
        """The ``time.time()`` of the last write of ``key``; KeyError if absent."""

    # --- validation -----------------------------------------------------------------

    @property
    def append_only(self) -> bool:
        """Whether items are immutable once written."""
        return self._append_only

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, sorted by name."""
        return sort_dict_by_keys({
            "append_only": self.append_only,
            "base_class_for_values": self.base_class_for_values,
            "serialization_format": self.serialization_format,
        })

    def _check_delete_policy(self) -> None:
        if self._append_only:
            raise MutationPolicyError("append-only")

    @calls_out
    def _validate_value(self, value: Any) -> None:
        if PersiDict in type(value).__mro__:
            msg = "Cannot store a PersiDict instance directly; store its contents (dict(d)) instead"
            raise TypeError(msg)
        base = self.base_class_for_values
        if base is not None and not isinstance(value, base):
            msg = f"Value must be an instance of {base.__name__}, got {type(value).__name__}"
            raise TypeError(msg)

    @calls_out
    def _validate_returned_value(self, value: Any) -> None:
        base = self.base_class_for_values
        if base is not None and not isinstance(value, base):
            msg = (f"Value must be an instance of {base.__name__},"
                   f" but it is {type(value).__name__} instead.")
            raise TypeError(msg)

    # --- the mapping ----------------------------------------------------------------

    def __getitem__(self, key: NonEmptyPersiDictKey) -> ValueType:
        """Return a copy of the value; KeyError(normalised key) if absent. O(depth)."""
        path = to_path(key)
        found = self._read(path)
        if found is None:
            raise KeyError(key_of(path))
        return found[0]

    def __setitem__(self, key: NonEmptyPersiDictKey, value: ValueType | Joker) -> None:
        """Store a copy of ``value``, or apply a joker (ours or persidict's). O(depth)."""
        path = to_path(key)
        value = native(value)
        if value is KEEP_CURRENT:
            return
        if value is DELETE_CURRENT:
            self._check_delete_policy()
            self._delete(path)
            return
        self._validate_value(value)
        self._write(path, value)

    def __delitem__(self, key: NonEmptyPersiDictKey) -> None:
        """Delete ``key``; KeyError if absent, MutationPolicyError if append-only."""
        path = to_path(key)  # a bad key is reported before the policy, as in persidict
        self._check_delete_policy()
        if not self._delete(path):
            raise KeyError(key_of(path))

    def __iter__(self) -> Iterator[SafeStrTuple]:
        return self._iter(True, False, False)

    # keys(), values() and items() return iterators, as persidict's do, not dict views
    def keys(self) -> Iterator[SafeStrTuple]:  # type: ignore[override]  # see above
        """Iterate over keys; never copies values."""
        return self._iter(True, False, False)

    def values(self) -> Iterator[ValueType]:  # type: ignore[override]  # an iterator: see keys
        """Iterate over copies of the values."""
        return self._iter(False, True, False)

    def items(  # type: ignore[override]  # an iterator, not a view: see keys
        self,
    ) -> Iterator[tuple[SafeStrTuple, ValueType]]:
        """Iterate over (key, value copy) pairs."""
        return self._iter(True, True, False)

    def _generic_iter(self, result_type: set[str]) -> Iterator[Any]:
        """Keys, values and/or timestamps, for persidict's composites (its private API).

        ``result_type`` is a non-empty subset of {"keys", "values", "timestamps"};
        each item is that one field, or a tuple of them in that order.
        """
        if not isinstance(result_type, set):
            msg = f"result_type must be a set of strings; got {type(result_type).__name__}"
            raise TypeError(msg)
        if not result_type or not result_type <= _RESULT_FIELDS:
            msg = ("result_type must be a non-empty subset of {'keys', 'values', 'timestamps'};"
                   f" got {result_type!r}")
            raise ValueError(msg)
        return self._iter("keys" in result_type, "values" in result_type,
                          "timestamps" in result_type)

    def keys_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, float]]:
        """Iterate over (key, timestamp) pairs; never copies values."""
        return self._iter(True, False, True)

    def values_and_timestamps(self) -> Iterator[tuple[ValueType, float]]:
        """Iterate over (value copy, timestamp) pairs."""
        return self._iter(False, True, True)

    def items_and_timestamps(self) -> Iterator[tuple[SafeStrTuple, ValueType, float]]:
        """Iterate over (key, value copy, timestamp) triples."""
        return self._iter(True, True, True)

    def etag(self, key: NonEmptyPersiDictKey) -> ETagValue:
        """The ETag of ``key``: changes on every write; KeyError if absent."""
        path = to_path(key)
        etag = self._etag_of(path)
        if etag is ITEM_NOT_AVAILABLE:
            raise KeyError(key_of(path))
        return cast(ETagValue, etag)  # `is ITEM_NOT_AVAILABLE` does not narrow the union

    def discard(self, key: NonEmptyPersiDictKey) -> bool:
        """Delete ``key`` if present; tell whether it was."""
        self._check_delete_policy()
        return self._delete(to_path(key))

    delete_if_exists = discard

    @overload
    def setdefault(self, key: NonEmptyPersiDictKey, default: None = None) -> ValueType | None: ...
    @overload
    def setdefault(self, key: NonEmptyPersiDictKey, default: ValueType) -> ValueType: ...
    @critical
    def setdefault(self, key: NonEmptyPersiDictKey, default: ValueType | None = None,
                   ) -> ValueType | None:
        """Return the value of ``key``, first storing ``default`` if absent (atomic)."""
        default = native(default)
        if isinstance(default, Joker):
            msg = "default must be a regular value, not a Joker command"
            raise TypeError(msg)
        path = to_path(key)
        with self._atomic():
            found: tuple[ValueType | None, ETagValue | None] | None = self._read(path)
            if found is None:
                self._validate_value(default)
                self._write(path, default)
                found = (default, None)
        return found[0]

    @critical
    def pop(self, key: NonEmptyPersiDictKey, *args: Any) -> Any:
        """Remove ``key`` and return its value, or the default if given (atomic)."""
        if len(args) > 1:
            msg = f"pop expected at most 2 arguments, got {1 + len(args)}"
            raise TypeError(msg)
        self._check_delete_policy()
        path = to_path(key)
        with self._atomic():
            found = self._read(path)
            if found is not None:
                self._delete(path)
        if found is not None:
            return found[0]
        if args:
            return args[0]
        raise KeyError(key_of(path))

    @critical
    def popitem(self) -> tuple[SafeStrTuple, ValueType]:
        """Remove and return some (key, value) pair; KeyError if empty (atomic)."""
        self._check_delete_policy()
        item = None
        with self._atomic():
            key = next(iter(self.keys()), None)
            if key is not None:
                item = key, self.pop(key)
        if item is None:
            raise KeyError("dictionary is empty")
        return item

    def __ior__(self, other: Mapping[Any, Any]) -> Self:
        if not isinstance(other, Mapping):
            msg = f"Cannot update PersiDict with non-Mapping type: {type(other)}"
            raise TypeError(msg)
        self.update(other)
        return self

    # --- whole-dict helpers ------------------------------------------------------------

    def get_subdict(self, prefix_key: PersiDictKey) -> Self:
        """A view of the keys under ``prefix_key``; backends with a hierarchy override this."""
        msg = f"{type(self).__name__} does not support get_subdict()"
        raise NotImplementedError(msg)

    def subdicts(self) -> dict[str, Self]:
        """Map each first key segment to the view under it."""
        return {first: self.get_subdict(first) for first in {k[0] for k in self.keys()}}

    def random_key(self) -> SafeStrTuple | None:
        """A uniformly random key, or None if empty (reservoir sampling)."""
        result = None
        for i, key in enumerate(self.keys(), start=1):
            if random.random() < 1 / i:
                result = key
        return result

    def _sorted_keys(self, max_n: int | None, newest_first: bool) -> list[SafeStrTuple]:
        if max_n is not None and max_n <= 0:
            return []
        pairs = self.keys_and_timestamps()
        if max_n is None:
            return [k for k, _ in sorted(pairs, key=lambda p: p[1], reverse=newest_first)]
        pick = heapq.nlargest if newest_first else heapq.nsmallest
        return [k for k, _ in pick(max_n, pairs, key=lambda p: p[1])]

    def newest_keys(self, *, max_n: int | None = None) -> list[SafeStrTuple]:
        """Up to ``max_n`` keys, most recently written first."""
        return self._sorted_keys(max_n, True)

    def oldest_keys(self, *, max_n: int | None = None) -> list[SafeStrTuple]:
        """Up to ``max_n`` keys, least recently written first."""
        return self._sorted_keys(max_n, False)

    def newest_values(self, *, max_n: int | None = None) -> list[ValueType]:
        """The values of ``newest_keys(max_n=max_n)``."""
        return [self[k] for k in self.newest_keys(max_n=max_n)]

    def oldest_values(self, *, max_n: int | None = None) -> list[ValueType]:
        """The values of ``oldest_keys(max_n=max_n)``."""
        return [self[k] for k in self.oldest_keys(max_n=max_n)]

    # --- identity, equality, copies -----------------------------------------------------

    def __eq__(self, other: object) -> bool:
        """Same type and parameters, or the same keys with equal values."""
        if self is other:
            return True
        if not isinstance(other, Mapping):
            return NotImplemented
        try:
            if type(self) is type(other) and self.get_params() == other.get_params():
                return True
            if len(self) != len(other):
                return False
            return all(self[k] == v for k, v in other.items())
        except (KeyError, TypeError, AttributeError, ValueError):
            return False

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable like dict

    def __copy__(self) -> Self:
        """A new dict object on the same storage (like ``dict.copy`` of a reference)."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def __str__(self) -> str:
        return str(dict(self.items()))

    def __getstate__(self) -> Any:
        msg = (f"{type(self).__name__} instances cannot be pickled. "
               "To persist configuration, use get_params().")
        raise TypeError(msg)

    def __setstate__(self, state: Any) -> None:
        msg = (f"{type(self).__name__} instances cannot be unpickled. "
               "Recreate from parameters instead.")
        raise TypeError(msg)
