import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("bench_engine.py", ["persidict/ours", "Targets", "bytes/item"]),
        ("bench_view.py", ["create + first sync", "no view", "1 live view", "20 open, 1 shown",
                           "20 shown", "flush tick", "search"]),
        ("bench_stores.py", ["FileDirDict, 2,000 keys: first screen", "S3, 500 keys: first screen",
                             "one poll tick"]),
    ],
)
def test_benchmark_runs_and_prints_its_figures(script: str, expected: list[str]) -> None:
    out = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True,
                         text=True, timeout=300, check=True)
    for text in expected:
        assert text in out.stdout, f"{script} --quick printed no {text!r}:\n{out.stdout[-2000:]}"
