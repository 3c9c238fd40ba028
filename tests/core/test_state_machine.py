"""A hypothesis state machine: random operation sequences on LocalDict against a model.

Two serialization formats ('pkl' and 'json') share one backend tree; views (get_subdict, also
of views) write, delete and clear through the same tree; each dict prunes at its own interval.
The model is a plain dict per format mapping the absolute key to (value, ETag). After every
step the contents, lengths, ETags and write counter are compared with the model, and
``_check(tree)`` verifies the backend's own bookkeeping.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from localdict_nb import (
    ALWAYS_RETRIEVE,
    ANY_ETAG,
    DELETE_CURRENT,
    ETAG_HAS_CHANGED,
    ETAG_IS_THE_SAME,
    IF_ETAG_CHANGED,
    ITEM_NOT_AVAILABLE,
    KEEP_CURRENT,
    NEVER_RETRIEVE,
    VALUE_NOT_RETRIEVED,
    ConditionalOperationResult,
    LocalDict,
    MutationPolicyError,
    OperationResult,
)
from localdict_nb.engine.backend import COUNTER, Node, Tree

FORMATS: tuple[str, ...] = ("pkl", "json")
PRUNE_INTERVALS: tuple[int | None, ...] = (None, 1, 2, 5, 64)

Key = tuple[str, ...]


# --- the backend checker --------------------------------------------------------------------


def _check(tree: Tree) -> None:
    """Verify the bookkeeping of a backend tree; raise AssertionError on the first violation.

    For every node reachable from ``tree.root``: its ``counts`` equal the real number of keys
    per format in its subtree, no format has a zero count, no bucket is empty, ``last_write``
    is at least every write counter below it (and at most the tree's counter), each child's
    ``parent``, ``path`` and ``tree`` are consistent, and the node is alive. ``tree.nodes``
    equals the number of reachable nodes. Hold ``tree.lock`` while checking.
    """
    with tree.lock:
        assert tree.root.parent is None, "the root has a parent"
        assert tree.root.path == (), f"the root's path is {tree.root.path!r}"
        reachable = 0
        etags: set[int] = set()

        def visit(node: Node) -> tuple[dict[str, int], int]:
            """Return the real per-format counts and the highest counter in ``node``'s subtree."""
            nonlocal reachable
            reachable += 1
            where = f"node /{'/'.join(node.path)}"
            assert node.alive, f"{where} is reachable but not alive"
            assert node.tree is tree, f"{where} belongs to another tree"
            real: dict[str, int] = {}
            highest = 0
            for fmt, bucket in node.buckets.items():
                assert isinstance(bucket, dict), f"{where}: bucket {fmt!r} is not a dict"
                assert bucket, f"{where}: empty bucket for format {fmt!r}"
                real[fmt] = real.get(fmt, 0) + len(bucket)
                for leaf, entry in bucket.items():
                    counter = entry[COUNTER]
                    assert isinstance(counter, int), f"{where}/{leaf}: counter {counter!r}"
                    assert 0 < counter <= tree.counter, (
                        f"{where}/{leaf}: counter {counter} outside 1..{tree.counter}")
                    assert counter not in etags, f"{where}/{leaf}: duplicate ETag {counter}"
                    etags.add(counter)
                    highest = max(highest, counter)
            for name, child in node.children.items():
                assert child.parent is node, f"{where}: child {name!r} has another parent"
                assert child.path == (*node.path, name), (
                    f"{where}: child {name!r} has path {child.path!r}")
                child_counts, child_highest = visit(child)
                for fmt, n in child_counts.items():
                    real[fmt] = real.get(fmt, 0) + n
                highest = max(highest, child_highest)
                assert node.last_write >= child.last_write, (
                    f"{where}: last_write {node.last_write} < child {name!r}'s {child.last_write}")
            for fmt, n in node.counts.items():
                assert n != 0, f"{where}: zero count entry for format {fmt!r}"
            assert node.counts == real, f"{where}: counts {node.counts} but holds {real}"
            assert node.last_write >= highest, (
                f"{where}: last_write {node.last_write} < counter {highest} below it")
            assert node.last_write <= tree.counter, (
                f"{where}: last_write {node.last_write} > tree counter {tree.counter}")
            return real, highest

        visit(tree.root)
        assert tree.nodes == reachable, f"tree.nodes is {tree.nodes}, {reachable} reachable"


def _empty_non_root_nodes(tree: Tree) -> list[Key]:
    """The paths of reachable non-root nodes that hold no key of any format."""
    found: list[Key] = []
    with tree.lock:
        stack = list(tree.root.children.values())
        while stack:
            node = stack.pop()
            if not node.counts:
                found.append(node.path)
            stack.extend(node.children.values())
    return found


def tree_of(d: LocalDict[Any]) -> Tree:
    """The backend tree behind ``d``."""
    backend = d.get_params()["backend"]
    assert isinstance(backend, Node)
    return backend.tree


# --- strategies -------------------------------------------------------------------------------

segments = st.sampled_from(["a", "b"])
rel_keys = st.lists(segments, min_size=1, max_size=3).map(tuple)
prefixes = st.lists(segments, min_size=1, max_size=2).map(tuple)
values = st.one_of(
    st.integers(-3, 3),
    st.text("xyz", max_size=3),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.sampled_from(["p", "q"]), st.integers(0, 3), max_size=2),
)
conditions = st.sampled_from([ANY_ETAG, ETAG_IS_THE_SAME, ETAG_HAS_CHANGED])
retrieves = st.sampled_from([ALWAYS_RETRIEVE, NEVER_RETRIEVE, IF_ETAG_CHANGED])
etag_choices = st.sampled_from(["right", "wrong", "stale", "absent"])
transform_kinds = st.sampled_from(["inc", "const", "keep", "delete"])
target_indices = st.integers(min_value=0, max_value=1 << 16)


