from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

import persidict
import pytest

import localdict_nb
from localdict_nb import ConditionalOperationResult

KEY = ("a", "k")
VALUE = {"v": [1, 2]}
NEW = {"v": [3]}

# (condition, expected etag kind, satisfied) for a present key and for an absent key.
PRESENT = [
    ("ANY_ETAG", "actual", True), ("ANY_ETAG", "other", True), ("ANY_ETAG", "absent", True),
    ("ETAG_IS_THE_SAME", "actual", True), ("ETAG_IS_THE_SAME", "other", False),
    ("ETAG_IS_THE_SAME", "absent", False), ("ETAG_HAS_CHANGED", "actual", False),
    ("ETAG_HAS_CHANGED", "other", True), ("ETAG_HAS_CHANGED", "absent", True),
]
ABSENT = [
    ("ANY_ETAG", "absent", True), ("ANY_ETAG", "other", True),
    ("ETAG_IS_THE_SAME", "absent", True), ("ETAG_IS_THE_SAME", "other", False),
    ("ETAG_HAS_CHANGED", "absent", False), ("ETAG_HAS_CHANGED", "other", True),
]
RETRIEVE = ["ALWAYS_RETRIEVE", "NEVER_RETRIEVE", "IF_ETAG_CHANGED"]


def _filled(impl: type) -> tuple[Any, str]:
    d = impl()
    d[KEY] = VALUE
    return d, d.etag(KEY)


def _expected(api: ModuleType, kind: str, actual: Any) -> Any:
    return {"actual": actual, "other": "no-such-etag", "absent": api.ITEM_NOT_AVAILABLE}[kind]


def _fetched(api: ModuleType, retrieve: str, expected: Any, actual: Any) -> Any:
    if retrieve == "NEVER_RETRIEVE" or (retrieve == "IF_ETAG_CHANGED" and expected == actual):
        return api.VALUE_NOT_RETRIEVED
    return VALUE


def _absent(api: ModuleType, satisfied: bool) -> Any:
    na = api.ITEM_NOT_AVAILABLE
    return api.ConditionalOperationResult(satisfied, na, na, na)


def test_get_with_etag(impl: type, impl_pkg: ModuleType) -> None:
    d, etag = _filled(impl)
    result = d.get_with_etag(KEY)
    assert result == impl_pkg.ConditionalOperationResult(True, etag, etag, VALUE)
    assert not result.value_was_mutated
    assert d.get_with_etag(("b",)) == _absent(impl_pkg, True)


@pytest.mark.parametrize("method", ["get_item_if", "setdefault_if"])
@pytest.mark.parametrize("retrieve", RETRIEVE)
@pytest.mark.parametrize(("condition", "kind", "satisfied"), PRESENT)
def test_get_item_if_and_setdefault_if_present(impl: type, impl_pkg: ModuleType, condition: str,
                                               kind: str, satisfied: bool, retrieve: str,
                                               method: str) -> None:
    d, etag = _filled(impl)
    expected = _expected(impl_pkg, kind, etag)
    extra = {"default_value": NEW} if method == "setdefault_if" else {}
    result = getattr(d, method)(KEY, condition=getattr(impl_pkg, condition),
                                expected_etag=expected,
                                retrieve_value=getattr(impl_pkg, retrieve), **extra)
    fetched = _fetched(impl_pkg, retrieve, expected, etag)
    assert result == impl_pkg.ConditionalOperationResult(satisfied, etag, etag, fetched)
    assert not result.value_was_mutated
    assert d[KEY] == VALUE
    assert d.etag(KEY) == etag


@pytest.mark.parametrize("method", ["get_item_if", "discard_if"])
@pytest.mark.parametrize(("condition", "kind", "satisfied"), ABSENT)
def test_get_item_if_and_discard_if_absent(impl: type, impl_pkg: ModuleType, condition: str,
                                           kind: str, satisfied: bool, method: str) -> None:
    d = impl()
    flags = [impl_pkg.ALWAYS_RETRIEVE, impl_pkg.NEVER_RETRIEVE, impl_pkg.IF_ETAG_CHANGED]
    for extra in ([{"retrieve_value": f} for f in flags] if method == "get_item_if" else [{}]):
        result = getattr(d, method)(KEY, condition=getattr(impl_pkg, condition),
                                    expected_etag=_expected(impl_pkg, kind, None), **extra)
        assert result == _absent(impl_pkg, satisfied)
    assert len(d) == 0


