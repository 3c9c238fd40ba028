"""The live tree view of persidict's stores: a FileDirDict on disk, S3 on a real S3 server.

Other processes write while the view is open (a second Python process, or boto3 from
elsewhere); the view must follow within its poll interval, never write, bound its
requests, survive a dead server and come back with it, and never make the kernel's
thread wait for the store.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import persidict
import pytest
from botocore.config import Config

import localdict_nb
from localdict_nb.sources import Listing, SourceError, source_for
from localdict_nb.sources.files import FileDirSource
from localdict_nb.view.store_widget import COUNT_REQUESTS, POLL_LISTS, StoreTree

MakeView = Callable[..., StoreTree]


@pytest.fixture
def make_view() -> Iterator[MakeView]:
    made: list[StoreTree] = []

    def make(store: Any, **kwargs: Any) -> StoreTree:
        kwargs.setdefault("live", False)
        view = StoreTree(store, **kwargs)
        made.append(view)
        return view

    yield make
    for view in made:
        view.close()


def _wait_until(ok: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ok():
            return True
        time.sleep(0.02)
    return ok()


def _files(tmp_path: Path, users: int = 3, items: int = 4) -> persidict.FileDirDict:
    d = persidict.FileDirDict(base_dir=str(tmp_path / "store"))
    for u in range(users):
        for i in range(items):
            d[f"user_{u}", f"item_{i}"] = {"u": u, "i": i}
    d["top"] = "t"
    return d


def _paths(view: StoreTree, path: str = "") -> list[str]:
    return [r["path"] for r in view.listings[path]["rows"]]


def _snapshot(root: Path) -> list[tuple[str, int, int]]:
    return sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*"))


def test_tree_of_a_file_dir_dict_with_counts_etags_sizes_and_detail(
        tmp_path: Path, make_view: MakeView) -> None:
    d = _files(tmp_path)
    persidict.FileDirDict(base_dir=d.base_dir, serialization_format="json")["user_1", "cfg"] = 1
    view = make_view(d)
    assert view.listings == {}  # nothing is read on the kernel's thread: the poller lists
    assert view.poll() is True
    assert _paths(view) == ["user_0", "user_1", "user_2", "top"]
    assert view.listings[""]["rows"][1]["counted"] is False  # rows first, counts next round
    assert view.poll() is True
    user_1 = view.listings[""]["rows"][1]
    assert user_1["counts"] == {"pkl": 4, "json": 1} and user_1["counted"]
    top = view.listings[""]["rows"][3]
    assert top["etag"] == d.etag("top") and top["preview"].endswith("B)")
    s = view.summary
    assert (s["kind"], s["location"], s["formats"], s["keys"]) == (
        "FileDirDict", d.base_dir, {"pkl": 13, "json": 1}, 14)
    view.set_state({"expanded": ["user_1"], "selected": {"path": "user_1/cfg", "format": "json"}})
    view.poll()
    assert _paths(view, "user_1")[0] == "user_1/cfg"
    assert view.detail["preview"] == "1" and view.detail["python"] == 'd["user_1", "cfg"]'


def test_writes_and_deletions_by_another_process_appear_within_the_interval(
        tmp_path: Path, make_view: MakeView) -> None:
    d = _files(tmp_path)
    view = make_view(d, live=True, interval=0.2)
    view.set_state({"expanded": ["user_2"]})
    assert _wait_until(lambda: "user_2" in view.listings)
    writer = textwrap.dedent(f"""
        import persidict
        d = persidict.FileDirDict(base_dir={d.base_dir!r})
        d["from_elsewhere", "k"] = 42
        d["user_2", "item_9"] = "new"
        del d["user_2", "item_0"]
    """)
    subprocess.run([sys.executable, "-c", writer], check=True, timeout=120)
    assert _wait_until(lambda: "from_elsewhere" in _paths(view))
    assert _wait_until(lambda: "user_2/item_9" in _paths(view, "user_2"))
    assert "user_2/item_0" not in _paths(view, "user_2")
    kinds = {(e["kind"], e["key"]) for e in view.events}
    assert {("set", "user_2/item_9"), ("delete", "user_2/item_0")} <= kinds
    assert _wait_until(lambda: "user_2/item_9" in view.changes["set"]
                       or view.changes["seq"] > 0)


def test_the_view_never_writes_to_the_store(tmp_path: Path, make_view: MakeView) -> None:
    d = _files(tmp_path)
    before = _snapshot(tmp_path)
    view = make_view(d)
    view.poll()
    view.set_state({"expanded": ["user_0", "user_1"], "query": "item_2",
                    "selected": {"path": "user_0/item_1", "format": "pkl"}})
    view.poll()
    view.set_state({"expanded": ["nowhere"], "selected": {"path": "no/key", "format": "pkl"}})
    view.poll()
    assert view.search_result["total"] == 3
    assert "No node at nowhere" in view.notice
    assert _snapshot(tmp_path) == before


def test_a_round_makes_a_bounded_number_of_requests(tmp_path: Path,
                                                     make_view: MakeView) -> None:
    d = persidict.FileDirDict(base_dir=str(tmp_path / "wide"))
    for u in range(40):
        d[f"user_{u}", "k"] = u
    view = make_view(d)
    view.poll()
    view.set_state({"expanded": [f"user_{u}" for u in range(40)]})
    source = view.source
    rounds = 0
    while not all(f"user_{u}" in view.listings for u in range(40)):
        before = source.stats.requests
        view.poll()
        assert source.stats.requests - before <= POLL_LISTS + COUNT_REQUESTS
        rounds += 1
        assert rounds < 20
    assert rounds >= 40 // POLL_LISTS  # the 40 new listings took several rounds


def test_a_dead_server_shows_its_error_and_the_view_recovers(s3_bucket: str,
                                                             make_view: MakeView) -> None:
    d = persidict.BasicS3Dict(bucket_name=s3_bucket, root_prefix="p")
    d["a", "b"] = 1
    view = make_view(d)
    assert view.poll() is True
    alive = view.source.client
    view.source.client = boto3.client(  # type: ignore[attr-defined]  # the S3 source's client
        "s3", endpoint_url="http://127.0.0.1:9",
        config=Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1}))
    d["c"] = 2
    assert view.poll() is False
    assert "unreachable" in view.summary["error"] and "retrying" in view.notice
    assert "\n" not in view.notice
    view.set_state({"expanded": ["a"]})  # asked while the server is down: answered later
    view.source.client = alive  # type: ignore[attr-defined]  # the server is back
    assert view.poll() is True
    assert view.summary["error"] is None and view.notice == ""
    assert _paths(view) == ["a", "c"] and _paths(view, "a") == ["a/b"]


def test_keys_written_to_s3_from_elsewhere_appear(s3_bucket: str, make_view: MakeView,
                                                  tmp_path: Path) -> None:
    d = persidict.S3Dict(bucket_name=s3_bucket, root_prefix="shared", base_dir=str(tmp_path))
    d["x"] = 1
    view = make_view(d, live=True, interval=0.2)
    assert _wait_until(lambda: "" in view.listings and _paths(view) == ["x"])
    assert view.summary["kind"] == "S3Dict"
    other_machine = boto3.client("s3")
    other_machine.put_object(Bucket=s3_bucket, Key="shared/team/result.json", Body=b"{}")
    assert _wait_until(lambda: "team" in _paths(view))


class _Blocking(FileDirSource):
    """A directory that answers only once ``go`` is set (a slow network filesystem)."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.go = threading.Event()

    def listing(self, rel: tuple[str, ...], limit: int) -> Listing | None:
        self.go.wait(30)
        return super().listing(rel, limit)