def _holds(condition: Any, expected: Any, actual: Any) -> bool:
    if condition is ANY_ETAG:
        return True
    if condition is ETAG_IS_THE_SAME:
        return bool(expected == actual)
    return bool(expected != actual)


class LocalDictMachine(RuleBasedStateMachine):
    """Random operations on a LocalDict tree, checked against a dict model after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, dict[Key, tuple[Any, str]]] = {fmt: {} for fmt in FORMATS}
        # (format, absolute prefix, dict): index 0 and 1 are the roots, then views.
        self.targets: list[tuple[str, Key, LocalDict[Any]]] = []
        self.tree: Tree | None = None
        self.counter = 0
        self.prune_passes_seen = 0

    # --- setup ----------------------------------------------------------------------------

    @initialize(pkl_interval=st.sampled_from(PRUNE_INTERVALS),
                json_interval=st.sampled_from(PRUNE_INTERVALS))
    def create(self, pkl_interval: int | None, json_interval: int | None) -> None:
        root = LocalDict(serialization_format="pkl", prune_interval=pkl_interval)
        other = LocalDict(backend=root.get_params()["backend"], serialization_format="json",
                          prune_interval=json_interval)
        self.targets = [("pkl", (), root), ("json", (), other)]
        self.tree = tree_of(root)
        assert tree_of(other) is self.tree
        assert self.tree.counter == 0

    # --- helpers ----------------------------------------------------------------------------

    def target(self, index: int) -> tuple[str, Key, LocalDict[Any]]:
        return self.targets[index % len(self.targets)]

    def etag_now(self, fmt: str, key: Key) -> Any:
        found = self.model[fmt].get(key)
        return ITEM_NOT_AVAILABLE if found is None else found[1]

    def expected_etag(self, fmt: str, key: Key, choice: str) -> Any:
        if choice == "absent":
            return ITEM_NOT_AVAILABLE
        if choice == "right":
            return self.etag_now(fmt, key)
        if choice == "stale":  # a real ETag, of another key (or none yet)
            others = sorted(e for f in FORMATS for k, (_, e) in self.model[f].items()
                            if (f, k) != (fmt, key))
            return others[0] if others else ITEM_NOT_AVAILABLE
        return str(self.counter + 1000)  # never handed out

    def wrote(self, fmt: str, key: Key, value: Any, etag: Any) -> None:
        """Record one successful write and check its ETag is the next counter value."""
        self.counter += 1
        assert etag == str(self.counter), f"write got ETag {etag!r}, expected {self.counter}"
        assert isinstance(etag, str)
        self.model[fmt][key] = (value, etag)

    def write_via(self, d: LocalDict[Any], fmt: str, prefix: Key, key: Key, value: Any) -> None:
        d[key] = value
        self.wrote(fmt, prefix + key, value, d.etag(key))

    def fetched(self, fmt: str, key: Key, expected: Any, retrieve: Any) -> Any:
        actual = self.etag_now(fmt, key)
        if retrieve is NEVER_RETRIEVE or (retrieve is IF_ETAG_CHANGED and expected == actual):
            return VALUE_NOT_RETRIEVED
        return self.model[fmt][key][0]

    @staticmethod
    def same_result(got: Any, want: tuple[Any, ...]) -> None:
        assert isinstance(got, ConditionalOperationResult), type(got)
        fields = (got.condition_was_satisfied, got.actual_etag, got.resulting_etag,
                  got.new_value)
        for name, g, w in zip(("satisfied", "actual_etag", "resulting_etag", "new_value"),
                              fields, want, strict=True):
            if w is ITEM_NOT_AVAILABLE or w is VALUE_NOT_RETRIEVED:
                assert g is w, f"{name}: got {g!r}, expected {w!r}"
            else:
                assert g == w and type(g) is type(w), f"{name}: got {g!r}, expected {w!r}"

    # --- plain writes and deletes --------------------------------------------------------------

    @rule(t=target_indices, key=rel_keys, value=values)
    def set_item(self, t: int, key: Key, value: Any) -> None:
        fmt, prefix, d = self.target(t)
        self.write_via(d, fmt, prefix, key, value)

    @rule(t=target_indices, key=rel_keys, value=values)
    def overwrite_existing(self, t: int, key: Key, value: Any) -> None:
        """Overwrite a key known to exist (the first key of the view), if any."""
        fmt, prefix, d = self.target(t)
        mine = sorted(k[len(prefix):] for k in self.model[fmt]
                      if k[:len(prefix)] == prefix and len(k) > len(prefix))
        if mine:
            old = self.model[fmt][prefix + mine[0]][1]
            self.write_via(d, fmt, prefix, mine[0], value)
            assert int(d.etag(mine[0])) > int(old)
        else:
            self.write_via(d, fmt, prefix, key, value)

    @rule(t=target_indices, key=rel_keys)
    def keep_current(self, t: int, key: Key) -> None:
        _, _, d = self.target(t)
        d[key] = KEEP_CURRENT

    @rule(t=target_indices, key=rel_keys)
    def delete_current(self, t: int, key: Key) -> None:
        fmt, prefix, d = self.target(t)
        d[key] = DELETE_CURRENT
        self.model[fmt].pop(prefix + key, None)

    @rule(t=target_indices, key=rel_keys)
    def delete(self, t: int, key: Key) -> None:
        fmt, prefix, d = self.target(t)
        present = prefix + key in self.model[fmt]
        try:
            del d[key]
        except KeyError as exc:
            assert not present, f"del {key} raised KeyError but the key exists"
            assert tuple(exc.args[0]) == key
        else:
            assert present, f"del {key} succeeded on an absent key"
            del self.model[fmt][prefix + key]

    @rule(t=target_indices, key=rel_keys)
    def discard(self, t: int, key: Key) -> None:
        fmt, prefix, d = self.target(t)
        present = prefix + key in self.model[fmt]
        assert d.discard(key) is present
        self.model[fmt].pop(prefix + key, None)

    @rule(t=target_indices, key=rel_keys, with_default=st.booleans())
    def pop(self, t: int, key: Key, with_default: bool) -> None:
        fmt, prefix, d = self.target(t)
        found = self.model[fmt].pop(prefix + key, None)
        if with_default:
            got = d.pop(key, "default")
            assert got == ("default" if found is None else found[0])
            return
        try:
            got = d.pop(key)
        except KeyError as exc:
            assert found is None, f"pop {key} raised KeyError but the key existed"
            assert tuple(exc.args[0]) == key
        else:
            assert found is not None, f"pop {key} returned {got!r} for an absent key"
            assert got == found[0]

    @rule(t=target_indices, key=rel_keys, value=values)
    def setdefault(self, t: int, key: Key, value: Any) -> None:
        fmt, prefix, d = self.target(t)
        found = self.model[fmt].get(prefix + key)
        got = d.setdefault(key, value)
        if found is None:
            assert got == value
            self.wrote(fmt, prefix + key, value, d.etag(key))
        else:
            assert got == found[0]

    @rule(t=target_indices)
    def clear(self, t: int) -> None:
        fmt, prefix, d = self.target(t)
        d.clear()
        for k in [k for k in self.model[fmt] if k[:len(prefix)] == prefix and len(k) > len(prefix)]:
            del self.model[fmt][k]
        assert len(d) == 0
        assert list(d.keys()) == []

    # --- conditional operations ------------------------------------------------------------

    @rule(t=target_indices, key=rel_keys, value=st.one_of(values, st.just(KEEP_CURRENT),
                                                           st.just(DELETE_CURRENT)),
          condition=conditions, choice=etag_choices, retrieve=retrieves)
    def set_item_if(self, t: int, key: Key, value: Any, condition: Any, choice: str,
                    retrieve: Any) -> None:
        fmt, prefix, d = self.target(t)
        abs_key = prefix + key
        expected = self.expected_etag(fmt, abs_key, choice)
        actual = self.etag_now(fmt, abs_key)
        satisfied = _holds(condition, expected, actual)
        got = d.set_item_if(key, value=value, condition=condition, expected_etag=expected,
                            retrieve_value=retrieve)
        if not satisfied or value is KEEP_CURRENT:
            if actual is ITEM_NOT_AVAILABLE:
                want = (satisfied, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE)
            else:
                want = (satisfied, actual, actual, self.fetched(fmt, abs_key, expected, retrieve))
        elif value is DELETE_CURRENT:
            want = (True, actual, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE)
            self.model[fmt].pop(abs_key, None)
        else:
            want = (True, actual, str(self.counter + 1), value)
            self.wrote(fmt, abs_key, value, got.resulting_etag)
        self.same_result(got, want)

    @rule(t=target_indices, key=rel_keys, value=values, condition=conditions,
          choice=etag_choices, retrieve=retrieves)
    def setdefault_if(self, t: int, key: Key, value: Any, condition: Any, choice: str,
                      retrieve: Any) -> None:
        fmt, prefix, d = self.target(t)
        abs_key = prefix + key
        expected = self.expected_etag(fmt, abs_key, choice)
        actual = self.etag_now(fmt, abs_key)
        satisfied = _holds(condition, expected, actual)
        got = d.setdefault_if(key, default_value=value, condition=condition,
                              expected_etag=expected, retrieve_value=retrieve)
        if actual is ITEM_NOT_AVAILABLE:
            if satisfied:
                want = (True, ITEM_NOT_AVAILABLE, str(self.counter + 1), value)
                self.wrote(fmt, abs_key, value, got.resulting_etag)
            else:
                want = (False, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE)
        else:
            want = (satisfied, actual, actual, self.fetched(fmt, abs_key, expected, retrieve))
        self.same_result(got, want)

    @rule(t=target_indices, key=rel_keys, condition=conditions, choice=etag_choices)
    def discard_if(self, t: int, key: Key, condition: Any, choice: str) -> None:
        fmt, prefix, d = self.target(t)
        abs_key = prefix + key
        expected = self.expected_etag(fmt, abs_key, choice)
        actual = self.etag_now(fmt, abs_key)
        satisfied = _holds(condition, expected, actual)
        got = d.discard_if(key, condition=condition, expected_etag=expected)
        if actual is ITEM_NOT_AVAILABLE:
            want = (satisfied, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE)
        elif not satisfied:
            want = (False, actual, actual, VALUE_NOT_RETRIEVED)
        else:
            want = (True, actual, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE)
            del self.model[fmt][abs_key]
        self.same_result(got, want)

    @rule(t=target_indices, key=rel_keys, condition=conditions, choice=etag_choices,
          retrieve=retrieves)
    def get_item_if(self, t: int, key: Key, condition: Any, choice: str, retrieve: Any) -> None:
        fmt, prefix, d = self.target(t)
        abs_key = prefix + key
        expected = self.expected_etag(fmt, abs_key, choice)
        actual = self.etag_now(fmt, abs_key)
        satisfied = _holds(condition, expected, actual)
        got = d.get_item_if(key, condition=condition, expected_etag=expected,
                            retrieve_value=retrieve)
        if actual is ITEM_NOT_AVAILABLE:
            want = (satisfied, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE, ITEM_NOT_AVAILABLE)
        else:
            want = (satisfied, actual, actual, self.fetched(fmt, abs_key, expected, retrieve))
        self.same_result(got, want)
        with_etag = d.get_with_etag(key)
        value = ITEM_NOT_AVAILABLE if actual is ITEM_NOT_AVAILABLE else self.model[fmt][abs_key][0]
        self.same_result(with_etag, (True, actual, actual, value))

    @rule(t=target_indices, key=rel_keys, kind=transform_kinds, const=values)
    def transform_item(self, t: int, key: Key, kind: str, const: Any) -> None:
        fmt, prefix, d = self.target(t)
        abs_key = prefix + key
        found = self.model[fmt].get(abs_key)
        current = ITEM_NOT_AVAILABLE if found is None else found[0]
        calls: list[Any] = []

        def transformer(value: Any) -> Any:
            calls.append(value)
            if kind == "keep":
                return KEEP_CURRENT
            if kind == "delete":
                return DELETE_CURRENT
            if kind == "inc":
                return value + 1 if type(value) is int else 0
            return const

        got = d.transform_item(key, transformer=transformer)
        assert isinstance(got, OperationResult)
        assert len(calls) == 1, f"the transformer ran {len(calls)} times"
        if current is ITEM_NOT_AVAILABLE:
            assert calls[0] is ITEM_NOT_AVAILABLE
        else:
            assert calls[0] == current
        if kind == "keep":
            if found is None:
                assert got.resulting_etag is ITEM_NOT_AVAILABLE
                assert got.new_value is ITEM_NOT_AVAILABLE
            else:
                assert got.resulting_etag == found[1]
                assert got.new_value == found[0]
        elif kind == "delete":
            assert got.resulting_etag is ITEM_NOT_AVAILABLE
            assert got.new_value is ITEM_NOT_AVAILABLE
            self.model[fmt].pop(abs_key, None)
        else:
            if kind == "inc":
                new_value = current + 1 if type(current) is int else 0
            else:
                new_value = const
            assert got.new_value == new_value
            self.wrote(fmt, abs_key, new_value, got.resulting_etag)

    # --- failures and no-ops: nothing changes, the counter does not move ----------------------

    @rule(t=target_indices, key=rel_keys, value=values,
          which=st.sampled_from(["bad_key", "bad_condition", "bad_retrieve", "joker_default",
                                 "store_a_dict", "transformer_raises", "append_only"]))
    def failed_operation(self, t: int, key: Key, value: Any, which: str) -> None:
        fmt, prefix, d = self.target(t)
        expected_error: type[Exception] = TypeError
        try:
            if which == "bad_key":
                expected_error = ValueError
                d[(*key, "a/b")] = value
            elif which == "bad_condition":
                expected_error = ValueError
                d.set_item_if(key, value=value, condition=None,  # type: ignore[arg-type]  # a bad argument on purpose
                              expected_etag=self.etag_now(fmt, prefix + key))
            elif which == "bad_retrieve":
                d.setdefault_if(key, default_value=value, condition=ANY_ETAG,
                                expected_etag=ITEM_NOT_AVAILABLE,
                                retrieve_value=None)  # type: ignore[arg-type]  # a bad argument on purpose
            elif which == "joker_default":
                d.setdefault(key, KEEP_CURRENT)
            elif which == "store_a_dict":
                d[key] = LocalDict()
            elif which == "transformer_raises":
                expected_error = ZeroDivisionError
                d.transform_item(key, transformer=lambda v: 1 // 0)
            else:
                frozen = LocalDict(backend=d.get_params()["backend"], serialization_format=fmt,
                                   append_only=True)
                if prefix + key not in self.model[fmt]:
                    # a new key is allowed once; then it is an existing key
                    self.write_via(frozen, fmt, prefix, key, value)
                expected_error = MutationPolicyError
                frozen[key] = value
        except expected_error:
            pass
        else:
            raise AssertionError(f"{which} did not raise {expected_error.__name__}")

    @rule(t=target_indices, key=rel_keys)
    def reads_are_copies(self, t: int, key: Key) -> None:
        """Mutating a value read (or written) never changes the stored value."""
        fmt, prefix, d = self.target(t)
        found = self.model[fmt].get(prefix + key)
        if found is None:
            mine: list[Any] = [1, [2]]
            d[key] = mine
            self.wrote(fmt, prefix + key, [1, [2]], d.etag(key))
            mine.append(3)
            mine[1].append(4)
        else:
            got = d[key]
            if isinstance(got, list):
                got.append("extra")
            elif isinstance(got, dict):
                got["extra"] = 1
        assert d[key] == self.model[fmt][prefix + key][0]

    # --- views ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.targets) < 8)
    @rule(t=target_indices, prefix=prefixes)
    def make_view(self, t: int, prefix: Key) -> None:
        fmt, base, d = self.target(t)
        view = d.get_subdict(prefix)
        assert view.serialization_format == fmt
        self.targets.append((fmt, base + prefix, view))

    @rule(t=target_indices)
    def prune_now(self, t: int) -> None:
        """An explicit prune pass: removes only empty subtrees, never a key."""
        _, _, d = self.target(t)
        assert self.tree is not None
        removed = d.prune()
        for path in removed:
            assert self.tree.resolve(tuple(path)) is None, f"/{'/'.join(path)} still there"
            for fmt in FORMATS:
                assert not any(k[: len(path)] == tuple(path) and len(k) > len(path)
                               for k in self.model[fmt])

    @rule(t=target_indices)
    def subdicts(self, t: int) -> None:
        fmt, prefix, d = self.target(t)
        subs = d.subdicts()
        n = len(prefix)
        want = {k[n] for k in self.model[fmt] if k[:n] == prefix and len(k) > n}
        assert set(subs) == want
        for name, sub in subs.items():
            assert len(sub) == sum(1 for k in self.model[fmt]
                                   if k[:n + 1] == (*prefix, name) and len(k) > n + 1)

    @rule(t=target_indices, key=rel_keys)
    def reads(self, t: int, key: Key) -> None:
        fmt, prefix, d = self.target(t)
        found = self.model[fmt].get(prefix + key)
        assert (key in d) is (found is not None)
        assert d.get(key, "missing") == ("missing" if found is None else found[0])
        if found is None:
            try:
                d[key]
            except KeyError as exc:
                assert tuple(exc.args[0]) == key
            else:
                raise AssertionError(f"{key} read from an absent key")
        else:
            assert d[key] == found[0]
            assert d.etag(key) == found[1]
        rk = d.random_key()
        if rk is None:
            assert len(d) == 0
        else:
            assert prefix + tuple(rk) in self.model[fmt]
        newest = d.newest_keys()
        etags = [int(d.etag(k)) for k in newest]
        assert etags == sorted(etags, reverse=True)
        assert [tuple(k) for k in d.oldest_keys()] == [tuple(k) for k in reversed(newest)]

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def write_counter_advances_exactly(self) -> None:
        if self.tree is None:
            return
        assert self.tree.counter == self.counter, (
            f"tree counter {self.tree.counter}, expected {self.counter}")
        for _, _, d in self.targets:
            assert d.write_counter == self.counter

    @invariant()
    def contents_match_model(self) -> None:
        for fmt, prefix, d in self.targets:
            n = len(prefix)
            want = {k[n:]: v for k, v in self.model[fmt].items()
                    if k[:n] == prefix and len(k) > n}
            got = {tuple(k): v for k, v in d.items()}
            assert got == {k: v for k, (v, _) in want.items()}, (
                f"{fmt} view /{'/'.join(prefix)}: {got} != model")
            assert len(d) == len(want), f"len {len(d)} != model {len(want)}"
            assert bool(d) is bool(want)
            assert sorted(tuple(k) for k in d.keys()) == sorted(want)  # noqa: SIM118 - keys() is the method under test
            assert {tuple(k): d.etag(k) for k in d} == {k: e for k, (_, e) in want.items()}

    @invariant()
    def backend_is_consistent(self) -> None:
        if self.tree is None:
            return
        _check(self.tree)
        passes, self.prune_passes_seen = self.prune_passes_seen, self.tree.prune_passes
        if self.tree.prune_passes != passes:
            # This step ended with a prune pass (pruning runs at the end of a deletion or
            # clear): it must have removed every empty subtree.
            empty = _empty_non_root_nodes(self.tree)
            assert not empty, f"empty nodes survived a prune pass: {empty}"


LocalDictMachine.TestCase.settings = settings(
    max_examples=500,
    stateful_step_count=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLocalDictMachine = LocalDictMachine.TestCase


def test_a_prune_pass_leaves_no_empty_subtree() -> None:
    """A deletion empties /a/b and /a; /a gets a key again before the pass; /a/b must go."""
    d: LocalDict[Any] = LocalDict(prune_interval=2)
    d["a", "b", "c"] = 1
    del d["a", "b", "c"]
    d["a", "x"] = 2
    d["q"] = 3
    del d["q"]  # the second deletion runs a prune pass
    tree = tree_of(d)
    assert tree.prune_passes == 1
    _check(tree)
    assert _empty_non_root_nodes(tree) == []


def test_explicit_prune_removes_every_empty_subtree() -> None:
    """``LocalDict.prune()`` promises to remove the tree's empty subtrees now."""
    d: LocalDict[Any] = LocalDict(prune_interval=None)
    d["a", "b", "c"] = 1
    del d["a", "b", "c"]
    d["a", "x"] = 2
    d.prune()
    _check(tree_of(d))
    assert _empty_non_root_nodes(tree_of(d)) == []


def test_check_detects_a_corrupted_count() -> None:
    """``_check`` itself must be able to fail: corrupt a count and expect an AssertionError."""
    d: LocalDict[Any] = LocalDict()
    d["a", "b"] = 1
    tree = tree_of(d)
    _check(tree)
    node = tree.root.children["a"]
    node.counts["pkl"] += 1
    try:
        _check(tree)
    except AssertionError:
        pass
    else:
        raise AssertionError("_check accepted a wrong count")
    node.counts["pkl"] -= 1
    tree.nodes += 1
    try:
        _check(tree)
    except AssertionError:
        pass
    else:
        raise AssertionError("_check accepted a wrong node total")

