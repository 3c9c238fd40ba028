"""Layered shells for the %localdict tests, in jupysql's style.

``ip_empty`` (a fresh InteractiveShell, history off, no extension) -> ``ip``
(``%load_ext localdict_nb``) -> ``ip_data`` (a store ``d`` with a few nested keys).
``ip.run_cell`` raises the cell's error, so a magic that fails fails the test;
``ip.run_cell_error`` is for the tests that expect the error.
"""

from __future__ import annotations

import atexit
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from traitlets.config import Config

from localdict_nb import LocalDict
from localdict_nb.view import flusher
from localdict_nb.view.widget import LocalDictTree

Snapshot = tuple[dict[str, list[tuple[tuple[str, ...], Any]]], int]

DATA: dict[str, Any] = {
    "users/u1/name": "ann",
    "users/u1/score": 1.5,
    "users/u2/name": "bob",
    "top": "t",
}
"""What ``ip_data`` writes into ``d`` (pkl), in this order."""


class TestingShell(InteractiveShell):
    """An InteractiveShell whose ``run_cell`` raises the error of a failing cell."""

    __test__ = False

    def run_cell(self, raw_cell: str, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = super().run_cell(raw_cell, *args, **kwargs)
        result.raise_error()
        return result

    def run_cell_error(self, raw_cell: str) -> BaseException:
        """Run a cell that must fail; return its error (the shell has shown it)."""
        result = super().run_cell(raw_cell)
        error = result.error_before_exec or result.error_in_exec
        assert error is not None, f"the cell succeeded: {raw_cell!r}"
        return error


def snapshot(store: LocalDict) -> Snapshot:
    """Every key and value of both formats under ``store``, and the write counter."""
    contents = {}
    for fmt in ("pkl", "json"):
        view = LocalDict(**{**store.get_params(), "serialization_format": fmt})
        contents[fmt] = sorted((tuple(k), v) for k, v in view.items())
    return contents, store.write_counter


@pytest.fixture
def ip_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestingShell]:
    """A fresh shell with history off, its own IPYTHONDIR, and no extension loaded."""
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])  # the shell replaces it
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    config = Config()
    config.HistoryAccessor.enabled = False
    shell = TestingShell.instance(config=config, ipython_dir=str(tmp_path / "ipython"))
    assert not shell.history_manager.enabled
    yield shell
    atexit.unregister(shell.atexit_operations)  # no reset: its gc.collect() costs ~0.1 s a test
    TestingShell.clear_instance()
    assert not InteractiveShell.initialized()


@pytest.fixture
def ip(ip_empty: TestingShell) -> TestingShell:
    """The shell after ``%load_ext localdict_nb``."""
    ip_empty.run_cell("%load_ext localdict_nb")
    return ip_empty


@pytest.fixture
def ip_data(ip: TestingShell) -> TestingShell:
    """The shell with a pkl store ``d`` holding ``DATA``."""
    ip.run_cell("%localdict new d")
    for key, value in DATA.items():
        ip.run_cell(f"%localdict set d {key} {value!r}")
    return ip


@pytest.fixture
def store(ip_data: TestingShell) -> LocalDict:
    """The store ``d`` of ``ip_data``."""
    d = ip_data.user_ns["d"]
    assert isinstance(d, LocalDict)
    return d


@pytest.fixture
def closing() -> Iterator[Callable[[Any], LocalDictTree]]:
    """Register a tree widget a test made; it is closed (and no longer flushed) at teardown."""
    made: list[LocalDictTree] = []

    def keep(widget: Any) -> LocalDictTree:
        assert isinstance(widget, LocalDictTree)
        made.append(widget)
        return widget

    yield keep
    for widget in made:
        widget.close()
        assert widget not in flusher.views()