def test_a_slow_store_never_holds_the_kernels_thread(tmp_path: Path,
                                                     make_view: MakeView) -> None:
    d = _files(tmp_path)
    source = _Blocking(d)
    view = make_view(d, live=True, interval=0.2, source=source)
    answered = threading.Event()

    def page_asks() -> None:  # what the kernel does with a message from the page
        view.set_state({"expanded": ["user_0"], "query": "item",
                        "selected": {"path": "top", "format": "pkl"}})
        answered.set()

    asker = threading.Thread(target=page_asks)
    asker.start()
    asker.join(10)
    assert answered.is_set(), "a request waited for the store"
    source.go.set()
    assert _wait_until(lambda: "user_0" in view.listings and view.detail.get("found") is True)


def test_no_page_shows_it_no_polling_and_shown_again_it_catches_up(
        tmp_path: Path, make_view: MakeView) -> None:
    d = _files(tmp_path)
    view = make_view(d, live=True, interval=0.1)
    view.set_state({"rendered": {"page": 1}})
    assert _wait_until(lambda: "" in view.listings)
    view.set_state({"rendered": {"page": 0}})
    assert _wait_until(lambda: not view.polling)
    requests = view.source.stats.requests
    d["while_hidden"] = 1
    time.sleep(0.5)
    assert view.source.stats.requests == requests
    view.set_state({"rendered": {"page": 0, "other": 1}})
    assert _wait_until(lambda: "while_hidden" in _paths(view))


