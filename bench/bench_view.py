"""Benchmark of the tree view, measured side by side in one process.

Prints: the time to create and first-sync a view of a big store and the size of
what it sends; the cost of writes to a 1,000,000-key store with no view, with one
live view, with twenty open views of which one is shown (re-run cells leave them so:
the other outputs were cleared, and their pages said so) and with twenty shown
(interleaved repetitions, on the same store); the cost of one flush tick and its
message; the time of a search over every key.

The views are live: the process's flusher thread polls them ten times a second
while the writes run, and their messages go through a stand-in for a kernel comm
that serializes them to JSON as ipykernel would (``StandInComm``): what a view costs
a writer is the work it does on the writer's GIL, so it must be measured while it
runs.

    python bench/bench_view.py            # 1,000,000 keys (a few minutes)
    python bench/bench_view.py --quick    # 20,000 keys, a smoke run
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from localdict_nb import LocalDict
from localdict_nb.view import model
from localdict_nb.view.widget import LocalDictTree

_DATA_TRAITS = ("summary", "listings", "events", "changes", "detail", "search_result", "notice")
USERS, SESSIONS = 1000, 10


def key_of(i: int, users: int) -> tuple[str, str, str]:
    return f"user_{i % users}", f"session_{i // users % SESSIONS}", f"item_{i}"


def value_of(i: int) -> Any:
    """Half small ints, half small dicts."""
    return i if i % 2 else {"id": i, "score": i / 2}


def build(n: int) -> LocalDict[Any]:
    """A store of ``n`` keys like ("user_7", "session_3", "item_42")."""
    d: LocalDict[Any] = LocalDict()
    users = max(1, n // (SESSIONS * 100))
    for i in range(n):
        d[key_of(i, users)] = value_of(i)
    return d


class StandInComm:
    """What a kernel comm does with a widget's messages, minus the socket: JSON-serialize them."""

    kernel = True

    def __init__(self, comm_id: str) -> None:
        self.comm_id = comm_id
        self.messages = 0
        self.bytes = 0

    def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        self.messages += 1
        self.bytes += len(json.dumps(data, default=str).encode())

    def on_msg(self, callback: Callable[..., Any]) -> None:
        pass

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass


def live_view(store: LocalDict[Any], expanded: list[str]) -> tuple[LocalDictTree, StandInComm]:
    """A view of ``store`` flushed by the flusher thread, its messages serialized."""
    widget = LocalDictTree(store)
    comm = StandInComm(widget.comm.comm_id if widget.comm is not None else "bench")
    widget.comm = comm
    widget.expanded = expanded
    return widget, comm


def timed(fn: Callable[[], object]) -> float:
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def first_sync(store: LocalDict[Any], repeats: int) -> None:
    times, sizes = [], []
    total = 0
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


def writes(store: LocalDict[Any], n_writes: int, repeats: int) -> None:
    users = max(1, len(store) // (SESSIONS * 100))
    base = len(store)
    # a third under the nodes the views expand (user_0/session_0), the rest spread over the store;
    # one unmeasured run first creates them, so that every measured run does the same work
    keys = [("user_0", "session_0", f"item_{i}") if i % 3 == 0 else key_of(base + i, users)
            for i in range(n_writes)]
    values = [value_of(i) for i in range(n_writes)]
    expanded = ["user_0", "user_0/session_0"]

    def loop(rounds: int = 1) -> None:
        for _ in range(rounds):
            for key, value in zip(keys, values, strict=True):
                store[key] = value

    loop()  # the keys exist from now on: every measured run writes the same (overwrites)
    configs = {  # live views, of which no page shows (their outputs were cleared)
        "no view": (0, 0), "1 live view": (1, 0), "20 open, 1 shown": (20, 19),
        "20 shown": (20, 0),
    }
    runs: dict[str, list[float]] = {config: [] for config in configs}
    for r in range(repeats):
        order = list(runs)
        order = order[r % len(order):] + order[: r % len(order)]  # rotate: drifts hit all alike
        for config in order:
            views, hidden = configs[config]
            shown = [live_view(store, expanded) for _ in range(views)]
            for widget, _ in shown[:hidden]:
                widget.set_state({"rendered": {"page": 0}})  # what a cleared output reports
            time.sleep(0.2)  # the flusher has sent the first state
            runs[config].append(timed(loop))
            for widget, _ in shown:
                widget.close()
    report(runs, n_writes, len(store), repeats)
    # Twenty views on screen at once: the flusher's first tick can fill a short run, and
    # it then spaces its ticks (at most 10% of the time); a long run shows what stays.
    rounds = 10
    sustained: dict[str, list[float]] = {"no view": [], "20 shown": []}
    for r in range(max(1, repeats // 3)):
        for config in (["no view", "20 shown"] if r % 2 == 0 else ["20 shown", "no view"]):
            shown = [live_view(store, expanded) for _ in range(20 if config != "no view" else 0)]
            time.sleep(0.2)
            sustained[config].append(timed(lambda: loop(rounds)))
            for widget, _ in shown:
                widget.close()
    report(sustained, rounds * n_writes, len(store), max(1, repeats // 3))


def report(runs: dict[str, list[float]], n_writes: int, n_keys: int, repeats: int) -> None:
    """Print the median time per write of each configuration against "no view"."""
    base_t = statistics.median(runs["no view"])
    print(f"{n_writes:,} writes to a store of {n_keys:,} keys (median of {repeats}):")
    for config, times in runs.items():
        t = statistics.median(times)
        line = f"  {config:<17} {t / n_writes * 1e6:.2f} us/write"
        if config != "no view":
            extra = (t / base_t - 1) * 100
            target = 10 if config == "1 live view" else 20
            line += (f"  {extra:+.1f}% (target <= {target}%) "
                     f"{'PASS' if extra <= target else 'MISS'}")
        print(line)


def flush_tick(store: LocalDict[Any], ticks: int) -> None:
    """One flush after a burst of 1,000 writes under and beside the expanded nodes."""
    widget = LocalDictTree(store, live=False)
    comm = StandInComm("tick")
    widget.comm = comm
    widget.expanded = ["user_0", "user_0/session_0"]
    times, sizes = [], []
    for t in range(ticks):
        for i in range(1_000):
            store["user_0", "session_0", f"tick_{t}_{i % 50}"] = i
            store[f"user_{i % 7 + 1}", "session_1", f"tick_{i}"] = i
        before = comm.bytes
        times.append(timed(widget.flush))
        sizes.append(comm.bytes - before)
    widget.close()
    print(f"one flush tick (after 2,000 writes, 2 nodes expanded): "
          f"{statistics.median(times) * 1e3:.1f} ms, message {statistics.median(sizes) / 1024:.1f} "
          "KiB (median)")


def search(store: LocalDict[Any], repeats: int) -> None:
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
    writes(store, args.writes, args.repeats)
    flush_tick(store, max(3, args.repeats))
    search(store, max(1, args.repeats // 2))


if __name__ == "__main__":
    main()
