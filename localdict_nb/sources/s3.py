"""persidict's S3 stores (``BasicS3Dict``, ``S3Dict``) read as a tree: ``ListObjectsV2`` per level.

An object's name is persidict's: ``<root_prefix><seg>/<seg>/.../<leaf>.<format>``
(never signed on S3). One level is one list request with ``Delimiter="/"``: its
common prefixes are the child nodes, its objects the keys, with S3's ETag, time and
size. The client is boto3's, built the way persidict builds its own (region from the
store, endpoint and credentials from the environment, e.g. ``AWS_ENDPOINT_URL``), so
the view reaches the same server the store does, with short timeouts of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import Budget, LeafInfo, Listing, Source, SourceError
from .decoding import decode

__all__ = ["S3Source", "error_code", "explain", "make_client"]

PAGE = 1_000
"""Objects per list request (S3's largest page)."""
MAX_PAGES = 5
"""List requests for one listing at most; past that it is marked partial."""


def make_client(region: str | None = None, *, timeout: float = 10.0) -> Any:
    """A boto3 S3 client that gives up on a silent server within about ``timeout`` seconds.

    One try, no retries: boto3's defaults (60 s per try, several tries) would keep a
    magic, or the view's thread, waiting for minutes on a server that never answers.
    Endpoint and credentials come from the environment, as for persidict's own client.
    """
    import boto3  # present: persidict's S3 stores need it
    from botocore.config import Config

    config = Config(connect_timeout=min(3.0, timeout), read_timeout=timeout,
                    retries={"total_max_attempts": 1})
    return boto3.client("s3", region_name=region, config=config)


def error_code(exc: BaseException) -> str:
    """The S3 error code of a botocore error (``NoSuchKey``, ``404``, ...), or ``""``."""
    response = getattr(exc, "response", None)  # None on timeouts and connection errors
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def explain(exc: BaseException, where: str) -> SourceError:
    """One line for a boto3/botocore failure: what went wrong at ``where``, and the fix."""
    name = type(exc).__name__
    code = error_code(exc)
    if name == "NoCredentialsError":
        fix = "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile"
    elif name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                  "ConnectionClosedError"):
        fix = "S3 is unreachable: check the network and AWS_ENDPOINT_URL"
    elif code in ("NoSuchBucket", "404", "NotFound"):
        fix = "no such bucket: check the bucket's name (and region)"
    elif code in ("AccessDenied", "403", "Forbidden", "InvalidAccessKeyId",
                  "SignatureDoesNotMatch"):
        fix = "access denied: check the credentials and the bucket's policy"
    else:
        fix = f"{name}{f' ({code})' if code else ''}: {str(exc).splitlines()[0][:160]}"
    return SourceError(f"{where}: {fix}")