def test_get_item_if_retrieves_only_if_etag_changed_by_default(impl: type,
                                                                impl_pkg: ModuleType) -> None:
    d, etag = _filled(impl)
    same = d.get_item_if(KEY, condition=impl_pkg.ANY_ETAG, expected_etag=etag)
    changed = d.get_item_if(KEY, condition=impl_pkg.ANY_ETAG, expected_etag="stale")
    assert same.new_value is impl_pkg.VALUE_NOT_RETRIEVED
    assert changed.new_value == VALUE


@pytest.mark.parametrize("value", ["new", "KEEP_CURRENT", "DELETE_CURRENT"])
@pytest.mark.parametrize("retrieve", RETRIEVE)
@pytest.mark.parametrize(("condition", "kind", "satisfied"), PRESENT)
def test_set_item_if_present(impl: type, impl_pkg: ModuleType, condition: str, kind: str,
                             satisfied: bool, retrieve: str, value: str) -> None:
    d, etag = _filled(impl)
    expected = _expected(impl_pkg, kind, etag)
    result = d.set_item_if(KEY, value=getattr(impl_pkg, value, NEW),
                           condition=getattr(impl_pkg, condition), expected_etag=expected,
                           retrieve_value=getattr(impl_pkg, retrieve))
    na = impl_pkg.ITEM_NOT_AVAILABLE
    if not satisfied or value == "KEEP_CURRENT":
        fetched = _fetched(impl_pkg, retrieve, expected, etag)
        assert result == impl_pkg.ConditionalOperationResult(satisfied, etag, etag, fetched)
        assert not result.value_was_mutated
        assert d[KEY] == VALUE
        assert d.etag(KEY) == etag
    elif value == "DELETE_CURRENT":
        assert result == impl_pkg.ConditionalOperationResult(True, etag, na, na)
        assert result.value_was_mutated
        assert KEY not in d
    else:
        assert result.condition_was_satisfied
        assert result.actual_etag == etag
        assert result.resulting_etag == d.etag(KEY) != etag
        assert result.new_value == NEW
        assert result.value_was_mutated
        assert d[KEY] == NEW


@pytest.mark.parametrize("value", ["new", "KEEP_CURRENT", "DELETE_CURRENT"])
@pytest.mark.parametrize("retrieve", RETRIEVE)
@pytest.mark.parametrize(("condition", "kind", "satisfied"), ABSENT)
def test_set_item_if_absent(impl: type, impl_pkg: ModuleType, condition: str, kind: str,
                            satisfied: bool, retrieve: str, value: str) -> None:
    d = impl()
    result = d.set_item_if(KEY, value=getattr(impl_pkg, value, NEW),
                           condition=getattr(impl_pkg, condition),
                           expected_etag=_expected(impl_pkg, kind, None),
                           retrieve_value=getattr(impl_pkg, retrieve))
    if satisfied and value == "new":
        assert result == impl_pkg.ConditionalOperationResult(
            True, impl_pkg.ITEM_NOT_AVAILABLE, d.etag(KEY), NEW)
        assert result.value_was_mutated
        assert d[KEY] == NEW
    else:
        assert result == _absent(impl_pkg, satisfied)
        assert not result.value_was_mutated
        assert len(d) == 0


