from __future__ import annotations

import importlib
import os
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import persidict
import pytest

import localdict_nb
from tests.servers import start

_IMPLEMENTATIONS: dict[str, type] = {
    "ours": localdict_nb.LocalDict,
    "persidict": persidict.LocalDict,
}


@pytest.fixture(params=list(_IMPLEMENTATIONS), ids=list(_IMPLEMENTATIONS))
def impl(request: pytest.FixtureRequest) -> type:
    """The LocalDict class under test: ours, or persidict's as the compatibility oracle."""
    return _IMPLEMENTATIONS[request.param]


@pytest.fixture
def impl_pkg(impl: type) -> ModuleType:
    """The top-level package ``impl`` comes from (for its SafeStrTuple, jokers, ...)."""
    return importlib.import_module(impl.__module__.partition(".")[0])


@pytest.fixture
def ours() -> localdict_nb.LocalDict:
    """A fresh, empty localdict_nb.LocalDict."""
    return localdict_nb.LocalDict()


# --------------------------------------------------------------------------- a real S3 server

S3_ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An S3 API server on 127.0.0.1 (moto's server mode, a process of its own): its URL.

    Tests reach it over HTTP with boto3, as they would reach S3: nothing is mocked in
    the test process.
    """
    moto_server = Path(sys.executable).with_name("moto_server")
    if not moto_server.exists():
        pytest.fail("moto's S3 server is missing: pip install 'moto[server]' (in the test "
                    "extra; the S3 tests are required, not skipped)", pytrace=False)

    def ready(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            return False

    server = start("moto S3 server",
                   lambda port: [str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
                   cwd=tmp_path_factory.mktemp("moto"), env=dict(os.environ),
                   log_path=S3_ARTIFACTS / "moto-server.log", ready=ready)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A fresh, empty bucket on the S3 server; boto3 (and persidict) pointed at it.

    Temporary files (S3Dict's local caches among them) go to the test's own tmp_path.
    """
    import tempfile

    import boto3

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for name, value in {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_SESSION_TOKEN": "testing"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"ldnb-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket
