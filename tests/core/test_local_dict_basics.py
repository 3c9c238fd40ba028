from __future__ import annotations

import copy
import pickle
import random
import time
from types import ModuleType
from typing import Any

import persidict
import pytest

import localdict_nb
from localdict_nb import LocalDict
from localdict_nb.engine.backend import Tree

FLAG_NAMES = ["KEEP_CURRENT", "DELETE_CURRENT", "ITEM_NOT_AVAILABLE", "VALUE_NOT_RETRIEVED",
              "ANY_ETAG", "ETAG_IS_THE_SAME", "ETAG_HAS_CHANGED", "ALWAYS_RETRIEVE",
              "NEVER_RETRIEVE", "IF_ETAG_CHANGED"]
NOT_LOCAL_DICT_NAMES = {"FileDirDict", "S3Dict", "S3Dict_FileDirCached", "BasicS3Dict",
                        "WriteOnceDict", "EmptyDict", "OverlappingMultiDict",
                        "AppendOnlyDictCached", "MutableDictCached"}
BAD_KEYS: list[tuple[Any, type[Exception]]] = [
    ("a/b", ValueError), ("", ValueError), (".", ValueError), ("..", ValueError),
    ("x" * 254, ValueError), (("a", ""), ValueError), (["a", ["b c"]], ValueError),
    ((), ValueError), ([], ValueError), (5, TypeError), (None, TypeError),
    ({"a": 1}, TypeError), ({"a"}, TypeError), (("a", 5), TypeError),
]
DATA: dict[tuple[str, ...], Any] = {("a",): 1, ("b", "c"): [2], ("b", "d", "e"): {"f": 3}}


def _filled(impl: type) -> Any:
    d = impl()
    for key, value in DATA.items():
        d[key] = value
    return d


def _later(d: Any, key: Any) -> None:
    while time.time() <= d.timestamp(key):  # until the clock moves on: no fixed delay
        pass


class Counted:
    copies = 0

    def __init__(self) -> None:
        self.payload = [1]

    def __setstate__(self, state: dict[str, Any]) -> None:  # pickle.loads and deepcopy call it
        type(self).copies += 1
        self.__dict__.update(state)


@pytest.mark.parametrize("kwargs, error", [
    ({"serialization_format": ""}, ValueError), ({"serialization_format": "a/b"}, ValueError),
    ({"serialization_format": "p k"}, ValueError), ({"serialization_format": "txt"}, ValueError),
    ({"serialization_format": "txt", "base_class_for_values": int}, ValueError),
    ({"serialization_format": 5}, TypeError), ({"serialization_format": None}, TypeError),
    ({"base_class_for_values": 5}, TypeError), ({"base_class_for_values": "str"}, TypeError),
    ({"base_class_for_values": [str]}, TypeError),
], ids=repr)
def test_bad_constructor_arguments(impl: type, kwargs: dict[str, Any],
                                   error: type[Exception]) -> None:
    with pytest.raises(error):
        impl(**kwargs)


def test_text_formats_need_a_str_base_class(impl: type) -> None:
    class Text(str):
        pass

    assert impl(serialization_format="txt", base_class_for_values=str).serialization_format == "txt"
    d = impl(serialization_format="md", base_class_for_values=Text)
    d["a"] = Text("x")
    assert d["a"] == "x" and d.get_params()["serialization_format"] == "md"


@pytest.mark.parametrize("interval, expected", [(None, None), (0, None), (-3, None), (1, 1),
                                                (10, 10)])
def test_prune_interval_none_or_non_positive_disables(impl: type, interval: Any,
                                                      expected: int | None) -> None:
    assert impl(prune_interval=interval).get_params()["prune_interval"] == expected
    assert impl().get_params()["prune_interval"] == 64


@pytest.mark.parametrize("kwargs", [
    {"prune_interval": "x"}, {"prune_interval": "64"}, {"prune_interval": 3.5},
    {"prune_interval": True}, {"prune_interval": [1]}, {"backend": {}}, {"backend": "root"},
    {"backend": persidict.LocalDict().get_params()["backend"]},
], ids=repr)
def test_bad_prune_interval_or_backend_type_raises_type_error(kwargs: dict[str, Any]) -> None:
    [(name, value)] = kwargs.items()
    with pytest.raises(TypeError, match=name) as info:
        LocalDict(**kwargs)
    assert type(value).__name__ in str(info.value)