@pytest.mark.parametrize("retrieve", RETRIEVE)
@pytest.mark.parametrize(("condition", "kind", "satisfied"), ABSENT)
def test_setdefault_if_absent(impl: type, impl_pkg: ModuleType, condition: str, kind: str,
                              satisfied: bool, retrieve: str) -> None:
    d = impl()
    default = {"default": True}
    result = d.setdefault_if(KEY, default_value=default, condition=getattr(impl_pkg, condition),
                             expected_etag=_expected(impl_pkg, kind, None),
                             retrieve_value=getattr(impl_pkg, retrieve))
    if satisfied:
        assert result.condition_was_satisfied
        assert result.actual_etag is impl_pkg.ITEM_NOT_AVAILABLE
        assert result.resulting_etag == d.etag(KEY)
        assert result.new_value is default
        assert result.value_was_mutated
        assert d[KEY] == default
    else:
        assert result == _absent(impl_pkg, False)
        assert KEY not in d


@pytest.mark.parametrize(("condition", "kind", "satisfied"), PRESENT)
def test_discard_if_present(impl: type, impl_pkg: ModuleType, condition: str, kind: str,
                            satisfied: bool) -> None:
    d, etag = _filled(impl)
    result = d.discard_if(KEY, condition=getattr(impl_pkg, condition),
                          expected_etag=_expected(impl_pkg, kind, etag))
    na = impl_pkg.ITEM_NOT_AVAILABLE
    if satisfied:
        assert result == impl_pkg.ConditionalOperationResult(True, etag, na, na)
        assert result.value_was_mutated
        assert KEY not in d
    else:
        assert result == impl_pkg.ConditionalOperationResult(
            False, etag, etag, impl_pkg.VALUE_NOT_RETRIEVED)
        assert d[KEY] == VALUE


def test_result_types_match_persidict() -> None:
    assert (list(ConditionalOperationResult.__dataclass_fields__)
            == list(persidict.ConditionalOperationResult.__dataclass_fields__))
    assert (list(localdict_nb.OperationResult.__dataclass_fields__)
            == list(persidict.OperationResult.__dataclass_fields__)
            == ["resulting_etag", "new_value"])


def test_value_was_mutated_compares_etags(impl_pkg: ModuleType) -> None:
    na = impl_pkg.ITEM_NOT_AVAILABLE
    result_type = impl_pkg.ConditionalOperationResult
    assert result_type(True, "1", "2", 0).value_was_mutated
    assert result_type(True, "1", na, na).value_was_mutated
    assert result_type(True, na, "1", 0).value_was_mutated
    assert not result_type(False, "1", "1", 0).value_was_mutated
    assert not result_type(True, na, na, na).value_was_mutated


@pytest.mark.parametrize("present", [True, False])
@pytest.mark.parametrize("method", ["get_item_if", "set_item_if", "setdefault_if", "discard_if"])
@pytest.mark.parametrize("bad", ["ANY_ETAG", "ALWAYS_RETRIEVE", None])
def test_bad_condition_raises_value_error(impl: type, impl_pkg: ModuleType, present: bool,
                                          method: str, bad: str | None) -> None:
    d = impl()
    if present:
        d[KEY] = VALUE
    condition = getattr(impl_pkg, bad) if bad == "ALWAYS_RETRIEVE" else bad
    extra = {"set_item_if": {"value": NEW}, "setdefault_if": {"default_value": NEW}}
    with pytest.raises(ValueError, match="condition"):
        getattr(d, method)(KEY, condition=condition, expected_etag=impl_pkg.ITEM_NOT_AVAILABLE,
                           **extra.get(method, {}))
    assert d.get(KEY) == (VALUE if present else None)


@pytest.mark.parametrize("method", ["get_item_if", "set_item_if", "setdefault_if"])
@pytest.mark.parametrize("bad", ["ANY_ETAG", "always", True])
def test_bad_retrieve_value_raises_type_error(impl: type, impl_pkg: ModuleType, method: str,
                                              bad: Any) -> None:
    d = impl()
    flag = getattr(impl_pkg, bad) if bad == "ANY_ETAG" else bad
    extra = {"set_item_if": {"value": NEW}, "setdefault_if": {"default_value": NEW}}
    with pytest.raises(TypeError, match="retrieve_value"):
        getattr(d, method)(KEY, condition=impl_pkg.ANY_ETAG,
                           expected_etag=impl_pkg.ITEM_NOT_AVAILABLE, retrieve_value=flag,
                           **extra.get(method, {}))
    assert KEY not in d