class S3Source(Source):
    """The tree of a ``persidict.BasicS3Dict`` or ``persidict.S3Dict``.

    Args:
        store: The S3 store.
        client: A boto3 S3 client; by default one like the store's own.
    """

    def __init__(self, store: Any, client: Any = None) -> None:
        super().__init__(store)
        params = store.get_params()
        self.kind = type(store).__name__
        if self.kind == "S3Dict_FileDirCached":
            self.kind = "S3Dict"
        self.bucket = str(params["bucket_name"])
        prefix = str(params.get("root_prefix") or "")
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.region = params.get("region")
        self.client = client if client is not None else make_client(self.region)

    @property
    def location(self) -> str:
        """``s3://bucket/prefix``."""
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def poll_interval(self) -> float:
        """S3 requests cost money and time: poll less often than a local directory."""
        return 5.0

    @property
    def recount_after(self) -> float:
        """Recount a subtree whose listing looks the same only every 10 minutes."""
        return 600.0

    def _key_prefix(self, rel: tuple[str, ...]) -> str:
        return self.prefix + "".join(s + "/" for s in rel)

    def _list(self, **kwargs: Any) -> dict[str, Any]:
        self.stats.request()
        try:
            return dict(self.client.list_objects_v2(Bucket=self.bucket, **kwargs))
        except Exception as exc:
            raise explain(exc, f"cannot list {self.location}") from exc

    def listing(self, rel: tuple[str, ...], limit: int) -> Listing | None:
        """List requests with a delimiter until ``limit`` rows (at most ``MAX_PAGES``)."""
        prefix = self._key_prefix(rel)
        nodes: list[str] = []
        leaves: list[LeafInfo] = []
        seen = 0
        token: str | None = None
        complete = False
        for _ in range(MAX_PAGES):
            kwargs: dict[str, Any] = {"Prefix": prefix, "Delimiter": "/", "MaxKeys": PAGE}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._list(**kwargs)
            for common in page.get("CommonPrefixes", []):
                seen += 1
                if len(nodes) + len(leaves) < limit:
                    nodes.append(common["Prefix"][len(prefix):].rstrip("/"))
            for obj in page.get("Contents", []):
                info = self._leaf(obj, prefix)
                if info is None:
                    continue
                seen += 1
                if len(nodes) + len(leaves) < limit:
                    leaves.append(info)
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                complete = True
                break
            if len(nodes) + len(leaves) >= limit:
                break
        if rel and not seen:
            return None  # S3 has no empty "directories": no objects, no node
        nodes.sort()
        leaves.sort(key=lambda leaf: (leaf.name, leaf.format))
        return Listing(nodes, leaves, seen, complete)

    @staticmethod
    def _leaf(obj: dict[str, Any], prefix: str) -> LeafInfo | None:
        name, dot, fmt = str(obj["Key"])[len(prefix):].rpartition(".")
        if not dot or not name or "/" in name:
            return None
        modified = obj.get("LastModified")
        ts = modified.timestamp() if modified is not None else 0.0
        return LeafInfo(name, fmt, str(obj.get("ETag", "")), ts, obj.get("Size"))

    def walk(self, rel: tuple[str, ...], budget: Budget) -> Iterator[tuple[tuple[str, ...], str]]:
        """Every object under the node, 1,000 per request, in S3's (sorted) order."""
        prefix = self._key_prefix(rel)
        token: str | None = None
        while not budget.exhausted:
            kwargs: dict[str, Any] = {"Prefix": prefix, "MaxKeys": PAGE}
            if token:
                kwargs["ContinuationToken"] = token
            budget.spent_requests += 1
            page = self._list(**kwargs)
            for obj in page.get("Contents", []):
                if budget.spent_entries >= budget.entries:
                    return
                name, dot, fmt = str(obj["Key"])[len(prefix):].rpartition(".")
                if not dot or not name:
                    continue
                budget.spent_entries += 1
                yield (*rel, *name.split("/")), fmt
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                budget.finished = True
                return

    def entry(self, rel: tuple[str, ...], fmt: str) -> LeafInfo | None:
        """One HEAD request."""
        if not rel:
            return None
        self.stats.request()
        key = self._key_prefix(rel[:-1]) + rel[-1] + "." + fmt
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise explain(exc, f"cannot read s3://{self.bucket}/{key}") from exc
        modified = head.get("LastModified")
        return LeafInfo(rel[-1], fmt, str(head.get("ETag", "")),
                        modified.timestamp() if modified is not None else 0.0,
                        head.get("ContentLength"))

    def read(self, rel: tuple[str, ...], fmt: str) -> Any:
        """The value: one GET, decoded as persidict wrote it (never through a local cache)."""
        if not rel:
            raise KeyError(rel)
        self.stats.request()
        key = self._key_prefix(rel[:-1]) + rel[-1] + "." + fmt
        try:
            data = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except Exception as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise KeyError(rel) from None
            raise explain(exc, f"cannot read s3://{self.bucket}/{key}") from exc
        return decode(data, fmt)
