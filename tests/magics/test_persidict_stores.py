from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import persidict
import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError

from localdict_nb import LocalDict
from localdict_nb.magics import stores
from localdict_nb.magics.completion import LIST_NAMES, LIST_SECONDS, candidates
from localdict_nb.magics.results import Report, Table
from localdict_nb.magics.spec import SUBCOMMANDS, usage
from localdict_nb.view.store_widget import StoreTree

from .conftest import DATA, TestingShell

READS = ["ls fd", "ls fd --depth 3", "ls fd/users", "keys fd", "keys fd/users */name",
         "find fd u1", "stats fd", "get fd users/u1/name", "list"]


def magic(ip: TestingShell, line: str) -> Any:
    return ip.run_line_magic("localdict", line)


def error(ip: TestingShell, line: str) -> str:
    """Run a line that must fail with a plain one-line UsageError; return its message."""
    with pytest.raises(UsageError) as info:
        magic(ip, line)
    assert type(info.value) is UsageError
    message = str(info.value)
    assert "\n" not in message
    return message


def shown(ip: TestingShell, capsys: pytest.CaptureFixture[str], cell: str) -> list[str]:
    """What the shell prints for a failing cell: it must be one line and no traceback."""
    capsys.readouterr()
    assert type(ip.run_cell_error(cell)) is UsageError
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return (captured.out + captured.err).splitlines()


def ours(ip: TestingShell, text: str) -> list[str]:
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(text, len(text)) if c.type == "localdict"]


def fill(store: Any) -> None:
    for key, value in DATA.items():
        store[tuple(key.split("/"))] = value


def disk(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and directory under ``root`` with its mtime (ns) and size."""
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in [root, *root.rglob("*")]}


@pytest.fixture
def views() -> Iterator[Callable[[Any], StoreTree]]:
    made: list[StoreTree] = []

    def keep(view: Any) -> StoreTree:
        assert isinstance(view, StoreTree)
        made.append(view)
        return view

    yield keep
    for view in made:
        view.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def ip_fd(ip: TestingShell, root: Path) -> TestingShell:
    """``fd``: a FileDirDict (pkl) opened by the magic, holding DATA, plus one json key."""
    magic(ip, f"open fd {root}")
    fill(ip.user_ns["fd"])
    persidict.FileDirDict(base_dir=str(root), serialization_format="json")["users", "u3",
                                                                          "name"] = "cy"
    return ip


# --- open ---------------------------------------------------------------------------------------


def test_open_binds_a_file_dir_dict_for_a_directory(ip: TestingShell, root: Path) -> None:
    report = ip.run_cell(f"%localdict open fd {root}").result
    fd = ip.user_ns["fd"]
    assert type(fd) is persidict.FileDirDict
    assert (Path(fd.base_dir), fd.serialization_format) == (root, "pkl")
    assert isinstance(report, Report)
    assert repr(report) == f"fd = FileDirDict [pkl] at {root}"
    assert root.is_dir()


def test_open_takes_the_format_or_guesses_it_from_the_files(ip: TestingShell,
                                                            root: Path) -> None:
    magic(ip, f"open j {root} --format json")
    ip.user_ns["j"]["a", "b"] = 1
    assert [f.suffix for f in root.rglob("*.*")] == [".json"]
    assert repr(magic(ip, f"open again {root}")) == f"again = FileDirDict [json] at {root}"
    assert magic(ip, "get again a/b") == 1


def test_open_replaces_a_store_but_nothing_else(ip: TestingShell, root: Path) -> None:
    magic(ip, "new d")
    magic(ip, f"open d {root}")
    assert isinstance(ip.user_ns["d"], persidict.FileDirDict)
    ip.user_ns["x"] = 5
    assert "'x' already holds a int" in error(ip, f"open x {root / 'other'}")
    assert "'1x' is not a valid Python name" in error(ip, f"open 1x {root / 'other'}")
    assert ip.user_ns["x"] == 5
    assert not (root / "other").exists()  # a refused name makes no directory


def test_open_an_s3_url_binds_an_s3dict(ip: TestingShell, s3_bucket: str) -> None:
    report = magic(ip, f"open s3 s3://{s3_bucket}/runs")
    s3 = ip.user_ns["s3"]
    assert isinstance(s3, persidict.S3Dict)
    assert repr(report) == f"s3 = S3Dict [pkl] at s3://{s3_bucket}/runs/"
    magic(ip, "set s3 a/b 41 + 1")
    objects = boto3.client("s3").list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [o["Key"] for o in objects] == ["runs/a/b.pkl"]


@pytest.mark.parametrize(("target", "fragment"), [
    ("s3://{bucket}-nope/runs", "no such bucket: check the bucket's name"),
    ("s3:///runs", "names no bucket: write s3://BUCKET/PREFIX"),
    ("{file}", "is a file, not a directory: give the directory of a FileDirDict"),
    ("{tmp}/no/such/parent/store", "no directory"),
])
def test_open_errors_are_one_line_with_the_fix(ip: TestingShell, s3_bucket: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str], target: str,
                                               fragment: str) -> None:
    (tmp_path / "a_file").write_text("not a store")
    target = target.format(bucket=s3_bucket, file=tmp_path / "a_file", tmp=tmp_path)
    message = error(ip, f"open s {target}")
    assert message.startswith("%localdict open: ")
    assert fragment in message
    assert "s" not in ip.user_ns
    assert shown(ip, capsys, f"%localdict open s {target}") == [f"UsageError: {message}"]
    buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert f"{s3_bucket}-nope" not in buckets  # a typo creates no bucket


def test_open_without_credentials_says_so(ip: TestingShell, s3_bucket: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # it keeps the credentials it found
    message = error(ip, f"open s s3://{s3_bucket}/runs")
    assert "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in message


def test_open_without_persidict_says_how_to_install_it(ip: TestingShell, root: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "persidict", None)
    message = error(ip, f"open fd {root}")
    assert message == ("%localdict open: persidict is not installed: "
                       "pip install 'localdict_nb[persidict]'")
    assert shown(ip, capsys, f"%localdict open fd {root}") == [f"UsageError: {message}"]
    assert not root.exists()


def test_our_localdict_works_as_before_without_persidict(ip_data: TestingShell,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "persidict", None)
    magic(ip_data, "new e --format json")
    assert isinstance(ip_data.user_ns["e"], LocalDict)
    magic(ip_data, "set e k [1, 2]")
    assert magic(ip_data, "get e k") == [1, 2]
    assert magic(ip_data, "list").column("name") == ["d", "e"]
    assert set(magic(ip_data, "ls d").column("path")) == {"users/", "top"}
    assert magic(ip_data, "keys d").note == "4 keys"
    assert magic(ip_data, "find d u1").note == "2 matches"
    assert dict(magic(ip_data, "stats d").rows)["keys [pkl]"] == 4
    assert ours(ip_data, "%localdict get d users/u") == ["users/u1/", "users/u2/"]
    magic(ip_data, "del e k")
    assert len(ip_data.user_ns["e"]) == 0


def test_the_magics_import_no_persidict_for_our_stores(tmp_path: Path) -> None:
    code = """if True:
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config
        config = Config()
        config.HistoryAccessor.enabled = False
        ip = InteractiveShell.instance(config=config)
        ip.run_cell("%load_ext localdict_nb")
        for line in ["new d", "set d a/b 1", "get d a/b", "ls d", "keys d", "find d a",
                     "stats d", "list", "help"]:
            ip.run_line_magic("localdict", line)
        ip.Completer.complete(line_buffer="%localdict get d a/", cursor_pos=19)
        assert ip.run_line_magic("localdict", "get d a/b") == 1
        print(sorted(m for m in ("persidict", "boto3", "botocore") if m in sys.modules))
    """
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60, env=env)
    assert out.stdout.strip().splitlines()[-1] == "[]"


# --- a FileDirDict: reading ------------------------------------------------------------------


def test_ls_lists_one_level_with_counts_sizes_and_etags(ip_fd: TestingShell) -> None:
    fd = ip_fd.user_ns["fd"]
    table = magic(ip_fd, "ls fd")
    assert isinstance(table, Table)
    assert table.columns == ("path", "kind", "contents", "version")
    assert table.rows == [("users/", "node", "json 1 · pkl 3", ""),
                          ("top", "pkl", "(31 B)", f"etag {fd.etag('top')}")]
    assert table.note.startswith(f"FileDirDict at {fd.base_dir}, ")
    assert "≥" not in repr(table)


def test_ls_a_prefix_and_deeper(ip_fd: TestingShell) -> None:
    assert magic(ip_fd, "ls fd/users/u1").rows[0][:2] == ("name", "pkl")
    assert magic(ip_fd, "ls fd/users").column("contents") == ["pkl 2", "pkl 1", "json 1"]
    assert magic(ip_fd, "ls fd --depth 3").column("path") == [
        "users/", "top", "users/u1/", "users/u2/", "users/u3/", "users/u1/name",
        "users/u1/score", "users/u2/name", "users/u3/name"]
    assert error(ip_fd, "ls fd/typo") == "%localdict ls: nothing is stored under 'fd/typo'"


def test_ls_marks_counts_that_stopped_at_their_budget(ip_fd: TestingShell,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stores, "WALK", (2, 1_000))
    table = magic(ip_fd, "ls fd")
    assert table.rows[0][:3] == ("users/", "node", "≥2 (pkl 2)")
    assert "≥: counted up to 2 keys per node" in table.note


def test_ls_stops_counting_when_its_listings_are_spent(ip_fd: TestingShell,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ip_fd.user_ns["fd"]["more", "x"] = 1
    monkeypatch.setattr(stores, "LS_REQUESTS", 1)
    table = magic(ip_fd, "ls fd")
    first, second = table.column("contents")[:2]
    assert first == "pkl 1"  # one listing reads all of "more" (one directory): complete
    assert second == "not counted"
    assert "1 node(s) not counted: ls spent its 1 listings" in table.note


def test_get_reads_the_value(ip_fd: TestingShell) -> None:
    ip_fd.run_cell("x = %localdict get fd users/u1/score")
    assert ip_fd.user_ns["x"] == 1.5
    assert magic(ip_fd, "get fd users/u2/name") == "bob"
    assert error(ip_fd, "get fd users/u3/name") == "%localdict get: no key 'users/u3/name'"
    assert error(ip_fd, "get fd users") == "%localdict get: no key 'users'"
    assert "bad key 'a//b'" in error(ip_fd, "get fd a//b")


def test_get_of_a_value_that_does_not_load_is_one_line(ip_fd: TestingShell, root: Path) -> None:
    # persidict tries a file that does not load 12 times, waiting up to ~110 s in all
    # between the tries; the source reads it once (were it to go through persidict, this
    # test would take minutes)
    fd = ip_fd.user_ns["fd"]
    fd["gone"] = fd["garbled"] = 1
    (root / next(p.name for p in root.glob("gone*.pkl"))).write_bytes(
        b"cno_such_module\nThing\n.")  # a pickle of a class whose module is gone
    (root / next(p.name for p in root.glob("garbled*.pkl"))).write_bytes(b"not a pickle")
    assert error(ip_fd, "get fd gone") == ("%localdict get: the value cannot be loaded: "
                                           "ModuleNotFoundError: No module named 'no_such_module'")
    assert error(ip_fd, "get fd garbled").startswith(
        "%localdict get: the value cannot be loaded: KeyError")  # what pickle raises


def test_keys_lists_the_stores_own_format_under_a_prefix(ip_fd: TestingShell) -> None:
    table = magic(ip_fd, "keys fd")
    assert sorted(table.column("key")) == sorted(DATA)  # the json key is another format
    assert table.note == "4 keys"
    assert sorted(magic(ip_fd, "keys fd/users */name").column("key")) == ["u1/name", "u2/name"]
    assert magic(ip_fd, "keys fd/nothing/here").rows == []


def test_find_globs_over_every_format(ip_fd: TestingShell) -> None:
    assert sorted(magic(ip_fd, "find fd users/*/name").column("key")) == [
        "users/u1/name", "users/u2/name", "users/u3/name"]
    assert magic(ip_fd, "find fd u1").note == "2 matches"
    assert magic(ip_fd, "find fd nothing*").rows == []


def test_keys_and_find_say_where_they_stopped(ip_fd: TestingShell,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stores, "WALK", (3, 1_000))
    note = magic(ip_fd, "keys fd").note
    assert note.startswith(("2 keys; ", "3 keys; "))
    assert "searched the first 3 keys, then stopped (at most 3 keys and 1,000 listings)" in note
    assert "searched the first 3 keys" in magic(ip_fd, "find fd *").note


def test_stats_shows_kind_location_counts_nodes_and_requests(ip_fd: TestingShell,
                                                             root: Path) -> None:
    table = magic(ip_fd, "stats fd")
    assert table.title == "fd: FileDirDict [pkl]"
    assert dict(table.rows) == {
        "kind": "FileDirDict", "location": str(root), "format": "pkl", "keys [json]": 1,
        "keys [pkl]": 4, "nodes": 5, "depth": 3, "counted": "every key",
        "requests made": 5}  # one listing per directory: the root, users, u1, u2, u3


def test_list_shows_ours_and_persidicts_stores(ip_fd: TestingShell, root: Path) -> None:
    magic(ip_fd, "new d")
    ip_fd.user_ns["p"] = persidict.LocalDict(serialization_format="json")
    magic(ip_fd, "set p a 1")
    assert magic(ip_fd, "list").rows == [
        ("d", "LocalDict", "/", "pkl", 0, "empty"),
        ("fd", "FileDirDict", str(root), "pkl", 4, "json 1 · pkl 4"),
        ("p", "persidict.LocalDict", "RAM (this process)", "json", 1, "json 1"),
    ]


def test_reading_commands_never_write(ip_fd: TestingShell, root: Path,
                                      views: Callable[[Any], StoreTree]) -> None:
    before = disk(root)
    for line in [*READS, "ls fd/typo", "keys fd/nothing/here *", "show fd/not/yet"]:
        try:
            magic(ip_fd, line)
        except UsageError as exc:
            assert "nothing is stored under" in str(exc)
    view = views(magic(ip_fd, "show fd/users"))
    view.poll()
    view.close()
    assert disk(root) == before


@pytest.mark.parametrize("digest_len", [0, 4, 8])
def test_signed_or_not_a_file_dir_dict_shows_its_keys(ip: TestingShell, root: Path,
                                                       digest_len: int) -> None:
    store = persidict.FileDirDict(base_dir=str(root), digest_len=digest_len)
    fill(store)
    ip.user_ns["sd"] = store
    assert (root / "top.pkl").is_file() == (digest_len == 0)
    assert magic(ip, "ls sd").column("path") == ["users/", "top"]
    assert magic(ip, "get sd users/u1/name") == "ann"
    assert sorted(magic(ip, "keys sd").column("key")) == sorted(DATA)
    assert ours(ip, "%localdict get sd users/u") == ["users/u1/", "users/u2/"]


# --- a FileDirDict: writing --------------------------------------------------------------------


def test_set_and_del_go_through_the_stores_api(ip_fd: TestingShell, root: Path) -> None:
    fd = ip_fd.user_ns["fd"]
    ip_fd.user_ns["n"] = 20
    report = ip_fd.run_cell("%localdict set fd a/b n * 2 + 1").result
    assert fd["a", "b"] == 41
    assert len(list(root.glob("a*/b*.pkl"))) == 1
    assert repr(report) == f"fd[a/b] = 41  (etag {fd.etag(('a', 'b'))})"
    assert report.etag == fd.etag(("a", "b"))
    assert repr(magic(ip_fd, "del fd a/b")) == "deleted fd[a/b]"
    assert ("a", "b") not in fd
    assert error(ip_fd, "del fd a/b") == "%localdict del: no key 'a/b'"
    assert "raised NameError" in error(ip_fd, "set fd a/c undefined_name")
    assert ("a", "c") not in fd


def test_an_append_only_store_refuses_in_one_line(ip: TestingShell, root: Path) -> None:
    ip.user_ns["ao"] = persidict.FileDirDict(base_dir=str(root), append_only=True)
    magic(ip, "set ao k 1")
    assert "MutationPolicyError" in error(ip, "set ao k 2")
    assert "MutationPolicyError" in error(ip, "del ao k")
    assert magic(ip, "get ao k") == 1


def test_subcommands_for_ours_only_say_so(ip_fd: TestingShell) -> None:
    for line in ["prune fd", "clear fd", "sub fd users --as u"]:
        assert "works on a localdict_nb.LocalDict only" in error(ip_fd, line)
    with pytest.raises(UsageError, match="%%localdict works on a localdict_nb.LocalDict only"):
        ip_fd.run_cell_magic("localdict", "fd", "a = 1")
    assert "u" not in ip_fd.user_ns


# --- show ---------------------------------------------------------------------------------------


def test_show_returns_the_live_store_view(ip_fd: TestingShell,
                                          views: Callable[[Any], StoreTree]) -> None:
    view = views(magic(ip_fd, "show fd"))
    assert view.expanded == []
    view.poll()
    assert view.summary["kind"] == "FileDirDict"
    assert {row["path"] for row in view.listings[""]["rows"]} == {"users", "top"}
    deep = views(magic(ip_fd, "show fd/users/u1"))
    assert deep is not view
    assert deep.expanded == ["users", "users/u1"]
    deep.poll()
    assert {row["path"] for row in deep.listings["users/u1"]["rows"]} == {
        "users/u1/name", "users/u1/score"}
    assert error(ip_fd, "show fd/not/yet") == (
        "%localdict show: nothing is stored under 'fd/not/yet'")


# --- persidict's LocalDict ---------------------------------------------------------------------


@pytest.fixture
def ip_p(ip: TestingShell) -> TestingShell:
    ip.user_ns["p"] = persidict.LocalDict()
    fill(ip.user_ns["p"])
    return ip


def test_persidicts_localdict_reads_and_writes(ip_p: TestingShell) -> None:
    p = ip_p.user_ns["p"]
    rows = {row[0]: row[1:3] for row in magic(ip_p, "ls p")}
    assert rows == {"users/": ("node", "pkl 3"), "top": ("pkl", "'t'")}
    assert magic(ip_p, "get p users/u1/name") == "ann"
    magic(ip_p, "set p l [1, 2]")
    value = magic(ip_p, "get p l")
    value.append(3)
    assert p["l"] == [1, 2]  # get hands out a copy, as p["l"] does
    assert sorted(magic(ip_p, "keys p/users").column("key")) == ["u1/name", "u1/score", "u2/name"]
    assert magic(ip_p, "find p *name").note == "2 matches"
    stats = dict(magic(ip_p, "stats p").rows)
    assert (stats["kind"], stats["keys [pkl]"], stats["depth"]) == ("persidict.LocalDict", 5, 3)
    magic(ip_p, "del p l")
    assert "l" not in p


def test_big_stores_are_marked_where_the_budget_ran_out(ip: TestingShell) -> None:
    big = persidict.LocalDict()
    for i in range(10_050):
        big["big", f"k{i}"] = i
    ip.user_ns["b"] = big
    assert magic(ip, "ls b").rows[0][:3] == ("big/", "node", "≥10,000 (pkl 10,000)")
    assert "≥: counted up to 10,000 keys per node" in magic(ip, "ls b").note
    note = magic(ip, "keys b").note
    assert note.startswith("10,000 keys, first 1,000 shown; searched the first 10,000 keys")
    stats = dict(magic(ip, "stats b").rows)
    assert stats["keys [pkl]"] == "≥10,000"
    assert stats["counted"] == "the first 10,000 keys (stopped at the budget)"
    assert magic(ip, "list").rows == [
        ("b", "persidict.LocalDict", "RAM (this process)", "pkl", "≥10,000",
         "≥10,000 (pkl 10,000)")]


# --- S3 ----------------------------------------------------------------------------------------


@pytest.fixture
def ip_s3(ip: TestingShell, s3_bucket: str) -> TestingShell:
    magic(ip, f"open s3 s3://{s3_bucket}/runs")
    fill(ip.user_ns["s3"])
    return ip


def _objects(bucket: str) -> list[tuple[str, str, Any]]:
    found = boto3.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
    return [(o["Key"], o["ETag"], o["LastModified"]) for o in found]


def test_s3_reads_and_writes(ip_s3: TestingShell, s3_bucket: str) -> None:
    s3 = ip_s3.user_ns["s3"]
    before = _objects(s3_bucket)
    rows = {row[0]: row for row in magic(ip_s3, "ls s3")}
    assert rows["users/"][1:3] == ("node", "pkl 3")
    assert rows["top"][1] == "pkl"
    assert rows["top"][3] == f"etag {dict((k, e) for k, e, _ in before)['runs/top.pkl']}"
    assert magic(ip_s3, "get s3 users/u1/score") == 1.5
    assert sorted(magic(ip_s3, "keys s3/users */name").column("key")) == ["u1/name", "u2/name"]
    assert magic(ip_s3, "find s3 u1").note == "2 matches"
    stats = dict(magic(ip_s3, "stats s3").rows)
    assert (stats["kind"], stats["location"]) == ("S3Dict", f"s3://{s3_bucket}/runs/")
    assert (stats["keys [pkl]"], stats["requests made"]) == (4, 1)  # one list request
    assert magic(ip_s3, "list").rows == [
        ("s3", "S3Dict", f"s3://{s3_bucket}/runs/", "pkl", 4, "pkl 4")]
    assert _objects(s3_bucket) == before  # reading wrote nothing
    magic(ip_s3, "set s3 users/u9/name 'zed'")
    magic(ip_s3, "del s3 top")
    assert s3["users", "u9", "name"] == "zed"
    assert ("top",) not in s3
    assert error(ip_s3, "get s3 nope") == "%localdict get: no key 'nope'"


def test_a_dead_s3_server_is_one_line_and_quick(ip_s3: TestingShell,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    for line in ["ls s3", "ls s3/users", "keys s3", "find s3 u1", "stats s3", "show s3/users"]:
        started = time.monotonic()
        message = error(ip_s3, line)
        assert time.monotonic() - started < 5, line
        assert "S3 is unreachable: check the network and AWS_ENDPOINT_URL" in message, line
    assert shown(ip_s3, capsys, "%localdict ls s3") == [f"UsageError: {error(ip_s3, 'ls s3')}"]
    (row,) = magic(ip_s3, "list").rows  # list shows the error in the store's row
    assert row[4] == "?"
    assert row[5].startswith("error: cannot list s3://")
    started = time.monotonic()
    assert candidates(["%localdict", "get", "s3"], "", ip_s3.user_ns) == []
    assert time.monotonic() - started < 2


# --- completion ---------------------------------------------------------------------------------


def test_completion_offers_a_file_dir_dicts_keys_level_by_level(ip_fd: TestingShell) -> None:
    assert candidates(["%localdict", "get", "fd"], "", ip_fd.user_ns) == ["users/", "top"]
    assert ours(ip_fd, "%localdict get fd ") == ["top", "users/"]  # IPython sorts them
    assert ours(ip_fd, "%localdict get fd users/u") == ["users/u1/", "users/u2/", "users/u3/"]
    assert ours(ip_fd, "%localdict set fd users/u1/s") == ["users/u1/score"]
    assert ours(ip_fd, "%localdict ls fd/us") == ["fd/users/"]
    assert ours(ip_fd, "%localdict stats f") == ["fd"]
    assert ours(ip_fd, "%localdict get fd nothing/") == []


def test_completion_offers_stores_where_they_are_taken(ip_fd: TestingShell) -> None:
    magic(ip_fd, "new d")
    assert ours(ip_fd, "%localdict get ") == ["d", "fd"]
    assert ours(ip_fd, "%localdict prune ") == ["d"]
    assert ours(ip_fd, "%%localdict ") == ["d"]
    assert ours(ip_fd, "%localdict clear fd/") == []
    assert ours(ip_fd, "%localdict o") == ["open"]


def test_completion_offers_at_most_its_names(ip: TestingShell, root: Path) -> None:
    wide = persidict.FileDirDict(base_dir=str(root))
    for i in range(LIST_NAMES + 50):
        wide[f"k{i:03}"] = i
    ip.user_ns["w"] = wide
    found = candidates(["%localdict", "get", "w"], "", ip.user_ns)
    assert len(found) == LIST_NAMES
    assert found[0] == "k000"


def test_completion_of_s3_keys(ip_s3: TestingShell) -> None:
    assert ours(ip_s3, "%localdict get s3 users/") == ["users/u1/", "users/u2/"]
    assert ours(ip_s3, "%localdict get s3 t") == ["top"]


def test_completion_of_open_offers_directories(ip: TestingShell, tmp_path: Path) -> None:
    (tmp_path / "runs_a").mkdir()
    (tmp_path / "runs_b").mkdir()
    (tmp_path / "runs_file").write_text("")
    assert ours(ip, f"%localdict open x {tmp_path}/ru") == [f"{tmp_path}/runs_a/",
                                                            f"{tmp_path}/runs_b/"]
    assert ours(ip, "%localdict open x s3://b") == []


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that takes connections and never answers: an endpoint that hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def _completing() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "localdict_nb-complete"]


def test_completion_never_hangs_on_a_server_that_never_answers(
        ip_s3: TestingShell, silent_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_server)
    started = time.monotonic()
    assert candidates(["%localdict", "get", "s3"], "users/", ip_s3.user_ns) == []
    assert time.monotonic() - started < LIST_SECONDS + 0.5
    started = time.monotonic()  # the listing is still out: the store offers nothing, at once
    assert candidates(["%localdict", "get", "s3"], "users/", ip_s3.user_ns) == []
    assert time.monotonic() - started < 0.1
    assert ours(ip_s3, "%localdict get s3 users/") == []
    deadline = time.monotonic() + 10
    while _completing() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _completing() == []  # the listing left behind gave up by itself


# --- help ---------------------------------------------------------------------------------------


def test_help_explains_open_and_persidicts_stores(ip: TestingShell) -> None:
    assert SUBCOMMANDS["open"].positional_roles() == ["store", "path"]
    text = repr(magic(ip, "help open"))
    assert text.startswith("%localdict open [--format FORMAT] name location")
    assert "s3://bucket/prefix" in text
    overview = usage()
    assert "On persidict's stores: list, ls, get, set, del, keys, find, stats, show" in overview
    assert "`≥10,000`" in overview