def test_the_interval_backs_off_while_nothing_changes(tmp_path: Path,
                                                      make_view: MakeView) -> None:
    d = _files(tmp_path)
    view = make_view(d, interval=1.0)
    view.poll()
    waits = []
    for _ in range(6):
        view.poll()
        waits.append(view.summary["interval"])
    assert waits == sorted(waits) and waits[-1] > 1.0 and waits[-1] <= 6.0
    d["new"] = 1
    view.poll()
    assert view.summary["interval"] == 1.0


def test_a_closed_view_and_its_store_are_freed(tmp_path: Path) -> None:
    d = _files(tmp_path)
    view = StoreTree(d, interval=0.05, live=True)
    for _ in range(750):  # at most 15 s
        if "" in view.listings:
            break
        time.sleep(0.02)
    assert "" in view.listings and view.polling
    refs = weakref.ref(view), weakref.ref(d)
    view.close()
    for _ in range(750):  # the poller sees the view closed
        if not view.polling:
            break
        time.sleep(0.02)
    assert not view.polling
    del view, d
    gc.collect()
    assert refs[0]() is None and refs[1]() is None


def test_tree_shows_any_persidict_store_and_names_what_it_cannot(tmp_path: Path) -> None:
    for store in (_files(tmp_path), persidict.LocalDict()):
        view = localdict_nb.tree(store, live=False)
        try:
            assert isinstance(view, StoreTree)
        finally:
            view.close()
    with pytest.raises(TypeError, match="cannot show a dict"):
        localdict_nb.tree({})
    assert source_for(persidict.LocalDict()).kind == "persidict.LocalDict"


def test_a_node_opened_while_a_round_runs_stays_open(tmp_path: Path,
                                                     make_view: MakeView) -> None:
    d = _files(tmp_path)
    source = _Blocking(d)
    source.go.set()
    view = make_view(d, source=source)
    view.poll()
    source.go.clear()  # the next round waits in its first listing
    slow_round = threading.Thread(target=view.poll)
    slow_round.start()
    view.set_state({"expanded": ["user_1"]})  # the page opens a node meanwhile
    source.go.set()
    slow_round.join(30)
    assert view.expanded == ["user_1"]
    view.poll()
    assert view.expanded == ["user_1"] and "user_1" in view.listings


def test_counts_that_arrive_do_not_flash_counts_that_move_do(tmp_path: Path,
                                                             make_view: MakeView) -> None:
    d = _files(tmp_path)
    view = make_view(d)
    view.poll()  # rows
    view.poll()  # counts arrive: nothing was written, nothing flashes
    assert view.changes["set"] == [] and view.listings[""]["rows"][0]["counted"]
    view.set_state({"expanded": ["user_0"]})
    view.poll()
    view.poll()
    assert view.changes["set"] == []
    d["user_0", "item_9"] = 1  # its listing changes: it is counted again, and its count moved
    view.poll()
    assert {"user_0", "user_0/item_9"} <= set(view.changes["set"])
    assert view.listings[""]["rows"][0]["counts"] == {"pkl": 5}


def test_a_view_has_a_line_of_text_and_polls_by_itself_only_in_a_kernel(
        tmp_path: Path) -> None:
    d = _files(tmp_path)
    view = StoreTree(d)  # no kernel here: a terminal or a script shows no page
    try:
        assert not view.live and not view.polling
        assert view.text() == f"FileDirDict {d.base_dir} [pkl]: counting…"
        view.poll()
        view.poll()
        assert repr(view) == f"FileDirDict {d.base_dir} [pkl]: pkl 13"
        assert view._repr_mimebundle_()[0]["text/plain"] == repr(view)
    finally:
        view.close()


def test_a_server_that_never_answers_is_an_error_in_seconds(s3_bucket: str,
                                                           make_view: MakeView) -> None:
    import socket

    d = persidict.BasicS3Dict(bucket_name=s3_bucket, root_prefix="p")
    d["a"] = 1
    view = make_view(d)
    view.poll()
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        view.source.client = boto3.client(  # type: ignore[attr-defined]  # the S3 source's client
            "s3", endpoint_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
            config=Config(connect_timeout=1, read_timeout=1,
                          retries={"total_max_attempts": 1}))
        for read in (view.source.entry, view.source.read):  # a timeout has no response
            with pytest.raises(SourceError, match="unreachable"):
                read(("a",), "pkl")
        view.set_state({"selected": {"path": "a", "format": "pkl"}})
        assert view.poll() is False
    assert "unreachable" in view.summary["error"] and "NoneType" not in view.notice
