"""Threads on one LocalDict tree: no lost update, exact counts, consistent backend.

Eight threads start together (threading.Barrier) and mix increments (transform_item),
compare-and-swap loops (get_with_etag + set_item_if), setdefault, pop, writes and deletions,
through the root and through views, with prune_interval=1 so that prune passes run while
other threads write. The thread switch interval is lowered to make interleavings likely.
At the end every total is exact and ``_check(tree)`` holds. No timing thresholds: joins
have a generous timeout only so that a deadlock fails instead of hanging.
"""

from __future__ import annotations

import random
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from test_state_machine import _check, tree_of

from localdict_nb import (
    ANY_ETAG,
    DELETE_CURRENT,
    ETAG_IS_THE_SAME,
    ITEM_NOT_AVAILABLE,
    KEEP_CURRENT,
    LocalDict,
)
from localdict_nb.engine.backend import COUNTER, Tree

N_THREADS = 8
HANG_GUARD_SECONDS = 300.0  # only turns a deadlock into a failure; never a speed check


@contextmanager
def fast_switching() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_threads(workers: list[Callable[[], None]]) -> None:
    """Start ``workers`` together, join them, and re-raise the first error any of them hit."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def wrap(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait()
                work()
            except BaseException as exc:  # noqa: BLE001 (re-raised in the test thread)
                errors.append(exc)
                barrier.abort()
        return run

    threads = [threading.Thread(target=wrap(w), daemon=True) for w in workers]
    with fast_switching():
        for t in threads:
            t.start()
        for t in threads:
            t.join(HANG_GUARD_SECONDS)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    if errors:
        raise errors[0]


def all_counters(tree: Tree) -> list[int]:
    """The write counter of every stored entry, in every format."""
    out: list[int] = []
    with tree.lock:
        stack = [tree.root]
        while stack:
            node = stack.pop()
            for bucket in node.buckets.values():
                out.extend(entry[COUNTER] for entry in bucket.values())
            stack.extend(node.children.values())
    return out


def test_no_lost_updates_under_concurrent_mixed_operations() -> None:
    d: LocalDict[Any] = LocalDict(prune_interval=1)
    other: LocalDict[Any] = LocalDict(backend=d.get_params()["backend"],
                                      serialization_format="json", prune_interval=2)
    counters = d.get_subdict("ctr")  # a view: its keys are ("ctr", name) at the root
    n_inc, n_cas, n_items = 3000, 600, 200
    counter_names = ["c0", "c1", "c2"]
    incs: list[Counter[str]] = [Counter() for _ in range(N_THREADS)]
    cas_done = [0] * N_THREADS
    popped: list[list[tuple[tuple[str, ...], Any]]] = [[] for _ in range(N_THREADS)]
    seen_defaults: list[set[Any]] = [set() for _ in range(N_THREADS)]
    transformer_calls = [0] * N_THREADS

    def worker(tid: int) -> Callable[[], None]:
        rng = random.Random(tid)
        mine = d.get_subdict(("tmp", f"t{tid}"))  # emptied and refilled: pruned and re-made

        def work() -> None:
            for i in range(n_inc):
                name = rng.choice(counter_names)

                def inc(v: Any) -> Any:
                    transformer_calls[tid] += 1
                    return 1 if v is ITEM_NOT_AVAILABLE else v + 1

                # through the view and through the root, on the same stored keys
                if i % 2:
                    counters.transform_item(name, transformer=inc)
                else:
                    d.transform_item(("ctr", name), transformer=inc)
                incs[tid][name] += 1
                # churn under a private prefix: create, delete, clear (prunes with interval 1)
                mine[("x", str(i % 4))] = i
                if i % 3 == 0:
                    mine.discard(("x", str((i + 1) % 4)))
                if i % 7 == 0:
                    mine.clear()
                if i % 11 == 0:
                    other[("j", f"t{tid}", str(i))] = i
                    other[("j", f"t{tid}", str(i))] = DELETE_CURRENT
                # setdefault: every thread offers its own id; one value wins for each key
                seen_defaults[tid].add(d.setdefault(("sd", str(i % 5)), tid))
                # produce an item for anyone to pop
                if i < n_items:
                    d[("q", f"t{tid}", str(i))] = (tid, i)
                    victim = ("q", f"t{rng.randrange(N_THREADS)}", str(rng.randrange(i + 1)))
                    got = d.pop(victim, None)
                    if got is not None:
                        popped[tid].append((victim, got))
                d[("k", f"t{tid}")] = KEEP_CURRENT
            for _ in range(n_cas):
                while True:
                    cur = d.get_with_etag("cas")
                    new = 1 if cur.new_value is ITEM_NOT_AVAILABLE else cur.new_value + 1
                    res = d.set_item_if("cas", value=new, condition=ETAG_IS_THE_SAME,
                                        expected_etag=cur.actual_etag)
                    if res.condition_was_satisfied:
                        assert res.resulting_etag != cur.actual_etag
                        break
                    assert res.actual_etag != cur.actual_etag
                cas_done[tid] += 1
            mine.clear()
            mine["last"] = tid

        return work

    run_threads([worker(t) for t in range(N_THREADS)])

    tree = tree_of(d)
    _check(tree)
    # increments: no lost update, each transformer ran exactly once
    total = Counter[str]()
    for c in incs:
        total.update(c)
    assert {name: counters[name] for name in counter_names if name in counters} == dict(total)
    assert sum(transformer_calls) == N_THREADS * n_inc
    assert d["cas"] == sum(cas_done) == N_THREADS * n_cas
    # setdefault: one winner per key, and every thread saw that winner
    for j in range(5):
        winner = d[("sd", str(j))]
        assert all(winner in seen for seen in seen_defaults)
    assert set().union(*seen_defaults) == {d[("sd", str(j))] for j in range(5)}
    # pop: each produced item is either still there or was popped exactly once, by value
    popped_keys = Counter(key for lst in popped for key, _ in lst)
    assert all(n == 1 for n in popped_keys.values()), "an item was popped twice"
    for lst in popped:
        for key, value in lst:
            assert key not in d
            assert value == (int(key[1][1:]), int(key[2]))
    remaining = {tuple(k) for k in d.get_subdict("q")}
    produced = {(f"t{t}", str(i)) for t in range(N_THREADS) for i in range(n_items)}
    assert remaining | {k[1:] for k in popped_keys} == produced
    assert not remaining & {k[1:] for k in popped_keys}
    # exact lengths: counters + cas + sd + remaining queue + one "last" per thread
    assert len(counters) == len(counter_names)
    assert len(d.get_subdict("tmp")) == N_THREADS
    assert {tuple(k) for k in d.get_subdict("tmp")} == {
        (f"t{t}", "last") for t in range(N_THREADS)}
    assert len(d) == len(counter_names) + 1 + 5 + len(remaining) + N_THREADS
    assert len(d) == sum(1 for _ in d)
    assert len(other) == 0 and list(other.keys()) == []
    assert ("k", "t0") not in d
    # ETags: unique over the whole tree, none beyond the write counter
    etags = all_counters(tree)
    assert len(etags) == len(set(etags)) == len(d) + len(other)
    assert max(etags) <= d.write_counter
    assert sorted(int(d.etag(k)) for k in d) == sorted(etags)


def test_transform_item_and_cas_on_one_key_from_views_and_root() -> None:
    """All threads hammer one key, through different views of the same node."""
    d: LocalDict[Any] = LocalDict(prune_interval=1)
    views = [d, d.get_subdict("a"), d.get_subdict(("a", "b")), d.get_subdict("a")]
    keys = [("a", "b", "n"), ("b", "n"), ("n",), ("b", "n")]
    rounds = 4000

    def worker(tid: int) -> Callable[[], None]:
        view, key = views[tid % 4], keys[tid % 4]

        def work() -> None:
            for i in range(rounds):
                if (i + tid) % 2:
                    view.transform_item(key, transformer=lambda v: 1 if v is ITEM_NOT_AVAILABLE
                                        else v + 1)
                else:
                    while True:
                        cur = view.get_item_if(key, condition=ANY_ETAG,
                                               expected_etag=ITEM_NOT_AVAILABLE)
                        value = cur.new_value
                        new = 1 if value is ITEM_NOT_AVAILABLE else value + 1
                        if view.set_item_if(key, value=new, condition=ETAG_IS_THE_SAME,
                                            expected_etag=cur.actual_etag
                                            ).condition_was_satisfied:
                            break
                # a sibling that comes and goes, so the path's nodes see prune passes
                view[("tmp", str(tid))] = i
                del view[("tmp", str(tid))]

        return work

    run_threads([worker(t) for t in range(N_THREADS)])
    assert d[("a", "b", "n")] == N_THREADS * rounds
    assert len(d) == 1 and len(views[1]) == 1 and len(views[2]) == 1
    # every increment and every sibling write took exactly one counter value
    assert d.write_counter == 2 * N_THREADS * rounds
    assert int(d.etag(("a", "b", "n"))) <= d.write_counter
    _check(tree_of(d))


def test_iterating_while_other_threads_write_never_raises() -> None:
    d: LocalDict[Any] = LocalDict(prune_interval=1)
    n_writers, n_readers, rounds = 4, 4, 6000
    done = threading.Event()
    seen_counts: list[int] = []

    def writer(tid: int) -> Callable[[], None]:
        rng = random.Random(100 + tid)

        def work() -> None:
            view = d.get_subdict(("w", str(tid)))
            for i in range(rounds):
                a, b = rng.choice("abc"), rng.choice("abc")
                d[("w", str(tid), a, b)] = {"i": i}
                view[(b, a, "deep", str(i % 3))] = [i]
                if i % 4 == 0:
                    view.discard((a, b))
                if i % 25 == 0:
                    view.clear()
                if i % 9 == 0:
                    d.pop(("w", str((tid + 1) % n_writers), b, a), None)
            view["end"] = {"i": -1}

        return work

    def reader(tid: int) -> Callable[[], None]:
        def work() -> None:
            sub = d.get_subdict("w")
            while not done.is_set():
                keys = list(d.keys())
                assert all(type(k) is not str and all(isinstance(s, str) for s in k)
                           for k in keys)
                for k, v in d.items():
                    assert isinstance(v, (dict, list)), (k, v)
                for _ in d.values():
                    pass
                for k, _ts in sub.keys_and_timestamps():
                    assert k[0] in {str(i) for i in range(n_writers)}
                sub.subdicts()
                d.newest_keys(max_n=3)
                d.random_key()
                seen_counts.append(len(keys))
                assert len(d) >= 0
            seen_counts.append(len(list(d.items())))

        return work

    writers = [writer(t) for t in range(n_writers)]
    # the readers stop once the writers are done; a single "stopper" waits for all writers
    finished = threading.Semaphore(0)

    def wrapped(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            finally:
                finished.release()
        return run

    def stopper() -> None:
        for _ in range(n_writers):
            finished.acquire()
        done.set()

    run_threads([wrapped(w) for w in writers] + [reader(t) for t in range(n_readers)]
                + [stopper])
    assert done.is_set()
    assert seen_counts, "the readers never completed a pass"
    _check(tree_of(d))
    # after the writers: exactly what the last operations left
    for t in range(n_writers):
        assert d[("w", str(t), "end")] == {"i": -1}
    assert len(d) == sum(1 for _ in d) == len(dict(d.items()))
    etags = all_counters(tree_of(d))
    assert len(etags) == len(set(etags))
