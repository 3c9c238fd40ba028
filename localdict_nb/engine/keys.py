"""Keys: tuples of safe strings, and the one place where keys are normalised.

A key is a non-empty sequence of *segments*. Each segment is a string of 1 to
253 characters drawn from ``SAFE_CHARS_SET`` (ASCII letters, digits and
``()_-~.=``), and is neither ``.`` nor ``..``. Strings, nested sequences and
``SafeStrTuple`` objects are flattened left to right, as persidict does.

``SafeStrTuple`` subclasses ``tuple``: it hashes and compares like the tuple of
its segments, costs no more than a tuple, and sorts.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any, Final, Self

from .interrupts import calls_out

SAFE_CHARS_SET: Final[set[str]] = set(string.ascii_letters + string.digits + "()_-~.=")
"""Characters allowed in a key segment."""

SAFE_STRING_MAX_LENGTH: Final[int] = 254
"""Segments must be shorter than this (at most 253 characters), as in persidict."""

_SEGMENT_RE: Final = re.compile(r"[A-Za-z0-9()_\-~.=]{1,253}")
_SAFE_HINT: Final = "letters, digits and ()_-~.="

# Non-leaf segments already seen valid. Bounded: cleared when it reaches _CACHE_LIMIT entries.
_valid_segments: set[str] = set()
_CACHE_LIMIT: Final = 1 << 17

__all__ = [
    "SAFE_CHARS_SET",
    "SAFE_STRING_MAX_LENGTH",
    "NonEmptySafeStrTuple",
    "SafeStrTuple",
    "contains_unsafe_chars",
    "get_safe_chars",
    "replace_unsafe_chars",
]


def get_safe_chars() -> set[str]:
    """Return a copy of the set of characters allowed in key segments."""
    return set(SAFE_CHARS_SET)


def contains_unsafe_chars(a_str: str) -> bool:
    """Tell whether ``a_str`` has a character outside the safe set."""
    return not SAFE_CHARS_SET.issuperset(a_str)


def replace_unsafe_chars(a_str: str, replace_with: str) -> str:
    """Return ``a_str`` with every character outside the safe set replaced."""
    return "".join(c if c in SAFE_CHARS_SET else replace_with for c in a_str)


def _segment_error(segment: str) -> ValueError:
    """Build the ValueError that says what is wrong with a segment and how to fix it."""
    if not segment:
        msg = "key segments must be non-empty strings; got ''"
    elif segment in (".", ".."):
        msg = f"{segment!r} is not allowed as a key segment; use another name"
    elif len(segment) >= SAFE_STRING_MAX_LENGTH:
        msg = (
            f"key segment is {len(segment)} characters long; the limit is "
            f"{SAFE_STRING_MAX_LENGTH - 1}: split it into several segments"
        )
    else:
        bad = sorted({c for c in segment if c not in SAFE_CHARS_SET})
        msg = (
            f"key segment {segment[:60]!r} contains disallowed characters {bad}; "
            f"allowed are {_SAFE_HINT} (replace_unsafe_chars(s, '_') makes a safe segment)"
        )
    return ValueError(msg)


def _check_segment(segment: str) -> str:
    """Return ``segment`` if it is a valid key segment, else raise ValueError."""
    if segment in _valid_segments:
        return segment
    if _SEGMENT_RE.fullmatch(segment) is None or segment in (".", ".."):
        raise _segment_error(segment)
    if len(_valid_segments) >= _CACHE_LIMIT:
        _valid_segments.clear()
    _valid_segments.add(segment)
    return segment


def _is_sequence_not_mapping(obj: Any) -> bool:
    """Tell whether ``obj`` is flattened as a sequence of segments (persidict's rule)."""
    if isinstance(obj, Sequence) and not isinstance(obj, Mapping):
        return True
    if callable(getattr(obj, "keys", None)):
        return False
    return all(callable(getattr(obj, name, None))
               for name in ("__getitem__", "__len__", "__iter__"))


def _flatten(args: tuple[Any, ...], out: list[str]) -> None:
    """Append the validated segments of ``args`` to ``out``, flattening nested sequences."""
    for arg in args:
        if isinstance(arg, str):
            out.append(_check_segment(arg))
        elif isinstance(arg, SafeStrTuple):
            out.extend(arg)
        elif _is_sequence_not_mapping(arg):
            _flatten(tuple(arg), out)
        else:
            msg = (
                f"a key is a str or a sequence of str; got {type(arg).__name__} "
                f"({arg!r:.60}): convert it with str() first"
            )
            raise TypeError(msg)


class SafeStrTuple(tuple[str, ...]):
    """An immutable, flat, hashable tuple of safe strings; may be empty.

    Accepts strings, sequences of strings (flattened, at any depth) and other
    ``SafeStrTuple`` objects. Raises ValueError for a bad segment and TypeError
    for anything that is neither a string nor a sequence.
    """

    __slots__ = ()

    @calls_out
    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        """Flatten and validate ``args`` into a new tuple."""
        if kwargs:
            msg = f"{cls.__name__} takes no keyword arguments; got {sorted(kwargs)}"
            raise TypeError(msg)
        if len(args) == 1 and type(args[0]) is cls:
            return args[0]
        segments: list[str] = []
        _flatten(args, segments)
        return tuple.__new__(cls, segments)

    @property
    def strings(self) -> tuple[str, ...]:
        """The segments as a plain tuple."""
        return tuple(self)

    str_chain = strings

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence with the same segments.

        A subclass that overrides ``__eq__`` has the last word in both operand
        orders (as in persidict): a plain SafeStrTuple defers to it.
        """
        if isinstance(other, tuple):
            if (isinstance(other, SafeStrTuple) and type(self).__eq__ is SafeStrTuple.__eq__
                    and type(other).__eq__ is not SafeStrTuple.__eq__):
                return type(other).__eq__(other, self)
            return tuple.__eq__(self, other)
        try:
            return tuple.__eq__(self, SafeStrTuple(other))
        except (TypeError, ValueError):
            return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = tuple.__hash__

    def __add__(self, other: Any) -> SafeStrTuple:
        return SafeStrTuple(self, SafeStrTuple(other))

    def __radd__(self, other: Any) -> SafeStrTuple:
        return SafeStrTuple(SafeStrTuple(other), self)

    # persidict's SafeStrTuple answers reversed() with a reversed tuple, not an iterator
    def __reversed__(self) -> SafeStrTuple:  # type: ignore[override]  # see above
        return tuple.__new__(SafeStrTuple, self[::-1])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({tuple(self)!r})"

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self


class NonEmptySafeStrTuple(SafeStrTuple):
    """A ``SafeStrTuple`` with at least one segment: the type of every item key."""

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        """Flatten and validate ``args``; raise ValueError if nothing is left."""
        result = super().__new__(cls, *args, **kwargs)
        if not result:
            msg = "a key needs at least one segment; got an empty key"
            raise ValueError(msg)
        return result


PersiDictKey = SafeStrTuple | Sequence[str] | str
"""A prefix: may be empty."""
NonEmptyPersiDictKey = NonEmptySafeStrTuple | Sequence[str] | str
"""An item key: at least one segment."""


def _leaf_ok(segment: str) -> bool:
    """Whether ``segment`` is valid, without caching it (leaf names rarely repeat)."""
    return _SEGMENT_RE.fullmatch(segment) is not None and segment != "." and segment != ".."


@calls_out
def to_path(key: Any) -> tuple[str, ...]:
    """Normalise an item key to a plain non-empty tuple of valid segments.

    Fast paths: a str, or a tuple of str whose leading segments were seen valid
    before (one C-level set look-up) and whose last segment passes one regex.
    Leading segments are cached; last segments are not, so a million distinct
    leaf names do not flush the cache. Anything else goes through
    ``NonEmptySafeStrTuple``.
    """
    kind = type(key)
    if kind is str:
        if _SEGMENT_RE.fullmatch(key) is not None and key != "." and key != "..":  # _leaf_ok
            return (key,)
        raise _segment_error(key)
    if kind is tuple and key:
        leading = key[:-1]
        try:
            known = _valid_segments.issuperset(leading)
        except TypeError:  # an unhashable segment: the slow path says what is wrong
            known = False
        else:
            if not known and all(type(segment) is str for segment in leading):
                for segment in leading:
                    _check_segment(segment)
                known = True
        leaf = key[-1]
        if known and type(leaf) is str:
            if _leaf_ok(leaf):
                path: tuple[str, ...] = key  # every segment is a valid str: checked above
                return path
            raise _segment_error(leaf)
    return tuple(NonEmptySafeStrTuple(key))


def key_of(path: tuple[str, ...]) -> NonEmptySafeStrTuple:
    """Wrap an already-validated path as the key type users see (no re-validation)."""
    return tuple.__new__(NonEmptySafeStrTuple, path)


@calls_out
def to_prefix(prefix: Any) -> tuple[str, ...]:
    """Normalise a prefix (which may be empty) to a plain tuple of valid segments."""
    if isinstance(prefix, SafeStrTuple):
        return tuple(prefix)
    return tuple(SafeStrTuple(prefix))
