"""Benchmark of the tree view over persidict's stores: a FileDirDict on disk and S3.

Prints, for a 100,000-key FileDirDict and a 10,000-key S3 store (on a local S3 API
server, moto's server mode, started here unless ``--endpoint`` names one): the time
and the list requests of the first screen (the first poll round: the root listing,
and counts within their budget), beside what listing every key takes (``keys()``, the
naive way); then the cost of one poll tick with two nodes expanded, when nothing
changed and after another process wrote 100 keys.

    python bench/bench_stores.py            # 100,000 files and 10,000 objects (minutes)
    python bench/bench_stores.py --quick    # 2,000 and 500, a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import persidict

from localdict_nb.view.store_widget import StoreTree

SESSIONS = 10


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def payload(view: StoreTree) -> int:
    state = view.get_state()
    return len(json.dumps({k: state[k] for k in ("summary", "listings")}).encode())


def first_screen(name: str, store: Any, repeats: int) -> None:
    """The first poll round of a new view, then the rounds that count, against ``keys()``."""
    times, requests, sizes, counted, count_requests = [], [], [], [], []
    for _ in range(repeats):
        view = StoreTree(store, live=False)
        times.append(timed(view.poll))
        requests.append(view.source.stats.requests)
        sizes.append(payload(view))
        start = time.perf_counter()
        while view.counting:  # the rounds a live view runs next, 0.5 s apart
            view.poll(relist=False)
        counted.append(time.perf_counter() - start)
        count_requests.append(view.source.stats.requests - requests[-1])
        view.close()
    naive = [timed(lambda: sum(1 for _ in store.keys())) for _ in range(max(1, repeats // 2))]
    first, all_keys = statistics.median(times), statistics.median(naive)
    print(f"{name}: first screen {first * 1e3:.1f} ms, {statistics.median(requests):.0f} list "
          f"request(s), {statistics.median(sizes) / 1024:.1f} KiB; then counts of the shown "
          f"nodes in {statistics.median(counted) * 1e3:.0f} ms of work, "
          f"{statistics.median(count_requests):.0f} requests (bounded, marked >= when cut); "
          f"listing every key instead takes {all_keys * 1e3:.0f} ms")


def poll_tick(name: str, store: Any, writer: Callable[[int], None], repeats: int) -> None:
    """One poll round with two nodes open: idle, then after 100 keys written elsewhere."""
    view = StoreTree(store, live=False)
    view.poll()
    view.set_state({"expanded": ["user_0", "user_0/session_0"]})
    view.poll()
    while view.counting:
        view.poll(relist=False)
    idle, busy, requests = [], [], []
    for r in range(repeats):
        before = view.source.stats.requests
        idle.append(timed(view.poll))
        requests.append(view.source.stats.requests - before)
        writer(r)
        busy.append(timed(view.poll))
    view.close()
    print(f"{name}: one poll tick {statistics.median(idle) * 1e3:.1f} ms with nothing new "
          f"({statistics.median(requests):.0f} requests), {statistics.median(busy) * 1e3:.1f} ms "
          "after another process wrote 100 keys (the changed nodes are counted again)")


def key(i: int, users: int) -> tuple[str, str, str]:
    return f"user_{i % users}", f"session_{i // users % SESSIONS}", f"item_{i}"


def files(n: int, repeats: int) -> None:
    base = tempfile.mkdtemp(prefix="ldnb-bench-files-")
    store = persidict.FileDirDict(base_dir=base)
    users = max(1, n // (SESSIONS * 100))
    start = time.perf_counter()
    for i in range(n):
        store[key(i, users)] = {"id": i}
    print(f"built a FileDirDict of {n:,} keys in {time.perf_counter() - start:.0f} s")

    def writer(r: int) -> None:
        script = (f"import persidict\nd = persidict.FileDirDict(base_dir={base!r})\n"
                  f"for i in range(100):\n    d['user_0', 'session_0', f'new_{r}_{{i}}'] = i\n")
        subprocess.run([sys.executable, "-c", script], check=True)

    first_screen(f"FileDirDict, {n:,} keys", store, repeats)
    poll_tick(f"FileDirDict, {n:,} keys", store, writer, repeats)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def s3_server(endpoint: str | None) -> Iterator[str]:
    """The endpoint given, or a moto server started for the run."""
    if endpoint:
        yield endpoint
        return
    port = _free_port()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H",
                             "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def s3(n: int, repeats: int, endpoint: str | None) -> None:
    with s3_server(endpoint) as url:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        os.environ["AWS_ENDPOINT_URL"] = url
        bucket = f"ldnb-bench-{int(time.time())}"
        client = boto3.client("s3")
        client.create_bucket(Bucket=bucket)
        store = persidict.BasicS3Dict(bucket_name=bucket, root_prefix="bench")
        users = max(1, n // (SESSIONS * 100))
        start = time.perf_counter()
        for i in range(n):
            store[key(i, users)] = {"id": i}
        print(f"built an S3 store of {n:,} keys in {time.perf_counter() - start:.0f} s ({url})")

        def writer(r: int) -> None:
            script = ("import persidict\n"
                      f"d = persidict.BasicS3Dict(bucket_name={bucket!r}, root_prefix='bench')\n"
                      f"for i in range(100):\n    d['user_0', 'session_0', f'new_{r}_{{i}}'] = i\n")
            subprocess.run([sys.executable, "-c", script], check=True, env=os.environ)

        first_screen(f"S3, {n:,} keys", store, repeats)
        poll_tick(f"S3, {n:,} keys", store, writer, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--endpoint", help="an S3 API endpoint URL (default: start moto)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.files, args.objects, args.repeats = 2_000, 500, 2
    files(args.files, args.repeats)
    s3(args.objects, args.repeats, args.endpoint)


if __name__ == "__main__":
    main()
