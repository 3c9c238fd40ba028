from __future__ import annotations

import copy
import pickle
import string
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import persidict
import pytest

import localdict_nb
from localdict_nb import (
    SAFE_CHARS_SET,
    SAFE_STRING_MAX_LENGTH,
    NonEmptySafeStrTuple,
    SafeStrTuple,
    get_safe_chars,
    replace_unsafe_chars,
)


class _Duck:
    """Sequence-like by duck typing only: not registered as a collections.abc.Sequence."""

    def __init__(self, *items: Any) -> None:
        self._items = list(items)

    def __getitem__(self, i: int) -> Any:
        return self._items[i]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)


class _DuckMapping(_Duck):
    def keys(self) -> list[Any]:
        return []


def _gen() -> Iterator[str]:
    yield "a"


BAD_TYPES: list[Any] = [
    {"a": 1}, {"a"}, frozenset({"a"}), 5, 1.5, None, _gen(), _DuckMapping("a"), b"ab", object(),
]
BAD_SEGMENTS: list[str] = ["", ".", "..", "a" * 254, "a/b", "a b", "caf\u00e9", "a\\b", "a:b", "*"]


# --- construction and flattening ------------------------------------------------------------


def test_flattening_of_nested_arguments(impl_pkg: ModuleType) -> None:
    sst = impl_pkg.SafeStrTuple
    inner = sst("c", "d")
    key = sst("a", ["b", (inner, ["e", ["f"]])], inner)
    assert tuple(key) == ("a", "b", "c", "d", "e", "f", "c", "d")
    assert len(key) == 8
    assert key[1] == "b"
    assert "e" in key
    assert "z" not in key


def test_empty_sequences_are_skipped(impl_pkg: ModuleType) -> None:
    sst = impl_pkg.SafeStrTuple
    assert tuple(sst("a", [], (), ["b", [[]]], sst())) == ("a", "b")
    assert len(sst()) == 0
    assert len(sst([], ())) == 0


def test_duck_typed_sequences_are_flattened(impl_pkg: ModuleType) -> None:
    key = impl_pkg.SafeStrTuple(_Duck("p", _Duck("q")), ["r"])
    assert tuple(key) == ("p", "q", "r")


def test_other_package_safe_str_tuple_is_flattened(impl_pkg: ModuleType) -> None:
    for other in (SafeStrTuple("x", "y"), persidict.SafeStrTuple("x", "y")):
        assert tuple(impl_pkg.SafeStrTuple("a", other)) == ("a", "x", "y")
        assert tuple(impl_pkg.NonEmptySafeStrTuple(other)) == ("x", "y")


@pytest.mark.parametrize("bad", BAD_TYPES, ids=lambda b: type(b).__name__)
def test_non_sequences_are_rejected_with_type_error(impl_pkg: ModuleType, bad: Any) -> None:
    with pytest.raises(TypeError):
        impl_pkg.SafeStrTuple(bad)
    with pytest.raises(TypeError):
        impl_pkg.NonEmptySafeStrTuple("ok", [bad])


def test_keyword_arguments_are_rejected(impl_pkg: ModuleType) -> None:
    with pytest.raises(TypeError):
        impl_pkg.SafeStrTuple("a", b="c")
    with pytest.raises(TypeError):
        impl_pkg.NonEmptySafeStrTuple("a", b="c")


@pytest.mark.parametrize("bad", BAD_SEGMENTS, ids=repr)
def test_bad_segments_are_rejected_with_value_error(impl_pkg: ModuleType, bad: str) -> None:
    with pytest.raises(ValueError):
        impl_pkg.SafeStrTuple(bad)
    with pytest.raises(ValueError):
        impl_pkg.SafeStrTuple("ok", ["fine", bad])
    with pytest.raises(ValueError):
        impl_pkg.NonEmptySafeStrTuple(bad)


def test_segment_length_limit(impl_pkg: ModuleType) -> None:
    assert impl_pkg.SAFE_STRING_MAX_LENGTH == 254
    longest = "x" * (impl_pkg.SAFE_STRING_MAX_LENGTH - 1)
    assert tuple(impl_pkg.SafeStrTuple(longest)) == (longest,)
    with pytest.raises(ValueError):
        impl_pkg.SafeStrTuple(longest + "x")


def test_dots_are_fine_inside_longer_segments(impl_pkg: ModuleType) -> None:
    key = impl_pkg.SafeStrTuple("...", ".a", "a..b", "(x)_-~.=")
    assert tuple(key) == ("...", ".a", "a..b", "(x)_-~.=")


def test_every_safe_char_is_accepted_and_every_other_ascii_char_rejected(
        impl_pkg: ModuleType) -> None:
    for c in sorted(impl_pkg.SAFE_CHARS_SET):
        assert tuple(impl_pkg.SafeStrTuple(f"a{c}")) == (f"a{c}",)
    for code in range(128):
        c = chr(code)
        if c not in impl_pkg.SAFE_CHARS_SET:
            with pytest.raises(ValueError):
                impl_pkg.SafeStrTuple(f"a{c}")