@pytest.mark.parametrize("joker", ["KEEP_CURRENT", "DELETE_CURRENT"])
def test_setdefault_if_joker_default_raises(impl: type, impl_pkg: ModuleType, joker: str) -> None:
    d = impl()
    with pytest.raises(TypeError, match="Joker"):
        d.setdefault_if(KEY, default_value=getattr(impl_pkg, joker),
                        condition=impl_pkg.ANY_ETAG, expected_etag=impl_pkg.ITEM_NOT_AVAILABLE)
    assert KEY not in d


def test_transform_item_creates_and_updates(impl: type, impl_pkg: ModuleType) -> None:
    d = impl()
    seen: list[Any] = []

    def bump(current: Any) -> Any:
        seen.append(current)
        return 1 if current is impl_pkg.ITEM_NOT_AVAILABLE else current + 1

    created = d.transform_item(KEY, transformer=bump)
    assert created == impl_pkg.OperationResult(d.etag(KEY), 1)
    updated = d.transform_item(KEY, transformer=bump)
    assert updated == impl_pkg.OperationResult(d.etag(KEY), 2)
    assert updated.resulting_etag != created.resulting_etag
    assert seen == [impl_pkg.ITEM_NOT_AVAILABLE, 1]
    assert d[KEY] == 2


def test_transform_item_keep_current_gets_an_independent_copy(impl: type,
                                                               impl_pkg: ModuleType) -> None:
    d, etag = _filled(impl)

    def mutate_then_keep(current: Any) -> Any:
        current["v"].append(99)
        return impl_pkg.KEEP_CURRENT

    assert d.transform_item(KEY, transformer=mutate_then_keep).resulting_etag == etag
    assert d[KEY] == VALUE
    assert d.etag(KEY) == etag
    na = impl_pkg.ITEM_NOT_AVAILABLE
    assert d.transform_item("b", transformer=lambda _: impl_pkg.KEEP_CURRENT) == \
        impl_pkg.OperationResult(na, na)
    assert "b" not in d


def test_transform_item_delete_current(impl: type, impl_pkg: ModuleType) -> None:
    d, _ = _filled(impl)
    na = impl_pkg.ITEM_NOT_AVAILABLE
    for _present in (True, False):
        result = d.transform_item(KEY, transformer=lambda _: impl_pkg.DELETE_CURRENT)
        assert result == impl_pkg.OperationResult(na, na)
        assert KEY not in d


@pytest.mark.parametrize("present", [True, False])
def test_transform_item_raising_leaves_store_unchanged(impl: type, present: bool) -> None:
    d, etag = _filled(impl) if present else (impl(), None)

    def boom(_: Any) -> Any:
        msg = "transformer failed"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="transformer failed"):
        d.transform_item(KEY, transformer=boom)
    assert dict(d.items()) == ({KEY: VALUE} if present else {})
    if present:
        assert d.etag(KEY) == etag


@pytest.mark.parametrize(("n_retries", "error"), [
    ("abc", TypeError), (object(), TypeError), ([1], TypeError), (-1, ValueError),
    (None, None), (0, None), (3, None), ("2", None),
])
def test_transform_item_validates_n_retries(impl: type, n_retries: Any,
                                            error: type[Exception] | None) -> None:
    d = impl()
    if error is None:
        d.transform_item(KEY, transformer=lambda _: 5, n_retries=n_retries)
        assert d[KEY] == 5
        return
    with pytest.raises(error, match="n_retries"):
        d.transform_item(KEY, transformer=lambda _: 1, n_retries=n_retries)
    assert KEY not in d


def _held_by_another_thread(lock: Any) -> bool:
    acquired: list[bool] = []

    def try_lock() -> None:
        ok = lock.acquire(blocking=False)
        if ok:
            lock.release()
        acquired.append(ok)

    thread = threading.Thread(target=try_lock)
    thread.start()
    thread.join(timeout=30)
    return acquired == [False]


