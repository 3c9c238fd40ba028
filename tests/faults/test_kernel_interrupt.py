"""The stop button, for real: a kernel runs a cell that loops over a store, and is interrupted.

A real ipykernel (this interpreter, through jupyter_client) runs cells that write, delete,
clear and transform in an endless loop, with an observer and a live tree view attached; the
kernel manager interrupts it (SIGINT, as Jupyter's stop button does) after a random moment.
Each cell must end with KeyboardInterrupt, and the next cell must find the store whole, its
lock free, and the view still following writes.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

ROUNDS = 12
TIMEOUT = 60

SETUP = """
import itertools, threading
from localdict_nb import LocalDict, ITEM_NOT_AVAILABLE
d = LocalDict(prune_interval=3)
seen = []
d.observe(seen.append)
view = d.tree()
view.expanded = ["u1"]
def inc(v):
    return 1 if v is ITEM_NOT_AVAILABLE else v + 1
"""

LOOP = """
for i in itertools.count():
    d[f"u{i % 40}", f"s{i % 7}", f"k{i % 11}"] = {"i": i}
    if i % 3 == 0:
        d.discard((f"u{(i * 7) % 40}", f"s{i % 7}", f"k{i % 11}"))
    if i % 50 == 0:
        d.get_subdict(("u1", f"s{i % 7}")).clear()
    d.transform_item(("counters", f"c{i % 5}"), transformer=inc)
"""

CHECK = """
tree = d.get_params()["backend"].tree
tree.check()
assert tree.depth == 0
taken = []
def take():
    taken.append(tree.lock.acquire(timeout=5))
    if taken[-1]:
        tree.lock.release()
t = threading.Thread(target=take)
t.start(); t.join()
assert taken == [True], "the tree's lock is held"
for v in (d, d.get_subdict("u1"), d.get_subdict("counters")):
    assert len(v) == len(list(v))
before = len(seen)
d["after", str(len(seen))] = 1
assert [e.kind for e in seen[before:]] == ["set"]
import time as _t
deadline = _t.monotonic() + 10
while view.summary["counter"] != tree.counter and _t.monotonic() < deadline:
    _t.sleep(0.02)
assert view.summary["counter"] == tree.counter
print("whole", len(d))
"""


@pytest.fixture
def kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    kernels = tmp_path / "kernels"
    write_kernel_spec(str(kernels / "python3"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    manager = KernelManager(kernel_name="python3",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=TIMEOUT)
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def _reply(client: BlockingKernelClient, msg_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = client.get_shell_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg["content"]
    pytest.fail("the kernel did not answer")


def _run(client: BlockingKernelClient, code: str) -> dict[str, Any]:
    return _reply(client, client.execute(code))


def test_the_stop_button_never_leaves_the_store_broken(
        kernel: tuple[KernelManager, BlockingKernelClient]) -> None:
    manager, client = kernel
    assert _run(client, SETUP)["status"] == "ok"
    rng = random.Random(8)
    for n in range(ROUNDS):
        msg_id = client.execute(LOOP, stop_on_error=False)  # the next cell must run
        time.sleep(rng.uniform(0.05, 0.4))
        manager.interrupt_kernel()
        reply = _reply(client, msg_id)
        assert (reply["status"], reply.get("ename")) == ("error", "KeyboardInterrupt"), n
        check = _run(client, CHECK)
        assert check["status"] == "ok", (n, check.get("ename"), check.get("evalue"))
    assert sys.executable  # the kernel ran this interpreter (see the kernelspec above)