def test_get_params_and_keyword_only_constructor(impl: type) -> None:
    with pytest.raises(TypeError):
        impl(None)
    d = impl(serialization_format="json", append_only=True, prune_interval=5)
    params = d.get_params()
    assert list(params.items()) == [("append_only", True), ("backend", params["backend"]),
                                    ("base_class_for_values", None), ("prune_interval", 5),
                                    ("serialization_format", "json")]
    same = impl(**params)
    same["k"] = 1
    assert d["k"] == 1 and d.append_only is True
    assert same.get_params()["backend"] is params["backend"]


def test_clone_is_an_independent_copy_with_the_same_data(impl: type) -> None:
    d = _filled(impl)
    impl(backend=d.get_params()["backend"], serialization_format="json")["j"] = "json"
    issued = [int(d.etag(k)) for k in d.keys()]
    c = d.clone()
    assert type(c) is impl and c.get_params()["backend"] is not d.get_params()["backend"]
    assert dict(c.items()) == DATA and len(c) == 3
    assert impl(backend=c.get_params()["backend"], serialization_format="json")["j"] == "json"
    assert dict(d.get_subdict("b").clone().items()) == {("c",): [2], ("d", "e"): {"f": 3}}
    assert all(c.etag(k) == d.etag(k) for k in d.keys())
    c["new"] = 4
    c["b", "c"] = "changed"
    del c["a"]
    assert "new" not in d and d["b", "c"] == [2] and d["a"] == 1
    d["only_d"] = 5
    assert "only_d" not in c
    assert int(c.etag("new")) > max(issued)


def test_copy_shares_storage_deepcopy_pickle_and_hash_raise(impl: type) -> None:
    d = _filled(impl)
    c = copy.copy(d)
    assert c is not d and type(c) is impl
    assert c.get_params() == d.get_params()
    c["x"] = 1
    del d["a"]
    assert d["x"] == 1 and "a" not in c
    with pytest.raises(TypeError):
        copy.deepcopy(d)
    with pytest.raises(TypeError):
        pickle.dumps(d)
    with pytest.raises(TypeError):
        hash(d)


@pytest.mark.parametrize("name", FLAG_NAMES)
def test_flags_keep_identity(impl_pkg: ModuleType, name: str) -> None:
    flag = getattr(impl_pkg, name)
    assert copy.copy(flag) is flag
    assert copy.deepcopy(flag) is flag
    assert copy.deepcopy([flag])[0] is flag
    assert pickle.loads(pickle.dumps(flag)) is flag
    assert type(flag)() is flag


def test_equality_with_mappings_and_other_local_dicts(impl: type) -> None:
    d = _filled(impl)
    assert d == copy.copy(d) and not (d != copy.copy(d))
    assert d == DATA and DATA == d and not (d != DATA)
    assert d != {"a": 1} and {"a": 1} != d
    assert d != {**DATA, ("a",): 2}
    assert d != {"a": 1, ("b", "c"): [2], ("b", "x"): {"f": 3}}
    assert d != {**DATA, "a/b": 1}
    other = _filled(impl)
    assert d == other and other == d
    other["a"] = 0
    assert d != other and not (d == other)
    assert impl() == {} and impl() == impl()
    for non_mapping in (5, None, "a", [("a", 1)], {"a"}):
        assert not (d == non_mapping) and d != non_mapping
    for cls in (LocalDict, persidict.LocalDict):
        other = _filled(cls)
        assert d == other and other == d
        other["a"] = 9
        assert d != other and other != d


def test_repr_and_str(impl: type) -> None:
    d = impl(serialization_format="json")
    d["a", "b"] = 1
    assert repr(d).startswith("LocalDict(append_only=False, backend=")
    assert repr(d).endswith(", base_class_for_values=None, prune_interval=64, "
                            "serialization_format='json')")
    assert str(d) == "{SafeStrTuple(('a', 'b')): 1}"


