"""The directory and RAM sources, and opening stores by path or URL."""

from __future__ import annotations

import sys
from pathlib import Path

import persidict
import pytest

from localdict_nb.sources import Budget, SourceError, is_persidict, source_for
from localdict_nb.sources.files import MAX_SCAN
from localdict_nb.sources.opening import open_store


def _files(tmp_path: Path, digest_len: int = 4) -> persidict.FileDirDict:
    d = persidict.FileDirDict(base_dir=str(tmp_path / "d"), digest_len=digest_len)
    for u in range(3):
        for i in range(4):
            d[f"user_{u}", f"item_{i}"] = {"u": u, "i": i}
    d["top"] = "t"
    return d


@pytest.mark.parametrize("digest_len", [0, 4])
def test_a_directory_level_by_level_with_signed_names_unsigned(tmp_path: Path,
                                                               digest_len: int) -> None:
    d = _files(tmp_path, digest_len)
    persidict.FileDirDict(base_dir=d.base_dir, serialization_format="json",
                          digest_len=digest_len)["user_1", "cfg"] = {"a": 1}
    (Path(d.base_dir) / ".__tmp__half-written").write_bytes(b"x")  # persidict's temp file
    source = source_for(d)
    top = source.listing((), 100)
    assert top is not None and top.nodes == ["user_0", "user_1", "user_2"]
    assert [(leaf.name, leaf.format) for leaf in top.leaves] == [("top", "pkl")]
    assert top.leaves[0].etag == d.etag("top")  # the store's own ETag
    user_1 = source.listing(("user_1",), 2)
    assert user_1 is not None and user_1.total == 5 and len(user_1.leaves) == 2
    assert source.listing(("nobody",), 10) is None
    assert source.listing(("top",), 10) is None  # a key is not a node
    assert source.count((), Budget()).formats == {"pkl": 13, "json": 1}
    assert source.read(("user_1", "cfg"), "json") == {"a": 1}
    assert source.read(("user_2", "item_3"), "pkl") == {"u": 2, "i": 3}
    with pytest.raises(KeyError):
        source.read(("user_2", "nothing"), "pkl")
    assert sorted(source.walk(("user_0",), Budget())) == [
        (("user_0", f"item_{i}"), "pkl") for i in range(4)]


def test_counts_and_walks_stop_at_their_budget(tmp_path: Path) -> None:
    d = _files(tmp_path)
    source = source_for(d)
    budget = Budget(entries=5, requests=100)
    counts = source.count((), budget)
    assert counts.keys == 5 and not counts.complete
    budget = Budget(entries=1_000, requests=2)
    assert len(list(source.walk((), budget))) < 13 and budget.exhausted


def test_a_huge_directory_is_listed_partly_and_says_so(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    d = persidict.FileDirDict(base_dir=str(tmp_path / "big"), digest_len=0)
    for i in range(30):
        d[f"k{i:02d}"] = i
    monkeypatch.setattr("localdict_nb.sources.files.MAX_SCAN", 10)
    found = source_for(d).listing((), 100)
    assert found is not None and not found.complete and len(found.leaves) <= 10
    assert MAX_SCAN == 50_000


def test_an_unreadable_directory_is_one_line(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    source = source_for(_files(tmp_path))

    def denied(path: object) -> None:  # what a directory without read permission gives
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("localdict_nb.sources.files.os.scandir", denied)
    with pytest.raises(SourceError) as info:
        source.listing(("user_0",), 10)
    assert "cannot list" in str(info.value) and "Permission denied" in str(info.value)
    assert "\n" not in str(info.value)


def test_persidicts_own_local_dict_through_its_backend() -> None:
    d = persidict.LocalDict()
    d["a", "b"] = 1
    d["c"] = 2
    d.get_subdict("j")  # an empty node persidict made on the way
    source = source_for(d)
    top = source.listing((), 10)
    assert top is not None and top.nodes[:1] == ["a"] and [x.name for x in top.leaves] == ["c"]
    assert top.leaves[0].etag == d.etag("c")
    assert source.count((), Budget()).formats == {"pkl": 2}
    assert source.read(("a", "b"), "pkl") == 1
    assert source.entry(("a", "b"), "pkl") is not None and source.entry(("a", "x"), "pkl") is None


def test_what_is_not_a_persidict_store_is_named() -> None:
    from localdict_nb import LocalDict

    assert not is_persidict(LocalDict()) and not is_persidict({})
    assert is_persidict(persidict.LocalDict())
    with pytest.raises(TypeError, match="cannot show a dict"):
        source_for({})


def test_open_a_directory_guessing_its_format(tmp_path: Path) -> None:
    existing = persidict.FileDirDict(base_dir=str(tmp_path / "j"), serialization_format="json")
    existing["a"] = 1
    opened = open_store(str(tmp_path / "j"))
    assert isinstance(opened, persidict.FileDirDict) and opened["a"] == 1
    assert opened.get_params()["serialization_format"] == "json"
    fresh = open_store(str(tmp_path / "new"), "pkl")
    assert len(fresh) == 0 and (tmp_path / "new").is_dir()


@pytest.mark.parametrize("target", ["file", "missing/parent/dir"])
def test_opening_a_bad_path_is_one_line(tmp_path: Path, target: str) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SourceError) as info:
        open_store(str(tmp_path / target))
    assert "\n" not in str(info.value)
    assert not (tmp_path / "missing").exists()  # nothing created


def test_opening_without_persidict_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "persidict", None)
    with pytest.raises(SourceError, match=r"pip install 'localdict_nb\[persidict\]'"):
        open_store("/tmp")


def test_opening_a_missing_bucket_creates_nothing(s3_bucket: str) -> None:
    import boto3

    with pytest.raises(SourceError, match="no such bucket"):
        open_store(f"s3://{s3_bucket}-nope/prefix")
    names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert f"{s3_bucket}-nope" not in names
    store = open_store(f"s3://{s3_bucket}/team", "json")
    store["k"] = {"v": 1}
    assert source_for(store).listing((), 10).leaves[0].format == "json"  # type: ignore[union-attr]


def test_a_count_that_reads_exactly_its_budget_is_complete(tmp_path: Path) -> None:
    d = persidict.FileDirDict(base_dir=str(tmp_path / "d"), digest_len=0)
    for i in range(3):
        d["only", f"k{i}"] = i
    counts = source_for(d).count(("only",), Budget(entries=3, requests=1))
    assert counts.formats == {"pkl": 3} and counts.complete
    counts = source_for(d).count(("only",), Budget(entries=2, requests=1))
    assert counts.formats == {"pkl": 2} and not counts.complete


def test_a_value_that_does_not_load_fails_at_once_and_changes_nothing(tmp_path: Path) -> None:
    d = persidict.FileDirDict(base_dir=str(tmp_path / "d"), digest_len=0)
    d["bad"] = 1
    path = Path(d.base_dir) / "bad.pkl"
    path.write_bytes(b"not a pickle")
    before = path.stat().st_mtime_ns
    source = source_for(d)
    calls = 0

    def count_opens(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return real_open(*args, **kwargs)  # type: ignore[call-overload]  # open's own overloads

    import builtins

    real_open = builtins.open
    builtins.open = count_opens  # type: ignore[assignment]  # counts the reads, then restored
    try:
        with pytest.raises(Exception) as info:
            source.read(("bad",), "pkl")
    finally:
        builtins.open = real_open
    assert not isinstance(info.value, KeyError)
    assert calls == 1  # read once: persidict's FileDirDict retries ~12 times over ~2 minutes
    assert path.stat().st_mtime_ns == before
