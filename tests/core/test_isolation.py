from __future__ import annotations

import copy
import dataclasses
import datetime
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import persidict
import pytest

from localdict_nb import ANY_ETAG, NEVER_RETRIEVE, LocalDict
from localdict_nb.engine.isolation import AS_IS, DEEPCOPIED, PICKLED, freeze, thaw


class TwoArgError(Exception):
    # Pickles as TwoArgError("a/b"), which cannot be rebuilt: __init__ needs two arguments.
    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a}/{b}")


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]


UNPICKLE_COUNT: list[int] = [0]


class CountsUnpickling:
    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild_counting, ()


def _rebuild_counting() -> CountsUnpickling:
    UNPICKLE_COUNT[0] += 1
    return CountsUnpickling()


class CountsDeepcopies:
    copies: int = 0

    def __init__(self) -> None:
        self.unpicklable = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> CountsDeepcopies:
        CountsDeepcopies.copies += 1
        return CountsDeepcopies()


@pytest.mark.parametrize("value", ["text", "", 7, 2**100, 1.5, True, None, b"bytes", 1 + 2j])
def test_immutable_scalars_are_kept_as_they_are(value: Any) -> None:
    payload, kind = freeze(value)
    assert kind == AS_IS
    assert payload is value
    assert thaw(payload, kind) is value


@pytest.mark.parametrize("value", [
    {"a": [1, 2]}, [1, [2, 3]], (1, [2]), {1, 2}, frozenset({1}), Point(1, [2]),
    bytearray(b"xy"), {"nested": {"deeper": [Point(0, [])]}},
])
def test_containers_are_pickled_and_thawed_as_fresh_equal_copies(value: Any) -> None:
    payload, kind = freeze(value)
    assert kind == PICKLED
    assert isinstance(payload, bytes)
    first, second = thaw(payload, kind), thaw(payload, kind)
    assert first == value == second
    assert first is not value
    assert first is not second


def test_frozen_payload_does_not_follow_later_mutation() -> None:
    value = {"a": [1]}
    payload, kind = freeze(value)
    value["a"].append(2)
    assert thaw(payload, kind) == {"a": [1]}


def _local_instance() -> Any:
    class Local:
        def __init__(self) -> None:
            self.items = [1, 2]

    return Local()


@pytest.mark.parametrize("make", [
    lambda: {"fn": lambda x: x, "data": [1]},
    _local_instance,
    lambda: [threading.Lock, (lambda: 0)],
])
def test_unpicklable_values_fall_back_to_deepcopy(make: Callable[[], Any]) -> None:
    value = make()
    payload, kind = freeze(value)
    assert kind == DEEPCOPIED
    assert payload is not value
    thawed = thaw(payload, kind)
    assert thawed is not payload
    assert thawed is not value
    assert type(thawed) is type(value)


def test_unpicklable_value_round_trips_through_the_store(ours: LocalDict) -> None:
    def double(x: int) -> int:
        return 2 * x

    value = {"fn": double, "data": [1]}
    ours["k"] = value
    value["data"].append(2)
    first, second = ours["k"], ours["k"]
    assert first["fn"] is double
    assert first["data"] == [1]
    first["data"].append(3)
    assert second["data"] == [1]
    assert ours["k"]["data"] == [1]


def test_a_value_that_pickles_but_cannot_be_rebuilt_fails_at_freeze() -> None:
    with pytest.raises(TypeError):
        freeze(TwoArgError("a", "b"))
    with pytest.raises(TypeError):
        freeze({"nested": [TwoArgError("a", "b")]})


def test_unrebuildable_value_fails_at_write_time_and_leaves_the_store_unchanged(
        impl: type) -> None:
    d = impl()
    d["k"] = "old"
    with pytest.raises(TypeError):
        d["k"] = TwoArgError("a", "b")
    with pytest.raises(TypeError):
        d["new"] = [TwoArgError("a", "b")]
    assert dict(d.items()) == {("k",): "old"}


def test_unrebuildable_value_spends_no_counter(ours: LocalDict) -> None:
    ours["k"] = "old"
    etag, counter = ours.etag("k"), ours.write_counter
    with pytest.raises(TypeError):
        ours["k"] = TwoArgError("a", "b")
    assert ours.etag("k") == etag
    assert ours.write_counter == counter


def test_writes_and_reads_are_independent_copies(impl: type) -> None:
    d = impl()
    value = {"list": [1], "point": Point(1, [2])}
    d["k"] = value
    value["list"].append(99)
    value["point"].y.append(99)
    read = d["k"]
    assert read == {"list": [1], "point": Point(1, [2])}
    read["list"].append(5)
    assert d["k"]["list"] == [1]
    assert d["k"] is not d["k"]
    assert next(iter(d.values())) == {"list": [1], "point": Point(1, [2])}


