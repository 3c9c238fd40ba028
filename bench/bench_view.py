"""Benchmark of the tree view, measured side by side in one process.

Prints: the time to create and first-sync a view of a big store and the size of
what it sends; the cost of writes with no view, and with one live view attached
and flushing (interleaved repetitions); the time of a search over every key.

    python bench/bench_view.py            # 1,000,000 keys (about a minute)
    python bench/bench_view.py --quick    # 20,000 keys, a smoke run
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable

from localdict_nb import LocalDict
from localdict_nb.view import model
from localdict_nb.view.widget import LocalDictTree

_DATA_TRAITS = ("summary", "listings", "events", "changes", "detail", "search_result", "notice")


def build(n: int) -> LocalDict:
    """A store of ``n`` keys like ("user_7", "session_3", "item_42") with small dict values."""
    d: LocalDict = LocalDict()
    users = max(1, n // 1000)
    for i in range(n):
        key = (f"user_{i % users}", f"session_{i // users % 10}", f"item_{i}")
        d[key] = {"id": i, "score": i / 2}
    return d


def timed(fn: Callable[[], object]) -> float:
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def first_sync(store: LocalDict, repeats: int) -> None:
    times, sizes = [], []
    for _ in range(repeats):
        holder: list[LocalDictTree] = []
        times.append(timed(lambda holder=holder: holder.append(LocalDictTree(store, live=False))))
        widget = holder[0]
        state = widget.get_state()
        sizes.append(len(json.dumps({k: state[k] for k in _DATA_TRAITS}).encode()))
        total = len(json.dumps(state).encode())
        widget.close()
    ms = statistics.median(times) * 1e3
    print(f"create + first sync of a view of {len(store):,} keys: {ms:.1f} ms (target < 50 ms) "
          f"{'PASS' if ms < 50 else 'MISS'}")
    kib = statistics.median(sizes) / 1024
    print(f"  data payload {kib:.1f} KiB (target < 64 KiB) {'PASS' if kib < 64 else 'MISS'}; "
          f"with the JS/CSS bundle {total / 1024:.1f} KiB (sent once per widget)")


def writes(n_writes: int, repeats: int) -> None:
    keys = [(f"user_{i % 100}", f"session_{i % 7}", f"item_{i}") for i in range(n_writes)]
    value = {"id": 1, "score": 0.5}

    def run(with_view: bool) -> float:
        d: LocalDict = LocalDict()
        d["user_1", "session_1", "item_1"] = value  # so the view can expand these nodes
        widget = LocalDictTree(d) if with_view else None
        if widget is not None:
            widget.expanded = ["user_1", "user_1/session_1"]

        def loop() -> None:
            for key in keys:
                d[key] = value

        elapsed = timed(loop)
        if widget is not None:
            widget.close()
        return elapsed

    plain, viewed = [], []
    for _ in range(repeats):
        plain.append(run(False))
        viewed.append(run(True))
    a, b = statistics.median(plain), statistics.median(viewed)
    overhead = (b / a - 1) * 100
    print(f"{n_writes:,} writes: no view {a / n_writes * 1e6:.2f} us/write, with a live view "
          f"{b / n_writes * 1e6:.2f} us/write: +{overhead:.0f}% (target <= 30%) "
          f"{'PASS' if overhead <= 30 else 'MISS'}")


def search(store: LocalDict, repeats: int) -> None:
    for query in ("item_4242", "user_1*/session_0/item_?00"):
        times = [timed(lambda q=query: model.search(store, q)) for _ in range(repeats)]
        found = model.search(store, query)["total"]
        print(f"search {query!r} over {len(store):,} keys: {statistics.median(times) * 1e3:.0f} ms "
              f"({found:,} matches)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.keys, args.writes, args.repeats = 20_000, 5_000, 2
    start = time.perf_counter()
    store = build(args.keys)
    print(f"built a store of {len(store):,} keys in {time.perf_counter() - start:.1f} s")
    first_sync(store, args.repeats)
    writes(args.writes, args.repeats)
    search(store, max(1, args.repeats // 2))


if __name__ == "__main__":
    main()
