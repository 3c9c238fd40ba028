#!/usr/bin/env python
"""Engine benchmark: ``localdict_nb.LocalDict`` vs ``persidict.LocalDict`` vs a deep-copying dict.

Run from the repository root with the project's interpreter::

    python bench/bench_engine.py                 # sizes 100000,1000000, 5 repeats
                                                 # (<10 min, 2 cores)
    python bench/bench_engine.py --quick         # smoke run: size 2000, 2 repeats (seconds)
    python bench/bench_engine.py --sizes 100000 --repeats 3 --no-memory

The three implementations run side by side in one process. For every size and
key shape, each repetition runs the whole sequence of operations (set into an
empty store, get, ``in``, ``keys()``, ``items()``, ``len``, delete) once per
implementation, in an order that rotates from one repetition to the next, so
slow drifts of the machine hit all three alike. The table shows the median over
repetitions of the microseconds per item (per call for ``len``).

persidict's LocalDict is slow enough at 1M items that timing every operation on
every item would blow the run's time budget. At sizes above ``--sample-above`` its
get, ``in`` and delete are timed on ``--sample`` random keys of the full store, and
its ``keys()`` and ``items()`` on the first ``--sample`` items yielded. ``len`` is
called ``--len-calls`` times, or fewer if that would take more than ``--len-budget``
seconds (persidict's ``len`` walks the whole tree on every call). Such cells are
marked ``*`` and explained under the table. set always inserts every item, since it
builds the store the other operations run on.

Memory per item is measured in a fresh subprocess per implementation, size and
key shape, which builds the store from keys and values made on the fly, and
counts what the store retains (nodes, buckets, key strings, the stored copies of
the values): the bytes tracemalloc still sees allocated after a full collection
(exact, but building under tracemalloc is about six times slower), or the growth
of the resident set (fast; includes the allocators' overhead, and is too coarse
for small stores). By default (``--memory-method auto``) stores of up to 200,000
items use tracemalloc and larger ones RSS.

Only the standard library, localdict_nb and persidict are used. This is a
benchmark: it prints PASS/MISS per target and always exits 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from copy import deepcopy
from itertools import islice
from typing import Any

IMPLS = ("ours", "persidict", "plain")
SHAPES = ("3seg", "flat")
SHAPE_LABELS = {"3seg": '3-segment keys ("user_7", "session_3", "item_42")',
                "flat": 'flat keys "key_123456"'}
OPS = ("set", "get", "in", "keys", "items", "delete", "len")
OP_LABELS = {"set": "set", "get": "get", "in": "in", "keys": "keys()", "items": "items()",
             "delete": "delete", "len": "len"}

ITEMS_PER_SESSION = 100
SESSIONS_PER_USER = 10
ITEMS_PER_USER = ITEMS_PER_SESSION * SESSIONS_PER_USER

WARMUP_ITEMS = 2_000
CLOCKS = {"perf": time.perf_counter_ns, "process": time.process_time_ns}
clock_ns = time.perf_counter_ns
"""The clock of the timed sections (``--clock``): wall-clock by default."""
RSS_ABOVE = 200_000
"""With --memory-method auto, larger stores are measured by RSS growth, smaller by tracemalloc."""
SEED = 20240601


# --- workload ----------------------------------------------------------------------------

def key_for(shape: str, i: int) -> tuple[str, str, str] | str:
    """The i-th key: 1M items make 1000 users x 10 sessions x 100 items, or "key_i"."""
    if shape == "3seg":
        return (f"user_{i // ITEMS_PER_USER}",
                f"session_{(i // ITEMS_PER_SESSION) % SESSIONS_PER_USER}",
                f"item_{i % ITEMS_PER_SESSION}")
    return f"key_{i}"


def value_for(i: int) -> dict[str, Any]:
    return {"id": i, "score": i * 0.5, "tags": ["a", "b"]}


class DeepCopyDict:
    """The baseline: a plain dict that deep-copies on set and on get, with tuple keys.

    A str key is stored as the 1-tuple ``(key,)``, as a PersiDict normalises it.
    ``keys()`` never copies; ``items()`` deep-copies each value, as a get does.
    """

    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: dict[tuple[str, ...], Any] = {}

    def __setitem__(self, key: Any, value: Any) -> None:
        self._d[key if type(key) is tuple else (key,)] = deepcopy(value)

    def __getitem__(self, key: Any) -> Any:
        return deepcopy(self._d[key if type(key) is tuple else (key,)])

    def __contains__(self, key: Any) -> bool:
        return (key if type(key) is tuple else (key,)) in self._d

    def __delitem__(self, key: Any) -> None:
        del self._d[key if type(key) is tuple else (key,)]

    def __len__(self) -> int:
        return len(self._d)

    def keys(self) -> Iterator[tuple[str, ...]]:
        return iter(self._d)

    def items(self) -> Iterator[tuple[tuple[str, ...], Any]]:
        for key, value in self._d.items():
            yield key, deepcopy(value)


def store_factory(impl: str) -> Callable[[], Any]:
    if impl == "ours":
        import localdict_nb
        return localdict_nb.LocalDict
    if impl == "persidict":
        import persidict
        return persidict.LocalDict
    return DeepCopyDict


# --- timed sections ------------------------------------------------------------------------

class _NoGC:
    """Disable the cyclic garbage collector inside a timed section; restore it after."""

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


def time_set(store: Any, keys: list[Any], values: list[Any]) -> int:
    with _NoGC():
        t0 = clock_ns()
        for k, v in zip(keys, values, strict=True):
            store[k] = v
        return clock_ns() - t0


def time_get(store: Any, keys: list[Any]) -> int:
    with _NoGC():
        t0 = clock_ns()
        for k in keys:
            store[k]
        return clock_ns() - t0


def time_in(store: Any, keys: list[Any]) -> int:
    with _NoGC():
        t0 = clock_ns()
        for k in keys:
            k in store  # noqa: B015 - the lookup is what is timed
        return clock_ns() - t0


def time_iter(make_iter: Callable[[], Iterator[Any]], limit: int | None) -> tuple[int, int]:
    """Time a full (or first ``limit`` items of an) iteration; return (ns, items)."""
    n = 0
    with _NoGC():
        t0 = clock_ns()
        it = make_iter() if limit is None else islice(make_iter(), limit)
        for _ in it:
            n += 1
        return clock_ns() - t0, n


def time_len(store: Any, calls: int) -> int:
    with _NoGC():
        t0 = clock_ns()
        for _ in range(calls):
            len(store)
        return clock_ns() - t0


def time_delete(store: Any, keys: list[Any]) -> int:
    with _NoGC():
        t0 = clock_ns()
        for k in keys:
            del store[k]
        return clock_ns() - t0


# --- one size and key shape ------------------------------------------------------------------

class Plan:
    """How many items each implementation's operations are timed on, and len's call budget."""

    def __init__(self, size: int, len_calls: int, len_budget_s: float,
                 persidict_sample: int | None) -> None:
        self.size = size
        self.len_calls = len_calls
        self.len_budget_ns = len_budget_s * 1e9
        self.persidict_sample = persidict_sample

    @classmethod
    def from_args(cls, size: int, args: argparse.Namespace) -> Plan:
        sample = min(args.sample, size) if size > args.sample_above else None
        return cls(size, args.len_calls, args.len_budget, sample)

    def items(self, impl: str, op: str) -> int:
        """Items an operation is timed on (set always inserts every item)."""
        if op == "set" or impl != "persidict" or self.persidict_sample is None:
            return self.size
        return self.persidict_sample


def run_sequence(impl: str, keys: list[Any], values: list[Any], shuffled: list[Any],
                 plan: Plan) -> tuple[dict[str, float], dict[str, int]]:
    """Build a store and run every operation once.

    Return microseconds per item (per call for len) and how many items (calls)
    each operation was timed on.
    """
    store = store_factory(impl)()
    us: dict[str, float] = {}
    counts: dict[str, int] = {}
    n = len(keys)

    counts["set"] = n
    us["set"] = time_set(store, keys, values) / n / 1e3

    m = plan.items(impl, "get")
    probe = shuffled if m == n else shuffled[:m]
    counts["get"] = counts["in"] = counts["delete"] = m
    us["get"] = time_get(store, probe) / m / 1e3
    us["in"] = time_in(store, probe) / m / 1e3

    limit = plan.items(impl, "keys")
    for op in ("keys", "items"):
        ns, got = time_iter(getattr(store, op), None if limit == n else limit)
        assert got == limit, (impl, op, got, limit)
        counts[op] = got
        us[op] = ns / got / 1e3

    assert len(store) == n, (impl, "len", len(store))
    one = max(min(time_len(store, 1) for _ in range(3)), 1)  # calibrate the cap on len's time
    calls = max(5, min(plan.len_calls, int(plan.len_budget_ns // one)))
    counts["len"] = calls
    us["len"] = time_len(store, calls) / calls / 1e3

    us["delete"] = time_delete(store, probe) / m / 1e3
    assert len(store) == n - m, (impl, "delete", len(store))
    del store
    return us, counts


Results = dict[str, dict[str, list[float]]]
"""{impl: {op: [value per repetition]}}"""


def bench_shape(size: int, shape: str, args: argparse.Namespace, log: Callable[[str], None],
                ) -> tuple[Results, Results, Plan]:
    """Interleaved repetitions for one size and key shape: (us per item, items timed, plan)."""
    plan = Plan.from_args(size, args)
    rng = random.Random(SEED + size)
    keys = [key_for(shape, i) for i in range(size)]
    values = [value_for(i) for i in range(size)]
    shuffled = keys[:]
    rng.shuffle(shuffled)
    # Keep the collector from re-scanning the workload on every collection.
    gc.collect()
    gc.freeze()

    # Warm-up: every implementation, every operation, on a small store.
    w = min(WARMUP_ITEMS, size)
    warm_plan = Plan(w, 10, 0.1, None)
    for impl in IMPLS:
        run_sequence(impl, keys[:w], values[:w], keys[:w][::-1], warm_plan)
        gc.collect()

    us_per_item: Results = {impl: {op: [] for op in OPS} for impl in IMPLS}
    timed_on: Results = {impl: {op: [] for op in OPS} for impl in IMPLS}
    for rep in range(args.repeats):
        order = IMPLS[rep % len(IMPLS):] + IMPLS[:rep % len(IMPLS)]
        for impl in order:
            t0 = time.perf_counter()
            us, counts = run_sequence(impl, keys, values, shuffled, plan)
            gc.collect()  # untimed: free the store (our nodes point at their parents)
            for op in OPS:
                us_per_item[impl][op].append(us[op])
                timed_on[impl][op].append(counts[op])
            log(f"  size {size:,} {shape} rep {rep + 1}/{args.repeats} {impl}: "
                f"{time.perf_counter() - t0:.1f}s")
    gc.unfreeze()
    del keys, values, shuffled
    gc.collect()
    return us_per_item, timed_on, plan


# --- memory (one subprocess per measurement) ---------------------------------------------------

def _rss_bytes() -> int | None:
    """This process's resident set size, or None where /proc is not available."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def memory_worker(impl: str, shape: str, size: int, method: str) -> None:
    """Print, as JSON, the bytes a store of ``size`` items retains, measured by ``method``."""
    factory = store_factory(impl)
    store = factory()
    # Touch the code paths (and any lazy module state) outside the measurement.
    for i in range(3):
        store[key_for(shape, i)] = value_for(i)
    store = factory()
    gc.collect()
    if method == "rss" and _rss_bytes() is None:
        method = "tracemalloc"
    if method == "tracemalloc":
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    else:
        before = _rss_bytes()
    for i in range(size):
        store[key_for(shape, i)] = value_for(i)
    gc.collect()
    if method == "tracemalloc":
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    else:
        after = _rss_bytes()
    assert len(store) == size
    print(json.dumps({"retained": after - before, "method": method}))  # type: ignore[operator]  # measured only where tracemalloc ran


