"""persidict's own jokers, ETag conditions, retrieve flags and sentinels mean what ours mean.

Code moving from persidict keeps ``from persidict import KEEP_CURRENT`` for a while; each
place a LocalDict accepts one of our flags must take persidict's too, without importing
persidict when it is not imported already.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from typing import Any

import persidict
import persidict.jokers_and_status_flags as their_flags
import pytest

import localdict_nb
from localdict_nb import (
    ALWAYS_RETRIEVE,
    ITEM_NOT_AVAILABLE,
    VALUE_NOT_RETRIEVED,
    LocalDict,
    SafeStrTuple,
)


@pytest.fixture
def d() -> LocalDict:
    d = LocalDict()
    d["k"] = 1
    return d


def test_keep_current_from_persidict_keeps_the_value(d: LocalDict) -> None:
    d["k"] = persidict.KEEP_CURRENT
    d["absent"] = persidict.KEEP_CURRENT
    assert dict(d.items()) == {("k",): 1}
    assert d.etag("k") == "1"


def test_delete_current_from_persidict_deletes(d: LocalDict) -> None:
    d["k"] = persidict.DELETE_CURRENT
    assert "k" not in d and len(d) == 0


def test_persidict_jokers_from_a_transformer_and_in_update(d: LocalDict) -> None:
    d.transform_item("k", transformer=lambda v: persidict.KEEP_CURRENT)
    assert d["k"] == 1
    d.transform_item("k", transformer=lambda v: persidict.DELETE_CURRENT)
    assert "k" not in d
    d.update({"a": 1, "b": 2})
    d.update({"a": persidict.DELETE_CURRENT, "b": persidict.KEEP_CURRENT})
    assert dict(d.items()) == {("b",): 2}


def test_persidict_conditions_etags_and_retrieve_flags(d: LocalDict) -> None:
    res = d.set_item_if("new", value=5, condition=persidict.ETAG_IS_THE_SAME,
                        expected_etag=persidict.ITEM_NOT_AVAILABLE)
    assert res.condition_was_satisfied and d["new"] == 5
    res = d.get_item_if("k", condition=persidict.ETAG_HAS_CHANGED,
                        expected_etag=persidict.ITEM_NOT_AVAILABLE,
                        retrieve_value=persidict.NEVER_RETRIEVE)
    assert res.condition_was_satisfied and res.new_value is VALUE_NOT_RETRIEVED
    res = d.get_item_if("k", condition=persidict.ANY_ETAG, expected_etag="1",
                        retrieve_value=persidict.IF_ETAG_CHANGED)
    assert res.new_value is VALUE_NOT_RETRIEVED
    res = d.set_item_if("k", value=persidict.DELETE_CURRENT, condition=persidict.ANY_ETAG,
                        expected_etag=ITEM_NOT_AVAILABLE, retrieve_value=ALWAYS_RETRIEVE)
    assert res.condition_was_satisfied and "k" not in d
    res = d.discard_if("new", condition=persidict.ETAG_IS_THE_SAME, expected_etag=d.etag("new"))
    assert res.condition_was_satisfied and "new" not in d
    res = d.setdefault_if("s", default_value=3, condition=persidict.ETAG_IS_THE_SAME,
                          expected_etag=persidict.ITEM_NOT_AVAILABLE)
    assert res.condition_was_satisfied and d["s"] == 3


@pytest.mark.parametrize("joker", [persidict.KEEP_CURRENT, persidict.DELETE_CURRENT])
def test_persidict_jokers_are_refused_as_defaults(d: LocalDict, joker: Any) -> None:
    with pytest.raises(TypeError, match="Joker"):
        d.setdefault("x", joker)
    with pytest.raises(TypeError, match="Joker"):
        d.setdefault_if("x", default_value=joker, condition=persidict.ANY_ETAG,
                        expected_etag=persidict.ITEM_NOT_AVAILABLE)
    assert "x" not in d


def test_every_persidict_flag_has_ours_with_the_same_names() -> None:
    for name, value in vars(their_flags).items():
        if isinstance(value, persidict.jokers_and_status_flags.SingletonMixin) and name.isupper():
            ours = getattr(localdict_nb, name)
            assert type(ours).__name__ == type(value).__name__
            assert localdict_nb.engine.jokers.native(value) is ours
            assert copy.deepcopy(ours) is ours and pickle.loads(pickle.dumps(ours)) is ours
    assert isinstance(localdict_nb.EXECUTION_IS_COMPLETE, localdict_nb.StatusFlag)
    assert repr(localdict_nb.CONTINUE_NORMAL_EXECUTION) == "CONTINUE_NORMAL_EXECUTION"


def test_flags_are_understood_without_importing_persidict() -> None:
    code = (
        "import sys, localdict_nb as l\n"
        "d = l.LocalDict(); d['k'] = l.KEEP_CURRENT; d['a'] = 1; d['a'] = l.DELETE_CURRENT\n"
        "d.set_item_if('b', value=2, condition=l.ETAG_IS_THE_SAME,"
        " expected_etag=l.ITEM_NOT_AVAILABLE)\n"
        "assert dict(d.items()) == {('b',): 2}\n"
        "print('persidict' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


class _Never(SafeStrTuple):
    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = SafeStrTuple.__hash__


class _TheirNever(persidict.SafeStrTuple):
    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = persidict.SafeStrTuple.__hash__


@pytest.mark.parametrize("pkg, never", [(localdict_nb, _Never), (persidict, _TheirNever)],
                         ids=["ours", "persidict"])
def test_a_subclass_that_overrides_eq_has_the_last_word_both_ways(pkg: Any, never: type) -> None:
    plain, odd = pkg.SafeStrTuple("a", "b"), never("a", "b")
    assert (plain == odd, odd == plain) == (False, False)
    assert (plain != odd, odd != plain) == (True, True)
    assert pkg.NonEmptySafeStrTuple("a", "b") == plain == ("a", "b")


def test_contains_unsafe_chars_matches_persidict() -> None:
    for text in ["abc", "a b", "", "x/y", "ok_-.~()="]:
        assert localdict_nb.contains_unsafe_chars(text) == persidict.contains_unsafe_chars(text)
