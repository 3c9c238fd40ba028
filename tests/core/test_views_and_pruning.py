from __future__ import annotations

import copy
import pickle
import tracemalloc
from collections.abc import Callable
from types import ModuleType
from typing import Any

import persidict
import pytest

import localdict_nb
from localdict_nb import ANY_ETAG, ITEM_NOT_AVAILABLE, LocalDict
from localdict_nb.engine.backend import Node


class TwoArgError(Exception):
    # Pickles as TwoArgError("a/b"), which cannot be rebuilt: __init__ needs two arguments.
    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a}/{b}")


def _root(d: Any) -> Any:
    return d.get_params()["backend"]


def _filled(impl: type) -> Any:
    d = impl()
    for key, value in {("a", "1"): 1, ("a", "2"): 2, ("a", "b", "3"): 3, ("c",): 4}.items():
        d[key] = value
    return d


@pytest.mark.parametrize("prefix", [(), [], localdict_nb.SafeStrTuple()])
def test_empty_prefix_view_is_the_whole_dict(impl: type, prefix: Any) -> None:
    d = _filled(impl)
    view = d.get_subdict(prefix)
    assert dict(view.items()) == dict(d.items())
    assert len(view) == len(d) == 4
    view["new"] = 5
    assert d["new"] == 5


@pytest.mark.parametrize("prefix", [("a", "b"), ["a", "b"], "a/b"])
def test_nested_views(impl: type, impl_pkg: ModuleType, prefix: Any) -> None:
    d = _filled(impl)
    if prefix == "a/b":
        with pytest.raises(ValueError):
            d.get_subdict(prefix)
        return
    nested = d.get_subdict("a").get_subdict("b")
    direct = d.get_subdict(prefix)
    assert dict(nested.items()) == dict(direct.items()) == {("3",): 3}
    assert dict(d.get_subdict(impl_pkg.SafeStrTuple(prefix)).items()) == {("3",): 3}
    assert dict(d.get_subdict("a").items()) == {("1",): 1, ("2",): 2, ("b", "3"): 3}


def test_writes_through_views_are_visible_both_ways(impl: type) -> None:
    d = _filled(impl)
    view = d.get_subdict("a")
    deeper = view.get_subdict("b")
    view["x"] = {"from": "view"}
    deeper["y"] = 6
    assert d["a", "x"] == {"from": "view"}
    assert d["a", "b", "y"] == 6
    d["a", "z"] = 7
    assert view["z"] == 7
    del view["x"]
    assert ("a", "x") not in d
    d.discard(("a", "b", "y"))
    assert "y" not in deeper
    assert view.etag("z") == d.etag(("a", "z"))


def test_len_of_views(impl: type) -> None:
    d = _filled(impl)
    json = impl(backend=_root(d), serialization_format="json")
    json["a", "j"] = 1
    assert len(d) == 4
    assert len(d.get_subdict("a")) == 3
    assert len(d.get_subdict(["a", "b"])) == 1
    assert len(d.get_subdict("nothing")) == 0
    assert len(json) == len(json.get_subdict("a")) == 1
    assert not d.get_subdict("nothing")


def test_subdicts_maps_first_segments_to_views(impl: type) -> None:
    d = _filled(impl)
    d.get_subdict("empty")
    json = impl(backend=_root(d), serialization_format="json")
    json["only_json", "k"] = 1
    subs = d.subdicts()
    assert set(subs) == {"a", "c"}
    assert dict(subs["a"].items()) == {("1",): 1, ("2",): 2, ("b", "3"): 3}
    assert len(subs["c"]) == 0
    subs["a"]["w"] = 8
    assert d["a", "w"] == 8


def test_view_of_a_different_format(impl: type) -> None:
    d = _filled(impl)
    json_view = impl(backend=_root(d.get_subdict("a")), serialization_format="json")
    json_view["1"] = "json one"
    assert d["a", "1"] == 1
    assert dict(json_view.items()) == {("1",): "json one"}
    assert dict(impl(backend=_root(d), serialization_format="json").items()) == {
        ("a", "1"): "json one"}
    assert len(d) == 4


def test_prune_removes_empty_subtrees_after_the_interval() -> None:
    d = LocalDict(prune_interval=3)
    d["a", "b", "c"] = 1
    d["x", "y"] = 2
    d["z"] = 3
    root = _root(d)
    a, ab = root.children["a"], root.children["a"].children["b"]
    assert root.counts == {"pkl": 3} and a.counts == {"pkl": 1}
    assert root.tree.nodes == 4
    del d["a", "b", "c"]
    del d["x", "y"]
    assert set(root.children) == {"a", "x"}
    assert root.tree.ops_since_prune == 2 and root.tree.prune_passes == 0
    del d["z"]
    assert root.children == {}
    assert root.tree.nodes == 1
    assert root.tree.prune_passes == 1 and root.tree.ops_since_prune == 0
    assert not a.alive and not ab.alive and root.alive


