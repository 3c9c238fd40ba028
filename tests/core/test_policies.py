from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import persidict
import pytest

import localdict_nb
from localdict_nb import BackendError, ConcurrencyConflictError, MutationPolicyError

KEY = ("a", "k")


def _append_only(impl: type) -> Any:
    d = impl(append_only=True)
    d[KEY] = {"v": 1}
    return d


Op = Callable[[Any, ModuleType], object]

FORBIDDEN: dict[str, Op] = {
    "overwrite": lambda d, api: d.__setitem__(KEY, {"v": 2}),
    "del": lambda d, api: d.__delitem__(KEY),
    "del_absent": lambda d, api: d.__delitem__("absent"),
    "discard": lambda d, api: d.discard(KEY),
    "discard_absent": lambda d, api: d.discard("absent"),
    "delete_if_exists": lambda d, api: d.delete_if_exists(KEY),
    "pop": lambda d, api: d.pop(KEY),
    "pop_absent_with_default": lambda d, api: d.pop("absent", None),
    "popitem": lambda d, api: d.popitem(),
    "clear": lambda d, api: d.clear(),
    "DELETE_CURRENT": lambda d, api: d.__setitem__(KEY, api.DELETE_CURRENT),
    "set_item_if_overwrite": lambda d, api: d.set_item_if(
        KEY, value=2, condition=api.ANY_ETAG, expected_etag=api.ITEM_NOT_AVAILABLE),
    "set_item_if_delete": lambda d, api: d.set_item_if(
        KEY, value=api.DELETE_CURRENT, condition=api.ANY_ETAG,
        expected_etag=api.ITEM_NOT_AVAILABLE),
    "discard_if": lambda d, api: d.discard_if(KEY, condition=api.ETAG_IS_THE_SAME,
                                              expected_etag=d.etag(KEY)),
    "transform_item_delete": lambda d, api: d.transform_item(
        KEY, transformer=lambda _: api.DELETE_CURRENT),
    "transform_item_update": lambda d, api: d.transform_item(KEY, transformer=lambda v: 3),
    "update": lambda d, api: d.update({KEY: 4}),
}

ALLOWED: dict[str, Op] = {
    "new_key": lambda d, api: d.__setitem__(("a", "new"), 5),
    "KEEP_CURRENT": lambda d, api: d.__setitem__(KEY, api.KEEP_CURRENT),
    "KEEP_CURRENT_absent": lambda d, api: d.__setitem__("absent", api.KEEP_CURRENT),
    "set_item_if_keep": lambda d, api: d.set_item_if(
        KEY, value=api.KEEP_CURRENT, condition=api.ANY_ETAG,
        expected_etag=api.ITEM_NOT_AVAILABLE),
    "transform_item_keep": lambda d, api: d.transform_item(
        KEY, transformer=lambda _: api.KEEP_CURRENT),
    "transform_item_delete_absent": lambda d, api: d.transform_item(
        "absent", transformer=lambda _: api.DELETE_CURRENT),
    "discard_if_absent": lambda d, api: d.discard_if("absent", condition=api.ANY_ETAG,
                                                     expected_etag=api.ITEM_NOT_AVAILABLE),
    "discard_if_unsatisfied": lambda d, api: d.discard_if(KEY, condition=api.ETAG_IS_THE_SAME,
                                                          expected_etag="stale"),
    "setdefault_present": lambda d, api: d.setdefault(KEY, 0),
    "setdefault_if_present": lambda d, api: d.setdefault_if(
        KEY, default_value=0, condition=api.ANY_ETAG, expected_etag=api.ITEM_NOT_AVAILABLE),
}


@pytest.mark.parametrize("operation", FORBIDDEN)
def test_append_only_forbids_changes(impl: type, impl_pkg: ModuleType, operation: str) -> None:
    d = _append_only(impl)
    etag = d.etag(KEY)
    with pytest.raises(impl_pkg.MutationPolicyError) as info:
        FORBIDDEN[operation](d, impl_pkg)
    assert isinstance(info.value, TypeError)
    assert info.value.policy == "append-only"
    assert dict(d.items()) == {KEY: {"v": 1}}
    assert d.etag(KEY) == etag


@pytest.mark.parametrize("operation", ALLOWED)
def test_append_only_allows_new_keys_and_keep_current(impl: type, impl_pkg: ModuleType,
                                                      operation: str) -> None:
    d = _append_only(impl)
    etag = d.etag(KEY)
    ALLOWED[operation](d, impl_pkg)
    assert d[KEY] == {"v": 1}
    assert d.etag(KEY) == etag
    assert "absent" not in d


def test_append_only_writes_new_keys_through_every_path(impl: type,
                                                         impl_pkg: ModuleType) -> None:
    d = _append_only(impl)
    na, any_etag = impl_pkg.ITEM_NOT_AVAILABLE, impl_pkg.ANY_ETAG
    d["b"] = 1
    d.set_item_if("c", value=2, condition=any_etag, expected_etag=na)
    d.setdefault("e", 3)
    d.setdefault_if("f", default_value=4, condition=any_etag, expected_etag=na)
    d.transform_item("g", transformer=lambda _: 5)
    d.get_subdict("sub")["h"] = 6
    assert dict(d.items()) == {KEY: {"v": 1}, ("b",): 1, ("c",): 2, ("e",): 3, ("f",): 4,
                               ("g",): 5, ("sub", "h"): 6}


def test_append_only_subdict_inherits_the_policy(impl: type, impl_pkg: ModuleType) -> None:
    d = _append_only(impl)
    view = d.get_subdict("a")
    assert view.append_only
    with pytest.raises(impl_pkg.MutationPolicyError):
        view["k"] = 2
    with pytest.raises(impl_pkg.MutationPolicyError):
        view.clear()
    assert d[KEY] == {"v": 1}