KEY_ONLY: dict[str, Callable[[LocalDict], object]] = {
    "keys": lambda d: list(d.keys()),
    "iter": lambda d: list(d),
    "contains": lambda d: ("k" in d, "missing" in d),
    "len": len,
    "bool": bool,
    "random_key": lambda d: d.random_key(),
    "newest_keys": lambda d: d.newest_keys(max_n=1),
    "oldest_keys": lambda d: d.oldest_keys(),
    "etag": lambda d: d.etag("k"),
    "timestamp": lambda d: d.timestamp("k"),
    "keys_and_timestamps": lambda d: list(d.keys_and_timestamps()),
    "subdicts": lambda d: d.subdicts(),
    "get_subdict_len": lambda d: len(d.get_subdict("sub")),
    "get_item_if_never": lambda d: d.get_item_if("k", condition=ANY_ETAG, expected_etag="x",
                                                 retrieve_value=NEVER_RETRIEVE),
}


@pytest.mark.parametrize("operation", KEY_ONLY)
def test_key_only_operations_never_unpickle_values(ours: LocalDict, operation: str) -> None:
    ours["k"] = CountsUnpickling()
    ours["sub", "k"] = [CountsUnpickling()]
    UNPICKLE_COUNT[0] = 0
    KEY_ONLY[operation](ours)
    assert UNPICKLE_COUNT[0] == 0
    ours["k"]
    assert UNPICKLE_COUNT[0] == 1


@pytest.mark.parametrize("operation", KEY_ONLY)
def test_key_only_operations_never_deepcopy_values(ours: LocalDict, operation: str) -> None:
    ours["k"] = CountsDeepcopies()
    ours["sub", "k"] = CountsDeepcopies()
    CountsDeepcopies.copies = 0
    KEY_ONLY[operation](ours)
    assert CountsDeepcopies.copies == 0
    ours["k"]
    assert CountsDeepcopies.copies == 1


def test_persidict_keys_deepcopy_every_value() -> None:
    d = persidict.LocalDict()
    d["k"] = CountsDeepcopies()
    CountsDeepcopies.copies = 0
    list(d.keys())
    assert CountsDeepcopies.copies == 1


def test_snapshot_by_deepcopy_keeps_unpicklable_values(ours: LocalDict) -> None:
    ours["k"] = {"fn": len, "lock_type": threading.Lock, "local": _local_instance()}
    snap = LocalDict(backend=copy.deepcopy(ours.get_params()["backend"]))
    assert snap["k"]["fn"] is len
    assert snap["k"]["local"].items == [1, 2]


# --- values of classes defined in the notebook (__main__) ------------------------------------

_POINT_V1 = '''
class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
'''
_POINT_V2 = '''
class Point:
    __slots__ = ("x", "y", "z")
'''


@pytest.fixture
def notebook() -> Iterator[dict[str, Any]]:
    """The namespace of ``__main__``, where a notebook's cells define their classes."""
    namespace = sys.modules["__main__"].__dict__
    before = set(namespace)
    yield namespace
    for name in set(namespace) - before:
        del namespace[name]


@pytest.mark.parametrize("rerun", ["changed", "deleted"])
@pytest.mark.parametrize("shape", ["bare", "nested"])
def test_values_of_notebook_classes_read_back_after_the_class_cell_is_rerun(
        impl: type, notebook: dict[str, Any], rerun: str, shape: str) -> None:
    exec(_POINT_V1, notebook)  # noqa: S102 - a notebook cell
    point = notebook["Point"](1, 2)
    value = point if shape == "bare" else {"points": [point], "n": 1}
    d = impl()
    d["p"] = value
    if rerun == "changed":
        exec(_POINT_V2, notebook)  # noqa: S102 - the cell re-run with another layout
    else:
        del notebook["Point"]
    got = d["p"]
    got_point = got if shape == "bare" else got["points"][0]
    assert (got_point.x, got_point.y) == (1, 2)
    assert got_point is not point  # still an independent copy
    assert [k for k, _ in d.items()] == [("p",)]


def test_notebook_values_are_kept_as_deep_copies_and_the_rest_as_pickles(
        notebook: dict[str, Any]) -> None:
    exec(_POINT_V1, notebook)  # noqa: S102 - a notebook cell
    assert freeze(notebook["Point"](1, 2))[1] == DEEPCOPIED
    assert freeze([{"p": notebook["Point"](1, 2)}])[1] == DEEPCOPIED
    assert freeze(notebook["Point"])[1] == DEEPCOPIED
    assert freeze({"a": [1, 2], "when": datetime.date(2026, 1, 1)})[1] == PICKLED