@pytest.mark.parametrize("interval", [None, 0, -5])
def test_prune_interval_none_never_prunes(interval: int | None) -> None:
    d = LocalDict(prune_interval=interval)
    for i in range(100):
        d["a", str(i)] = i
        del d["a", str(i)]
    d.clear()
    assert d.get_params()["prune_interval"] is None
    assert "a" in _root(d).children
    assert _root(d).tree.prune_passes == 0


def test_pruning_state_is_per_backend_tree() -> None:
    first = LocalDict(prune_interval=2)
    second = LocalDict(backend=_root(first), prune_interval=2)
    first["a", "k"] = 1
    first["b", "k"] = 2
    del first["a", "k"]
    del second["b", "k"]
    assert _root(first).children == {}
    assert _root(first).tree.prune_passes == 1
    theirs = persidict.LocalDict(prune_interval=2)
    other = persidict.LocalDict(backend=_root(theirs), prune_interval=2)
    theirs["a", "k"] = 1
    theirs["b", "k"] = 2
    del theirs["a", "k"]
    del other["b", "k"]
    assert set(_root(theirs).subdicts) == {"a", "b"}  # each instance counts on its own


def test_persidict_loses_writes_through_a_pruned_view() -> None:
    d = persidict.LocalDict(prune_interval=1)
    d["a", "x"] = 1
    view = d.get_subdict("a")
    del d["a", "x"]
    view["y"] = 2
    assert view["y"] == 2
    assert ("a", "y") not in d  # the write went to a detached node


def test_a_pruned_view_keeps_reading_and_writing() -> None:
    d = LocalDict(prune_interval=1)
    d["a", "x"] = 1
    view = d.get_subdict("a")
    old_node = _root(view)
    del d["a", "x"]
    assert not old_node.alive
    assert "a" not in _root(d).children
    assert len(view) == 0 and list(view) == [] and view.random_key() is None
    assert view.get("x") is None
    assert "a" not in _root(d).children
    d["a", "from_parent"] = 3
    assert view["from_parent"] == 3
    view["y"] = 2
    assert d["a", "y"] == 2
    assert dict(view.items()) == {("from_parent",): 3, ("y",): 2}
    assert _root(view) is _root(d).children["a"]
    assert _root(view).alive


def test_a_view_of_an_empty_prefix_creates_nothing_until_it_is_written() -> None:
    d = LocalDict(prune_interval=1)
    view = d.get_subdict(["p", "q"])
    deeper = view.get_subdict("s")
    assert _root(d).children == {} and d.get_params()["backend"].tree.nodes == 1
    assert len(view) == 0 and list(view) == [] and "r" not in view and view.subdicts() == {}
    with pytest.raises(KeyError):
        view["r"]
    assert _root(d).children == {}
    view["r"] = 1
    deeper["t"] = 2
    assert d["p", "q", "r"] == 1 and d["p", "q", "s", "t"] == 2
    assert view.get_params()["backend"] is _root(d).children["p"].children["q"]


FAILING_WRITES: dict[str, Callable[[Any], object]] = {
    "unrestorable": lambda d: d.__setitem__(("p", "q", "r"), TwoArgError("a", "b")),
    "base_class": lambda d: d.__setitem__(("p", "q", "r"), "not an int"),
    "persidict_value": lambda d: d.__setitem__(("p", "q", "r"), LocalDict()),
    "set_item_if": lambda d: d.set_item_if(("p", "q", "r"), value="text", condition=ANY_ETAG,
                                           expected_etag=ITEM_NOT_AVAILABLE),
    "setdefault": lambda d: d.setdefault(("p", "q", "r"), TwoArgError("a", "b")),
    "setdefault_if": lambda d: d.setdefault_if(("p", "q", "r"), default_value="text",
                                               condition=ANY_ETAG,
                                               expected_etag=ITEM_NOT_AVAILABLE),
    "transform_item": lambda d: d.transform_item(("p", "q", "r"),
                                                 transformer=lambda _: TwoArgError("a", "b")),
    "append_only": lambda d: d.__setitem__(("m", "n"), 5),
}
_INT_ONLY = {"base_class", "set_item_if", "setdefault_if"}