def test_transform_item_calls_transformer_once_under_the_lock(ours: localdict_nb.LocalDict
                                                              ) -> None:
    ours[KEY] = 1
    lock = ours.get_params()["backend"].tree.lock
    calls: list[bool] = []

    def concurrent_writer(current: Any) -> Any:
        calls.append(_held_by_another_thread(lock))
        ours[KEY] = 100  # a conflicting write; persidict would retry and call us again
        return current + 1

    result = ours.transform_item(KEY, transformer=concurrent_writer, n_retries=0)
    assert calls == [True]
    assert ours[KEY] == 2
    assert result.resulting_etag == ours.etag(KEY)
    assert not _held_by_another_thread(lock)
    theirs = persidict.LocalDict()
    theirs[KEY] = 1
    with pytest.raises(persidict.ConcurrencyConflictError):
        theirs.transform_item(KEY, transformer=lambda v: theirs.update({KEY: 100}) or v + 1,
                              n_retries=0)


class _LockProbe:
    # Unpickling records whether another thread could take ``lock`` at that moment.
    lock: Any = None
    held: list[bool] = []  # noqa: RUF012 - shared by the threads on purpose

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild_probe, ()


def _rebuild_probe() -> _LockProbe:
    if _LockProbe.lock is not None:
        _LockProbe.held.append(_held_by_another_thread(_LockProbe.lock))
    return _LockProbe()


@pytest.mark.parametrize("operation", ["pop", "popitem", "setdefault"])
def test_pop_popitem_setdefault_read_under_the_lock(ours: localdict_nb.LocalDict,
                                                    operation: str) -> None:
    ours[KEY] = _LockProbe()
    _LockProbe.lock, _LockProbe.held = ours.get_params()["backend"].tree.lock, []
    try:
        if operation == "setdefault":
            assert isinstance(ours.setdefault(KEY, 0), _LockProbe)
        else:
            getattr(ours, operation)(*([KEY] if operation == "pop" else []))
    finally:
        _LockProbe.lock = None
    assert _LockProbe.held == [True]
    assert (KEY in ours) is (operation == "setdefault")


@pytest.mark.parametrize("joker", ["KEEP_CURRENT", "DELETE_CURRENT"])
def test_setdefault(impl: type, impl_pkg: ModuleType, joker: str) -> None:
    d = impl()
    with pytest.raises(TypeError, match="Joker"):
        d.setdefault(KEY, getattr(impl_pkg, joker))
    assert KEY not in d
    default = {"fresh": []}
    assert d.setdefault(KEY, default) is default
    default["fresh"].append(1)
    assert d[KEY] == {"fresh": []}
    assert d.setdefault(KEY, "other") == {"fresh": []}
    assert d.setdefault("none") is None
    assert d["none"] is None


def test_pop_and_popitem(impl: type, impl_pkg: ModuleType) -> None:
    d, _ = _filled(impl)
    assert d.pop(KEY) == VALUE
    assert KEY not in d
    sentinel = object()
    assert d.pop(KEY, sentinel) is sentinel
    with pytest.raises(KeyError) as info:
        d.pop(["a", "k"])
    assert info.value.args[0] == KEY
    assert isinstance(info.value.args[0], impl_pkg.SafeStrTuple)
    with pytest.raises(TypeError, match="at most 2 arguments"):
        d.pop(KEY, 1, 2)
    d[KEY] = VALUE
    assert d.popitem() == (KEY, VALUE)
    assert len(d) == 0
    with pytest.raises(KeyError):
        d.popitem()


@pytest.mark.parametrize("method", ["discard", "delete_if_exists"])
def test_discard(impl: type, method: str) -> None:
    d, _ = _filled(impl)
    d["b"] = 2
    assert getattr(d, method)(KEY) is True
    assert getattr(d, method)(KEY) is False
    assert getattr(d, method)(("no", "such")) is False
    assert dict(d.items()) == {("b",): 2}