def test_non_empty_tuple_needs_a_segment(impl_pkg: ModuleType) -> None:
    for empty in ((), ([],), ((), []), (impl_pkg.SafeStrTuple(),)):
        with pytest.raises(ValueError):
            impl_pkg.NonEmptySafeStrTuple(*empty)
    assert tuple(impl_pkg.NonEmptySafeStrTuple([], "a")) == ("a",)


def test_validation_is_repeatable_after_a_segment_was_seen_valid() -> None:
    assert SafeStrTuple("seen") == ("seen",)
    assert SafeStrTuple("seen") == ("seen",)
    for bad in ("seen/", "seen ", ".."):
        with pytest.raises(ValueError):
            SafeStrTuple(bad)


# --- error messages (ours) ----------------------------------------------------------------


def test_error_messages_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"'/'") as bad_char:
        SafeStrTuple("a/b")
    assert "a/b" in str(bad_char.value)
    with pytest.raises(ValueError, match=r"'\?'"):
        SafeStrTuple("what?")
    with pytest.raises(ValueError, match="253") as too_long:
        SafeStrTuple("x" * 300)
    assert "300" in str(too_long.value)
    with pytest.raises(ValueError, match="non-empty"):
        SafeStrTuple("")
    with pytest.raises(ValueError, match=r"'\.\.'"):
        SafeStrTuple("..")
    with pytest.raises(ValueError, match="at least one segment"):
        NonEmptySafeStrTuple()
    with pytest.raises(TypeError, match="dict"):
        SafeStrTuple({"a": 1})
    with pytest.raises(TypeError, match="int"):
        NonEmptySafeStrTuple("a", 5)
    with pytest.raises(TypeError, match="sep"):
        SafeStrTuple("a", sep="/")


# --- equality, hashing, operators --------------------------------------------------------------


def test_equality_with_tuples_both_ways(impl_pkg: ModuleType) -> None:
    key = impl_pkg.SafeStrTuple("a", "b")
    assert key == ("a", "b")
    assert ("a", "b") == key
    assert key != ("a",)
    assert ("b", "a") != key
    assert not (key != ("a", "b"))
    assert impl_pkg.SafeStrTuple() == ()


def test_equality_with_strings_and_lists_both_ways(impl_pkg: ModuleType) -> None:
    key = impl_pkg.SafeStrTuple("a")
    assert key == "a"
    assert "a" == key
    assert key != "b"
    assert "b" != key
    assert impl_pkg.SafeStrTuple("a", "b") == ["a", "b"]
    assert ["a", "b"] == impl_pkg.SafeStrTuple("a", "b")


def test_equality_with_unconvertible_objects_is_false(impl_pkg: ModuleType) -> None:
    key = impl_pkg.SafeStrTuple("a", "b")
    for other in ("a/b", 5, None, {"a": 1}, ["a", ""]):
        assert key != other
        assert not (key == other)


def test_equality_between_the_two_packages(impl_pkg: ModuleType) -> None:
    ours = NonEmptySafeStrTuple("a", "b")
    theirs = persidict.NonEmptySafeStrTuple("a", "b")
    key = impl_pkg.SafeStrTuple("a", "b")
    assert key == ours and ours == key
    assert key == theirs and theirs == key
    assert ours != persidict.SafeStrTuple("a")


def test_hash_equals_tuple_hash(impl_pkg: ModuleType) -> None:
    key = impl_pkg.NonEmptySafeStrTuple("a", "b")
    assert hash(key) == hash(("a", "b"))
    assert hash(impl_pkg.SafeStrTuple()) == hash(())
    assert {key: 1}[("a", "b")] == 1
    assert hash(NonEmptySafeStrTuple("a", "b")) == hash(persidict.NonEmptySafeStrTuple("a", "b"))


@pytest.mark.parametrize("left, right, expected", [
    (("a",), "b", ("a", "b")),
    (("a",), ("b", "c"), ("a", "b", "c")),
    (("a",), ["b", ["c"]], ("a", "b", "c")),
    (("a",), (), ("a",)),
])
def test_add(impl_pkg: ModuleType, left: tuple[str, ...], right: Any,
             expected: tuple[str, ...]) -> None:
    result = impl_pkg.SafeStrTuple(left) + right
    assert isinstance(result, impl_pkg.SafeStrTuple)
    assert tuple(result) == expected


@pytest.mark.parametrize("left", ["x", ("x",), ["x"]], ids=["str", "tuple", "list"])
def test_radd(impl_pkg: ModuleType, left: Any) -> None:
    result = left + impl_pkg.SafeStrTuple("a", "b")
    assert isinstance(result, impl_pkg.SafeStrTuple)
    assert tuple(result) == ("x", "a", "b")


