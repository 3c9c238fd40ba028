"""Real servers for the tests (Jupyter, marimo, an S3 API): started, awaited, stopped alike.

Each runs in a process group of its own on 127.0.0.1 and a free port, with its output
in a log file; ``start`` retries on another port should the one probed be taken before
the server binds it, and fails the test (not hangs) with the log's tail when the server
never answers. ``stop`` asks politely first (the caller's way, or SIGINT), then ends the
whole group with SIGTERM and SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ServerProcess", "free_port", "start"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    """A server process and its log."""

    port: int
    log_path: Path
    proc: subprocess.Popen[bytes]
    _log_file: Any = field(repr=False)
    started: float = field(default_factory=time.monotonic)
    ready_after: float = 0.0

    def log_text(self) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self, polite: Callable[[], None] | None = None, polite_wait: float = 15) -> None:
        """``polite()`` (default: SIGINT to the server), then SIGTERM, SIGKILL to its group."""
        steps: list[tuple[Callable[[], None], float]] = [
            (polite or (lambda: self.proc.send_signal(signal.SIGINT)), polite_wait),
            (lambda: os.killpg(self.proc.pid, signal.SIGTERM), 10),
            (lambda: os.killpg(self.proc.pid, signal.SIGKILL), 10),
        ]
        for step, wait in steps:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError, OSError):
                step()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=wait)
        self._log_file.close()


def start(name: str, command: Callable[[int], list[str]], *, cwd: Path, env: dict[str, str],
          log_path: Path, ready: Callable[[int], bool], timeout: float = 60.0,
          make: Callable[..., ServerProcess] = ServerProcess, **fields: Any) -> ServerProcess:
    """Start ``command(port)`` and wait until ``ready(port)``; fail the test if it never is.

    ``make(port=, log_path=, proc=, _log_file=, **fields)`` builds the returned object,
    so a subclass of ServerProcess can carry what its tests need (a token, a root dir).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between probing and binding
        port = free_port()
        log_file = open(log_path, "wb")  # noqa: SIM115 - closed in ServerProcess.stop
        proc = subprocess.Popen(command(port), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
        server = make(port=port, log_path=log_path, proc=proc, _log_file=log_file, **fields)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if ready(port):
                server.ready_after = time.monotonic() - server.started
                return server
            time.sleep(0.2)
        last_error = server.log_tail()
        if proc.poll() is None:
            server.stop()
            break  # it ran but never answered: retrying will not help
        log_file.close()
    pytest.fail(f"{name} did not answer within {timeout:.0f} s; log {log_path}:\n{last_error}",
                pytrace=False)
