"""The S3 source against a real S3 API server (moto's server mode) over HTTP."""

from __future__ import annotations

import boto3
import persidict
import pytest
from botocore.config import Config

from localdict_nb.sources import Budget, SourceError, source_for


def _store(bucket: str, fmt: str = "pkl", prefix: str = "root") -> persidict.BasicS3Dict:
    return persidict.BasicS3Dict(bucket_name=bucket, root_prefix=prefix, serialization_format=fmt)


def test_one_level_per_list_request_with_etags_times_and_sizes(s3_bucket: str) -> None:
    d = _store(s3_bucket)
    for u in range(3):
        for i in range(4):
            d[f"user_{u}", f"item_{i}"] = {"u": u, "i": i}
    d["top"] = "t"
    _store(s3_bucket, "json")["user_1", "conf"] = {"a": 1}
    source = source_for(d)
    assert (source.kind, source.location, source.format) == ("BasicS3Dict",
                                                             f"s3://{s3_bucket}/root/", "pkl")
    before = source.stats.requests
    top = source.listing((), 100)
    assert source.stats.requests == before + 1
    assert top is not None and top.nodes == ["user_0", "user_1", "user_2"] and top.complete
    assert [(leaf.name, leaf.format) for leaf in top.leaves] == [("top", "pkl")]
    assert top.leaves[0].etag == d.etag("top") and top.leaves[0].size
    user_1 = source.listing(("user_1",), 100)
    assert user_1 is not None
    assert [(leaf.name, leaf.format) for leaf in user_1.leaves][:2] == [("conf", "json"),
                                                                       ("item_0", "pkl")]
    assert source.listing(("nobody",), 10) is None
    counts = source.count((), Budget())
    assert counts.formats == {"pkl": 13, "json": 1} and counts.complete
    assert source.read(("user_1", "conf"), "json") == {"a": 1}
    assert source.read(("user_2", "item_3"), "pkl") == {"u": 2, "i": 3}
    entry = source.entry(("user_2", "item_3"), "pkl")
    assert entry is not None and entry.etag == d.etag(("user_2", "item_3"))
    assert source.entry(("user_2", "nothing"), "pkl") is None


def test_big_levels_are_cut_and_marked_and_counts_stop_at_the_budget(s3_bucket: str) -> None:
    client = boto3.client("s3")
    for i in range(1_300):
        client.put_object(Bucket=s3_bucket, Key=f"root/many/k{i:05d}.pkl", Body=b"x")
    source = source_for(_store(s3_bucket))
    first = source.listing(("many",), 100)
    assert first is not None and len(first.leaves) == 100 and not first.complete
    assert first.total >= 100
    budget = Budget(entries=1_200, requests=10)
    counts = source.count((), budget)
    assert counts.formats == {"pkl": 1_200} and not counts.complete
    assert budget.spent_requests == 2  # 1,000 objects per request


def test_a_dead_server_is_one_line_that_names_the_fix(s3_bucket: str) -> None:
    source = source_for(_store(s3_bucket))
    source.client = boto3.client(  # the same bucket, behind a port nothing listens on
        "s3", endpoint_url="http://127.0.0.1:9",
        config=Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1}))
    with pytest.raises(SourceError) as info:
        source.listing((), 10)
    message = str(info.value)
    assert "\n" not in message and "unreachable" in message and "AWS_ENDPOINT_URL" in message