def test_failed_append_only_overwrite_spends_no_counter() -> None:
    d = localdict_nb.LocalDict(append_only=True)
    d[KEY] = 1
    before = d.write_counter
    with pytest.raises(MutationPolicyError):
        d[KEY] = 2
    assert d.write_counter == before
    d["b"] = 3
    assert d.etag("b") == str(before + 1)


WRONG_TYPE_WRITES: dict[str, Op] = {
    "setitem": lambda d, api: d.__setitem__(KEY, "text"),
    "set_item_if": lambda d, api: d.set_item_if(
        KEY, value="text", condition=api.ANY_ETAG, expected_etag=api.ITEM_NOT_AVAILABLE),
    "setdefault": lambda d, api: d.setdefault(KEY, "text"),
    "setdefault_if": lambda d, api: d.setdefault_if(
        KEY, default_value="text", condition=api.ANY_ETAG, expected_etag=api.ITEM_NOT_AVAILABLE),
    "transform_item": lambda d, api: d.transform_item(KEY, transformer=lambda _: "text"),
    "update": lambda d, api: d.update({KEY: "text"}),
    "subdict": lambda d, api: d.get_subdict("a").__setitem__("k", "text"),
}


@pytest.mark.parametrize("operation", WRONG_TYPE_WRITES)
def test_base_class_for_values_rejects_wrong_types(impl: type, impl_pkg: ModuleType,
                                                   operation: str) -> None:
    d = impl(base_class_for_values=int)
    with pytest.raises(TypeError):
        WRONG_TYPE_WRITES[operation](d, impl_pkg)
    assert KEY not in d
    assert len(d) == 0


def test_base_class_for_values_accepts_subclasses(impl: type) -> None:
    d = impl(base_class_for_values=int)
    d["flag"] = True
    d["n"] = 7
    assert dict(d.items()) == {("flag",): True, ("n",): 7}
    with pytest.raises(TypeError):
        d["n"] = 7.5
    assert d["n"] == 7


def test_stricter_second_dict_refuses_to_read(impl: type) -> None:
    loose = impl()
    loose["k"] = "text"
    strict = impl(backend=loose.get_params()["backend"], base_class_for_values=int)
    assert "k" in strict
    assert len(strict) == 1
    assert list(strict.keys()) == [("k",)]
    for read in (lambda: strict["k"], lambda: list(strict.values()),
                 lambda: list(strict.items()), lambda: strict.get_with_etag("k"),
                 lambda: strict.setdefault("k", 1)):
        with pytest.raises(TypeError, match="int"):
            read()
    assert loose["k"] == "text"


@pytest.mark.parametrize("operation", ["setitem", "set_item_if", "setdefault", "transform_item"])
def test_storing_a_persidict_raises_type_error(impl: type, impl_pkg: ModuleType,
                                               operation: str) -> None:
    d = impl()
    other = impl()
    other["x"] = 1
    writes: dict[str, Callable[[], object]] = {
        "setitem": lambda: d.__setitem__(KEY, other),
        "set_item_if": lambda: d.set_item_if(KEY, value=other, condition=impl_pkg.ANY_ETAG,
                                             expected_etag=impl_pkg.ITEM_NOT_AVAILABLE),
        "setdefault": lambda: d.setdefault(KEY, other),
        "transform_item": lambda: d.transform_item(KEY, transformer=lambda _: other),
    }
    with pytest.raises(TypeError, match="PersiDict"):
        writes[operation]()
    assert len(d) == 0
    d[KEY] = dict(other.items())
    assert d[KEY] == {("x",): 1}


def _mro_names(cls: type) -> list[str]:
    return [c.__name__ for c in cls.__mro__]


@pytest.mark.parametrize("name", ["MutationPolicyError", "ConcurrencyConflictError",
                                  "BackendError"])
def test_exception_hierarchy_matches_persidict(name: str) -> None:
    assert _mro_names(getattr(localdict_nb, name)) == _mro_names(getattr(persidict, name))


def test_mutation_policy_error_fields() -> None:
    error = MutationPolicyError("append-only")
    assert isinstance(error, TypeError)
    assert error.policy == "append-only"
    assert str(error) == str(persidict.MutationPolicyError("append-only")) == "append-only"
    with pytest.raises(TypeError):
        raise error


def test_concurrency_conflict_error_fields() -> None:
    error = ConcurrencyConflictError(("a", "k"), 7)
    assert isinstance(error, RuntimeError)
    assert not isinstance(error, TypeError)
    assert error.key == ("a", "k")
    assert error.attempts == 7
    assert str(error) == str(persidict.ConcurrencyConflictError(("a", "k"), 7))
    assert "7 attempt" in str(error)


def test_backend_error_fields() -> None:
    cause = OSError("disk gone")
    try:
        try:
            raise cause
        except OSError as exc:
            raise BackendError("cannot store", backend="ram", operation="put", key=KEY) from exc
    except RuntimeError as caught:
        error = caught
    assert isinstance(error, BackendError)
    assert error.backend == "ram"
    assert error.operation == "put"
    assert error.key == KEY
    assert error.__cause__ is cause
    assert str(error) == "cannot store"
    assert BackendError("m", backend="b", operation="o").key is None
    with pytest.raises(TypeError):
        BackendError("m", "b", "o")  # type: ignore[misc]  # the fields are keyword-only on purpose
    with pytest.raises(TypeError):
        persidict.BackendError("m", "b", "o")  # type: ignore[misc]  # the fields are keyword-only on purpose