def test_len_and_bool_track_many_writes_and_deletes(impl: type) -> None:
    rng = random.Random(7)
    d = impl()
    j = impl(backend=d.get_params()["backend"], serialization_format="json")
    models: dict[str, dict[tuple[str, ...], int]] = {"pkl": {}, "json": {}}
    assert len(d) == 0 and not d
    for i in range(400):
        target, model = (d, models["pkl"]) if rng.random() < 0.6 else (j, models["json"])
        key = tuple(rng.choice("abc") for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.65:
            target[key] = i
            model[key] = i
        else:
            assert target.discard(key) is (key in model)
            model.pop(key, None)
        for fmt, store in (("pkl", d), ("json", j)):
            assert len(store) == len(models[fmt])
            assert bool(store) is bool(models[fmt])
        sub = d.get_subdict("a")
        assert len(sub) == sum(1 for k in models["pkl"] if k[0] == "a" and len(k) > 1)
    assert dict(d.items()) == models["pkl"]
    assert dict(j.items()) == models["json"]


def test_get_set_del_contains(impl: type) -> None:
    d = impl()
    d["a"], d["a", "b"] = 1, 2
    assert d["a"] == 1 and d["a", "b"] == 2
    assert "a" in d and ("a", "b") in d and "b" not in d and ("a", "c") not in d
    d["a"] = 10
    assert d["a"] == 10 and len(d) == 2
    del d["a"]
    assert "a" not in d and d["a", "b"] == 2
    for missing in (lambda: d["a"], lambda: d.__delitem__("a"), lambda: d["a", "b", "c"]):
        with pytest.raises(KeyError):
            missing()
    assert d.get("a") is None and d.get("a", 5) == 5 and d.get(("a", "b")) == 2


def test_update_and_in_place_or(impl: type) -> None:
    d = impl()
    d.update({"a": 1, ("b", "c"): 2}, e=3)
    d.update([("f", 4)])
    d |= {"a": 5, "g": 6}
    assert dict(d.items()) == {("a",): 5, ("b", "c"): 2, ("e",): 3, ("f",): 4, ("g",): 6}
    with pytest.raises(TypeError):
        d |= [("h", 7)]
    with pytest.raises(TypeError):
        d |= 5
    assert "h" not in d and len(d) == 5


def test_key_error_carries_the_normalised_key(impl: type, impl_pkg: ModuleType) -> None:
    d = _filled(impl)
    calls = [lambda: d[["b", ["x"]]], lambda: d.__delitem__(["b", ["x"]]),
             lambda: d.etag(["b", ["x"]]), lambda: d.timestamp(["b", ["x"]]),
             lambda: d.pop(["b", ["x"]])]
    for call in calls:
        with pytest.raises(KeyError) as info:
            call()
        assert type(info.value.args[0]) is impl_pkg.NonEmptySafeStrTuple
        assert info.value.args[0] == ("b", "x")


def test_equivalent_key_forms_address_the_same_item(impl: type) -> None:
    forms = [("a", "b", "c"), ["a", "b", "c"], ["a", ["b", ("c",)]], "a b c".split(),
             localdict_nb.SafeStrTuple("a", "b", "c"),
             localdict_nb.NonEmptySafeStrTuple(["a"], "b", "c"),
             persidict.SafeStrTuple("a", "b", "c"), persidict.NonEmptySafeStrTuple("a", ["b", "c"])]
    d = impl()
    for i, form in enumerate(forms):
        d[form] = i
        assert len(d) == 1
        assert all(d[f] == i and f in d for f in forms)
    d["single"] = "s"
    assert d[("single",)] == d[["single"]] == d[persidict.SafeStrTuple("single")] == "s"
    del d[persidict.SafeStrTuple(["a", "b"], "c")]
    assert list(d.keys()) == [("single",)]


@pytest.mark.parametrize("key, error", BAD_KEYS, ids=lambda v: repr(v)[:20])
def test_bad_keys_raise_and_leave_the_store_unchanged(impl: type, key: Any,
                                                      error: type[Exception]) -> None:
    d = _filled(impl)
    for op in (lambda: d[key], lambda: d.get(key), lambda: d.__setitem__(key, 1),
               lambda: d.__delitem__(key), lambda: key in d):
        with pytest.raises(error):
            op()
    assert dict(d.items()) == DATA and len(d) == 3


def test_a_failed_write_spends_nothing(ours: LocalDict) -> None:
    ours["a"] = 1
    counter, etag = ours.write_counter, ours.etag("a")
    ints = LocalDict(backend=ours.get_params()["backend"], base_class_for_values=int)
    writes = [(ours, ("x", "y/z"), 1), (ours, ("x", 5), 1), (ours, ["x", ["y", ""]], 1),
              (ours, ("x", "y"), (i for i in range(3))), (ints, ("x", "y"), "not an int")]
    for store, key, value in writes:
        with pytest.raises((ValueError, TypeError)):
            store[key] = value
    assert ours.write_counter == counter and ours.etag("a") == etag and len(ours) == 1
    assert "x" not in ours.get_params()["backend"].children


def test_iteration_shapes(impl: type, impl_pkg: ModuleType) -> None:
    d = _filled(impl)
    keys = list(d.keys())
    assert all(type(k) is impl_pkg.SafeStrTuple for k in keys)
    assert sorted(tuple(k) for k in keys) == sorted(DATA)
    assert list(d) == keys and list(iter(d)) == keys
    assert sorted(map(repr, d.values())) == sorted(map(repr, DATA.values()))
    items = list(d.items())
    assert all(len(i) == 2 and type(i[0]) is impl_pkg.SafeStrTuple for i in items)
    assert dict(items) == DATA
    for k, ts in d.keys_and_timestamps():
        assert type(k) is impl_pkg.SafeStrTuple and type(ts) is float and ts == d.timestamp(k)
    vts = list(d.values_and_timestamps())
    assert sorted(repr(v) for v, _ in vts) == sorted(map(repr, DATA.values()))
    assert sorted(ts for _, ts in vts) == sorted(d.timestamp(k) for k in DATA)
    for k, v, ts in d.items_and_timestamps():
        assert type(k) is impl_pkg.SafeStrTuple and v == DATA[tuple(k)] and ts == d.timestamp(k)


def test_timestamps_come_from_time_time(impl: type) -> None:
    d = impl()
    before = time.time()
    d["a", "b"] = 1
    after = time.time()
    assert before <= d.timestamp(("a", "b")) <= after
    _later(d, ("a", "b"))
    d["a", "b"] = 2
    assert d.timestamp(("a", "b")) > before and d.timestamp(("a", "b")) <= time.time()


def test_etag_changes_on_every_write_and_is_unique_across_the_tree(impl: type) -> None:
    d = impl()
    j = impl(backend=d.get_params()["backend"], serialization_format="json")
    sub = d.get_subdict(["s", "t"])
    seen: set[str] = set()
    for _ in range(5):
        for store, key in ((d, "a"), (d, ("x", "y")), (sub, "a"), (j, "a"), (d, ("s", "t", "b"))):
            store[key] = "same value"
            etag = store.etag(key)
            assert isinstance(etag, str) and etag not in seen
            seen.add(etag)
    assert len(seen) == 25
    assert d.etag(("s", "t", "a")) == sub.etag("a")
    assert d["a"] == "same value"
    assert d.etag("a") in seen


def test_random_key(impl: type, impl_pkg: ModuleType) -> None:
    random.seed(1234)
    d = impl()
    assert d.random_key() is None
    keys = {("a",), ("b", "c"), ("b", "d", "e"), ("f", "g"), ("h",)}
    for k in keys:
        d[k] = 0
    d["z"] = 0
    del d["z"]
    drawn = [d.random_key() for _ in range(500)]
    assert all(type(k) is impl_pkg.SafeStrTuple for k in drawn)
    assert {tuple(k) for k in drawn} == keys
    d.clear()
    assert d.random_key() is None


def test_newest_and_oldest(impl: type) -> None:
    d = impl()
    assert d.newest_keys() == [] and d.oldest_values(max_n=3) == []
    for i, key in enumerate(["k1", ("k2", "x"), "k3", ("k4", "y", "z")]):
        d[key] = i
        _later(d, key)
    d["k1"] = 10
    order = [("k2", "x"), ("k3",), ("k4", "y", "z"), ("k1",)]
    assert d.oldest_keys() == order
    assert d.newest_keys() == order[::-1]
    assert d.newest_keys(max_n=2) == [("k1",), ("k4", "y", "z")]
    assert d.oldest_keys(max_n=1) == [("k2", "x")]
    assert d.newest_keys(max_n=100) == order[::-1]
    assert d.oldest_values() == [1, 2, 3, 10]
    assert d.newest_values(max_n=2) == [10, 3]
    for n in (0, -1):
        assert d.newest_keys(max_n=n) == [] and d.oldest_keys(max_n=n) == []
        assert d.newest_values(max_n=n) == [] and d.oldest_values(max_n=n) == []


def test_newest_keys_follow_exact_write_order(ours: LocalDict,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)  # every write in one clock tick
    rng = random.Random(3)
    last: dict[tuple[str, ...], int] = {}
    for i in range(300):
        key = tuple(rng.choice("abcd") for _ in range(rng.randint(1, 3)))
        ours[key] = i
        last.pop(key, None)
        last[key] = i
    order = list(last)
    assert ours.timestamp(order[0]) == ours.timestamp(order[-1])
    assert ours.oldest_keys() == order
    assert ours.newest_keys() == order[::-1]
    assert ours.newest_keys(max_n=5) == order[::-1][:5]
    assert ours.oldest_values(max_n=3) == list(last.values())[:3]


def test_serialization_formats_are_separate_buckets(impl: type) -> None:
    d = impl()
    j = impl(backend=d.get_params()["backend"], serialization_format="json")
    d["a"] = "pkl"
    d["b", "c"] = "pkl"
    j["a"] = "json"
    assert d["a"] == "pkl" and j["a"] == "json"
    assert ("b", "c") not in j and len(d) == 2 and len(j) == 1
    assert [tuple(k) for k in j.keys()] == [("a",)]
    del j["a"]
    assert d["a"] == "pkl" and len(j) == 0 and not j
    j.clear()
    assert len(d) == 2


def test_values_are_isolated_from_the_caller(impl: type) -> None:
    d = impl()
    plain: dict[str, Any] = {"data": [1], "inner": {"x": 1}}
    unpicklable: dict[str, Any] = {"data": [1], "f": lambda x: x + 1}  # falls back to deepcopy
    for key, value in (("k", plain), ("u", unpicklable)):
        d[key] = value
        value["data"].append(2)
        got = d[key]
        assert got["data"] == [1] and got is not d[key]
        got["data"].append(3)
        assert d[key]["data"] == [1]
    plain["inner"]["x"] = 99
    assert d["k"] == {"data": [1], "inner": {"x": 1}}
    assert d["u"]["f"](1) == 2


def test_key_only_operations_never_copy_values(ours: LocalDict) -> None:
    ours["a"] = Counted()
    ours["b", "c"] = Counted()
    Counted.copies = 0
    list(ours.keys()), list(ours), list(ours.keys_and_timestamps())
    assert "a" in ours and len(ours) == 2 and ours
    ours.random_key(), ours.newest_keys(), ours.oldest_keys(max_n=1)
    ours.etag("a"), ours.timestamp(("b", "c")), copy.copy(ours)
    assert Counted.copies == 0
    assert isinstance(ours["a"], Counted) and Counted.copies == 1


def test_len_and_bool_do_not_walk_the_tree(ours: LocalDict,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(50):
        ours["n", str(i % 7), str(i)] = i
    monkeypatch.setattr(Tree, "walk", None)  # any walk now fails
    assert len(ours) == 50 and ours and len(ours.get_subdict(["n", "3"])) == 7
    with pytest.raises(TypeError):
        list(ours.keys())


def test_persidict_local_dict_names_are_importable() -> None:
    assert NOT_LOCAL_DICT_NAMES <= set(persidict.__all__)
    names = set(persidict.__all__) - NOT_LOCAL_DICT_NAMES
    assert len(names) >= 40
    assert names <= set(localdict_nb.__all__)
    for name in sorted(names):
        mine, theirs = getattr(localdict_nb, name), getattr(persidict, name)
        if isinstance(theirs, type):
            assert isinstance(mine, type), name
            for base in (TypeError, RuntimeError, str, Exception):
                assert issubclass(mine, base) == issubclass(theirs, base), name