def test_add_validates_the_other_operand(impl_pkg: ModuleType) -> None:
    with pytest.raises(ValueError):
        impl_pkg.SafeStrTuple("a") + "b/c"
    with pytest.raises(TypeError):
        impl_pkg.SafeStrTuple("a") + 5
    with pytest.raises(ValueError):
        "b/c" + impl_pkg.SafeStrTuple("a")


def test_reversed(impl_pkg: ModuleType) -> None:
    result = reversed(impl_pkg.SafeStrTuple("a", "b", "c"))
    assert isinstance(result, impl_pkg.SafeStrTuple)
    assert tuple(result) == ("c", "b", "a")


def test_repr(impl_pkg: ModuleType) -> None:
    assert repr(impl_pkg.SafeStrTuple("a", "b")) == "SafeStrTuple(('a', 'b'))"
    assert repr(impl_pkg.NonEmptySafeStrTuple("a")) == "NonEmptySafeStrTuple(('a',))"
    assert repr(impl_pkg.SafeStrTuple()) == "SafeStrTuple(())"


def test_copy_and_deepcopy_return_the_same_object(impl_pkg: ModuleType) -> None:
    for key in (impl_pkg.SafeStrTuple("a", "b"), impl_pkg.NonEmptySafeStrTuple("c")):
        assert copy.copy(key) is key
        assert copy.deepcopy(key) is key
        assert copy.deepcopy({"k": [key]})["k"][0] is key


def test_pickle_round_trip_keeps_type_and_value(impl_pkg: ModuleType) -> None:
    for key in (impl_pkg.SafeStrTuple("a", "b"), impl_pkg.NonEmptySafeStrTuple("c"),
                impl_pkg.SafeStrTuple()):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            restored = pickle.loads(pickle.dumps(key, protocol))
            assert type(restored) is type(key)
            assert restored == key
            assert hash(restored) == hash(key)


def test_strings_and_str_chain(impl_pkg: ModuleType) -> None:
    key = impl_pkg.NonEmptySafeStrTuple("a", ["b"])
    assert key.strings == ("a", "b")
    assert type(key.strings) is tuple
    assert key.str_chain == ("a", "b")
    assert type(key.str_chain) is tuple


# --- ours only: a real tuple ------------------------------------------------------------


def test_safe_str_tuple_is_a_sortable_tuple() -> None:
    keys = [NonEmptySafeStrTuple("b"), SafeStrTuple("a", "z"), SafeStrTuple("a"), SafeStrTuple()]
    assert all(isinstance(k, tuple) for k in keys)
    assert sorted(keys) == [(), ("a",), ("a", "z"), ("b",)]
    assert SafeStrTuple("a") < ("b",)
    assert max(keys) == ("b",)


def test_same_type_argument_is_returned_as_is() -> None:
    key = SafeStrTuple("a", "b")
    assert SafeStrTuple(key) is key
    non_empty = NonEmptySafeStrTuple(key)
    assert type(non_empty) is NonEmptySafeStrTuple
    assert NonEmptySafeStrTuple(non_empty) is non_empty


def test_slicing_and_tuple_methods() -> None:
    key = SafeStrTuple("a", "b", "a")
    assert key[1:] == ("b", "a")
    assert key.count("a") == 2
    assert key.index("b") == 1
    assert list(key) == ["a", "b", "a"]


# --- safe characters ------------------------------------------------------------------------


def test_safe_chars_constants_match_persidict() -> None:
    expected = set(string.ascii_letters + string.digits + "()_-~.=")
    assert SAFE_CHARS_SET == expected
    assert SAFE_CHARS_SET == persidict.get_safe_chars()
    assert SAFE_STRING_MAX_LENGTH == 254
    assert localdict_nb.SAFE_CHARS_SET is SAFE_CHARS_SET


def test_get_safe_chars_returns_a_copy(impl_pkg: ModuleType) -> None:
    chars = impl_pkg.get_safe_chars()
    assert chars == set(string.ascii_letters + string.digits + "()_-~.=")
    chars.add("/")
    chars.discard("a")
    assert "/" not in impl_pkg.get_safe_chars()
    assert "a" in impl_pkg.get_safe_chars()
    assert impl_pkg.get_safe_chars() is not impl_pkg.get_safe_chars()
    assert get_safe_chars() == persidict.get_safe_chars()


@pytest.mark.parametrize("text, replacement, expected", [
    ("a/b c", "_", "a_b_c"),
    ("safe(1)_-~.=", "_", "safe(1)_-~.="),
    ("a/b", "--", "a--b"),
    ("caf\u00e9!", "", "caf"),
    ("", "_", ""),
])
def test_replace_unsafe_chars(impl_pkg: ModuleType, text: str, replacement: str,
                              expected: str) -> None:
    assert impl_pkg.replace_unsafe_chars(text, replacement) == expected


def test_replace_unsafe_chars_makes_a_valid_segment() -> None:
    text = "".join(chr(c) for c in range(32, 127))
    fixed = replace_unsafe_chars(text, "_")
    assert fixed == persidict.replace_unsafe_chars(text, "_")
    assert tuple(SafeStrTuple(fixed)) == (fixed,)