def measure_memory(cells: list[tuple[int, str, str]], method: str, jobs: int,
                   log: Callable[[str], None]) -> dict[tuple[int, str], dict[str, dict[str, Any]]]:
    """Run one worker subprocess per (size, shape, impl), ``jobs`` at a time.

    The workers only count bytes, so running two side by side (after the timings)
    changes nothing but the wall-clock time. With more than one job the RSS of one
    worker is unaffected by the others (each measures its own process).
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(cell: tuple[int, str, str]) -> dict[str, Any]:
        size, shape, impl = cell
        how = method if method != "auto" else "rss" if size > RSS_ABOVE else "tracemalloc"
        cmd = [sys.executable, os.path.abspath(__file__), "--memory-worker", impl, shape,
               str(size), how]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        log(f"  memory size {size:,} {shape} {impl}: {time.perf_counter() - t0:.1f}s")
        return json.loads(out.strip().splitlines()[-1])

    memory: dict[tuple[int, str], dict[str, dict[str, Any]]] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for (size, shape, impl), got in zip(cells, pool.map(one, cells), strict=True):
            memory.setdefault((size, shape), {})[impl] = got
    return memory


# --- report ------------------------------------------------------------------------------------

def fmt_us(x: float) -> str:
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def fmt_ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 100 else f"{x:.2f}x"


def _range(values: list[float]) -> str:
    lo, hi = int(min(values)), int(max(values))
    return f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"


def print_table(size: int, shape: str, med: dict[str, dict[str, float]], timed_on: Results,
                plan: Plan, repeats: int) -> None:
    print(f"\nsize {size:,}, {SHAPE_LABELS[shape]}  "
          f"(median of {repeats}; microseconds per item, per call for len)")
    head = (f"  {'op':<8} {'ours':>10} {'persidict':>11} {'plain':>10} "
            f"{'persidict/ours':>15} {'ours/plain':>11}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    notes = []
    for op in OPS:
        cells = []
        for impl in IMPLS:
            counts = timed_on[impl][op]
            full = plan.len_calls if op == "len" else size
            star = "*" if min(counts) < full else " "
            cells.append(fmt_us(med[impl][op]) + star)
            if star == " ":
                continue
            if op == "len":
                notes.append(f"len: {impl} called {_range(counts)} times per repetition, not "
                             f"{full:,}: calls are capped at {plan.len_budget_ns / 1e9:g}s per "
                             f"repetition (persidict's len walks the whole tree on every call)")
            elif op in ("keys", "items"):
                notes.append(f"{OP_LABELS[op]}: {impl} timed on the first {_range(counts)} "
                             f"items yielded from the {size:,}-item store")
            else:
                notes.append(f"{OP_LABELS[op]}: {impl} timed on {_range(counts)} random keys "
                             f"of the {size:,}-item store")
        o, p, b = (med[impl][op] for impl in IMPLS)
        print(f"  {OP_LABELS[op]:<8} {cells[0]:>11}{cells[1]:>12}{cells[2]:>11} "
              f"{fmt_ratio(p / o):>15} {o / b:>11.2f}")
    for note in notes:
        print(f"  * {note}")


SPEEDUP_TARGETS = (("set", 3.0), ("get", 3.0), ("in", 3.0), ("keys", 3.0), ("delete", 3.0),
                   ("items", 2.0))
LEN_TARGET, LEN_TARGET_SIZE = 100.0, 100_000


def checklist(medians: dict[tuple[int, str], dict[str, dict[str, float]]],
              memory: dict[tuple[int, str], dict[str, dict[str, Any]]]) -> tuple[int, int]:
    print("\nTargets")
    print("-------")
    passed = missed = 0

    def line(ok: bool, text: str) -> None:
        nonlocal passed, missed
        passed += ok
        missed += not ok
        print(f"  {'PASS' if ok else 'MISS'}  {text}")

    cells = sorted(medians)
    for op, target in SPEEDUP_TARGETS:
        for size, shape in cells:
            m = medians[size, shape]
            r = m["persidict"][op] / m["ours"][op]
            line(r >= target, f"{OP_LABELS[op]:<8} {f'persidict/ours >= {target:.0f}x':<32}"
                              f"{size:>9,} {shape:<4}  {fmt_ratio(r)}")
    len_cells = [c for c in cells if c[0] == LEN_TARGET_SIZE]
    for size, shape in len_cells:
        m = medians[size, shape]
        r = m["persidict"]["len"] / m["ours"]["len"]
        line(r >= LEN_TARGET, f"{'len':<8} {f'persidict/ours >= {LEN_TARGET:.0f}x':<32}"
                              f"{size:>9,} {shape:<4}  {fmt_ratio(r)}")
    if not len_cells:
        print(f"  n/a   len      persidict/ours >= {LEN_TARGET:.0f}x is defined at "
              f"{LEN_TARGET_SIZE:,} items, which this run did not measure")
    for op in ("set", "get"):
        for size, shape in cells:
            m = medians[size, shape]
            r = m["ours"][op] / m["plain"][op]
            line(r <= 1.0, f"{OP_LABELS[op]:<8} {'ours/plain <= 1.00':<32}"
                           f"{size:>9,} {shape:<4}  {r:.2f}")
    for size, shape in sorted(memory):
        mem = memory[size, shape]
        o, p = mem["ours"]["retained"], mem["persidict"]["retained"]
        line(o <= p, f"{'memory':<8} {'ours <= persidict, bytes/item':<32}"
                     f"{size:>9,} {shape:<4}  {o / size:.0f} vs {p / size:.0f}")
    print(f"\n  {passed} PASS, {missed} MISS")
    return passed, missed


def print_memory(memory: dict[tuple[int, str], dict[str, dict[str, Any]]]) -> None:
    print("\nMemory retained by a store, bytes per item (a fresh process each; tracemalloc: "
          "live allocations,\n  rss: resident set growth, which adds the allocators' overhead)")
    head = (f"  {'size':>9} {'keys':<5} {'ours':>7} {'persidict':>10} {'plain':>7} "
            f"{'ours/persidict':>15} {'ours/plain':>11}  method")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for (size, shape), mem in sorted(memory.items()):
        o, p, b = (mem[i]["retained"] / size for i in IMPLS)
        methods = "/".join(sorted({mem[i]["method"] for i in IMPLS}))
        print(f"  {size:>9,} {shape:<5} {o:>7.0f} {p:>10.0f} {b:>7.0f} {o / p:>15.2f} "
              f"{o / b:>11.2f}  {methods}")


# --- main ----------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000",
                    help="comma-separated store sizes (default: 100000,1000000)")
    ap.add_argument("--repeats", type=int, default=5,
                    help="interleaved repetitions per size and key shape (default: 5)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: sizes 2000, 2 repeats (overrides --sizes/--repeats)")
    ap.add_argument("--shapes", default="3seg,flat", help="key shapes (default: 3seg,flat)")
    ap.add_argument("--len-calls", type=int, default=1000,
                    help="len() calls per repetition (default: 1000)")
    ap.add_argument("--sample-above", type=int, default=200_000,
                    help="above this size, sample persidict's slow operations (default: 200000)")
    ap.add_argument("--sample", type=int, default=20_000,
                    help="items persidict's sampled operations are timed on (default: 20000)")
    ap.add_argument("--len-budget", type=float, default=0.5, metavar="SECONDS",
                    help="cap on the time of one repetition's len() calls: fewer calls are "
                         "made if --len-calls would take longer (default: 0.5)")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="perf",
                    help="perf: time.perf_counter_ns (wall clock, the default); process: "
                         "time.process_time_ns (this process's CPU time; steadier on a "
                         "machine shared with other work)")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    ap.add_argument("--memory-jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="memory worker processes run at a time, after the timings "
                         "(default: min(2, CPUs))")
    ap.add_argument("--json", metavar="PATH", help="also write the raw results as JSON")
    ap.add_argument("--memory-method", choices=("auto", "rss", "tracemalloc"), default="auto",
                    help="tracemalloc: Python allocations still live after building (exact, "
                         "~6x slower); rss: growth of the resident set (fast, coarse); auto: "
                         f"tracemalloc up to {RSS_ABOVE:,} items, rss above (default: auto)")
    ap.add_argument("--memory-worker", nargs=4, metavar=("IMPL", "SHAPE", "SIZE", "METHOD"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats = "2000", 2
    args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.shape_list = [s.strip() for s in args.shapes.split(",") if s.strip()]
    for s in args.shape_list:
        if s not in SHAPES:
            ap.error(f"unknown key shape {s!r}; choose from {', '.join(SHAPES)}")
    if args.repeats < 1 or not args.size_list or min(args.size_list) < 1:
        ap.error("--repeats and every size must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_worker:
        impl, shape, size, method = args.memory_worker
        memory_worker(impl, shape, int(size), method)
        return 0

    import persidict

    import localdict_nb
    global clock_ns  # noqa: PLW0603 - --clock sets the timer once
    clock_ns = CLOCKS[args.clock]
    start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    print("Engine benchmark: localdict_nb.LocalDict (ours) vs persidict.LocalDict vs plain dict "
          "(deepcopy on set and get)")
    print(f"  localdict_nb {localdict_nb.__version__} ({_engine_state(localdict_nb.__file__)}), "
          f"persidict {getattr(persidict, '__version__', None) or _dist_version('persidict')}, "
          f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"  sizes {', '.join(f'{s:,}' for s in args.size_list)}; {args.repeats} interleaved "
          f"repetition(s); clock {args.clock}; values like {value_for(42)}")

    medians: dict[tuple[int, str], dict[str, dict[str, float]]] = {}
    raw: dict[str, Any] = {"timings": [], "memory": []}
    for size in args.size_list:
        for shape in args.shape_list:
            log(f"timing size {size:,}, {shape} keys")
            results, timed_on, plan = bench_shape(size, shape, args, log)
            med = {impl: {op: statistics.median(v) for op, v in ops.items()}
                   for impl, ops in results.items()}
            medians[size, shape] = med
            print_table(size, shape, med, timed_on, plan, args.repeats)
            sys.stdout.flush()
            raw["timings"].append({"size": size, "shape": shape, "us_per_item": results,
                                   "timed_on": timed_on})

    memory: dict[tuple[int, str], dict[str, dict[str, Any]]] = {}
    if not args.no_memory:
        log("memory")
        cells = [(size, shape, impl) for size in args.size_list for shape in args.shape_list
                 for impl in IMPLS]
        memory = measure_memory(cells, args.memory_method, args.memory_jobs, log)
        raw["memory"] = [{"size": size, "shape": shape, "impl": impl, **memory[size, shape][impl]}
                         for size, shape, impl in cells]
        print_memory(memory)
        sys.stdout.flush()

    checklist(medians, memory)
    elapsed = time.perf_counter() - start
    print(f"\nTotal run time {elapsed:.0f}s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)
    return 0


def _engine_state(init_file: str) -> str:
    """Where the measured engine lives and, if in a git checkout, its commit and dirtiness."""
    where = os.path.dirname(os.path.abspath(init_file))
    try:
        git = ["git", "-C", where]
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return where
    return f"{where} at {head}{' + uncommitted changes' if dirty else ''}"


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