@pytest.mark.parametrize(("operation", "through_pruned_view"), [
    *((name, False) for name in FAILING_WRITES),
    *((name, True) for name in FAILING_WRITES if name != "append_only"),
])
def test_failed_writes_leave_no_nodes_and_spend_no_counter(operation: str,
                                                           through_pruned_view: bool) -> None:
    d = LocalDict(base_class_for_values=int if operation in _INT_ONLY else None, append_only=True)
    d["m", "n"] = 1
    target = d
    if through_pruned_view:
        target = d.get_subdict("w")
        helper = LocalDict(backend=_root(d), prune_interval=1)
        helper["tmp"] = 0
        del helper["tmp"]
        assert not _root(target).alive
    root = _root(d)
    nodes, children, counter = root.tree.nodes, set(root.children), d.write_counter
    with pytest.raises(TypeError):
        FAILING_WRITES[operation](target)
    assert root.tree.nodes == nodes
    assert set(root.children) == children == {"m"}
    assert d.write_counter == counter
    assert dict(d.items()) == {("m", "n"): 1}


def test_clear_of_a_view_removes_only_its_format_under_its_prefix(impl: type) -> None:
    d = _filled(impl)
    json = impl(backend=_root(d), serialization_format="json")
    json["a", "1"] = "j1"
    json["a", "b", "3"] = "j3"
    view = d.get_subdict("a")
    view.clear()
    assert len(view) == 0
    assert dict(d.items()) == {("c",): 4}
    assert dict(json.items()) == {("a", "1"): "j1", ("a", "b", "3"): "j3"}
    assert dict(json.get_subdict("a").items()) == {("1",): "j1", ("b", "3"): "j3"}


def test_clear_of_a_view_updates_counts_along_the_path() -> None:
    d = _filled(LocalDict)
    d.get_subdict(["a", "b"]).clear()
    root = _root(d)
    assert root.counts == {"pkl": 3}
    assert root.children["a"].counts == {"pkl": 2}
    assert len(d.get_subdict("a")) == 2


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_backend_node_copy_is_an_independent_snapshot(how: str) -> None:
    d = _filled(LocalDict)
    d["a", "list"] = [1, 2]
    original, counter = _root(d), d.write_counter
    snap: Node = (copy.deepcopy(original) if how == "deepcopy"
                  else pickle.loads(pickle.dumps(original)))
    assert isinstance(snap, Node)
    assert snap.tree is not original.tree
    assert snap.counts == original.counts
    copy_dict = LocalDict(backend=snap)
    assert dict(copy_dict.items()) == dict(d.items())
    assert copy_dict.etag(("a", "1")) == d.etag(("a", "1"))
    d["a", "1"] = "changed"
    del d["c"]
    assert copy_dict["a", "1"] == 1
    assert copy_dict["c"] == 4
    copy_dict["new"] = 1
    assert "new" not in d
    assert copy_dict.write_counter == counter + 1
    assert d.write_counter == counter + 1


def test_snapshot_of_a_view_node_is_rooted_at_the_view() -> None:
    d = _filled(LocalDict)
    snap = copy.deepcopy(_root(d.get_subdict("a")))
    assert snap.path == ()
    assert dict(LocalDict(backend=snap).items()) == {("1",): 1, ("2",): 2, ("b", "3"): 3}
    assert len(LocalDict(backend=snap)) == 3


# --- deep keys -------------------------------------------------------------------------------


def _bytes_for_one_key(depth: int) -> int:
    key = tuple(f"s{i}" for i in range(depth))
    tracemalloc.start()
    try:
        d = LocalDict()
        d[key] = 1
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert d[key] == 1
    return size


def test_memory_of_a_key_grows_linearly_with_its_depth() -> None:
    small, big = _bytes_for_one_key(1_000), _bytes_for_one_key(4_000)
    assert big / small < 4 * 1.5, (small, big)  # quadratic would be 16x
    assert big / 4_000 < 2_000  # bytes per level: a node and its small dicts


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_backend_with_a_key_of_depth_10000_pickles_and_copies(how: str) -> None:
    key = tuple(f"s{i}" for i in range(10_000))
    d = LocalDict()
    d[key] = {"deep": True}
    d["flat"] = 1
    backend = d.get_params()["backend"]
    copied = pickle.loads(pickle.dumps(backend)) if how == "pickle" else copy.deepcopy(backend)
    again = LocalDict(backend=copied)
    assert again[key] == {"deep": True} and again["flat"] == 1 and len(again) == 2
    assert again.etag(key) == d.etag(key)
    copied.tree.check()
    again[key[:-1] + ("other",)] = 2
    assert len(d) == 2


def test_a_rebuilt_backend_prunes_the_empty_nodes_it_inherited() -> None:
    d = LocalDict(prune_interval=None)
    d["a", "b", "c"] = 1
    d["keep"] = 1
    del d["a", "b", "c"]
    copied = copy.deepcopy(d.get_params()["backend"])
    copied.tree.check()
    again = LocalDict(backend=copied)
    assert [tuple(p) for p in again.prune()] == [("a",)]
    assert copied.tree.nodes == 1
