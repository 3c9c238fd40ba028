from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")
TIMEOUT = 60  # seconds: a bound for a slow machine, never a measurement

COMMANDS = [
    "%load_ext localdict_nb",
    "%localdict new d",
    "%localdict set d a/b 1 + 1",
    "%localdict get d a/b",
    "%localdict ls d",
    "%localdict bogus",
]


def run_session(tmp_path: Path) -> tuple[list[list[str]], pexpect.spawn]:
    """Run COMMANDS in a terminal IPython under a pty; the text each one printed, as lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLUMNS", "LINES"))}
    env.update(IPYTHONDIR=str(tmp_path / "ipython"), TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "IPython", "--no-banner", "--colors=NoColor", "--HistoryManager.enabled=False",
         "--no-confirm-exit", "--TerminalInteractiveShell.term_title=False"],
        cwd=str(tmp_path), env=env, encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 200))
    outputs: list[list[str]] = []
    try:
        child.expect_exact("In [1]:")
        for number, command in enumerate(COMMANDS, start=2):
            child.sendline(command)
            child.expect_exact(f"In [{number}]:")
            text = ANSI.sub("", child.before).replace("\r", "")
            lines = [line.rstrip() for line in text.split("\n")]
            outputs.append([line for line in lines  # without the echo of the command
                            if line and command not in line and not line.startswith("In [")])
        child.sendline("exit")
        child.expect(pexpect.EOF)
        assert "Traceback" not in ANSI.sub("", child.before)
    finally:
        child.close(force=True)
    return outputs, child


def test_a_terminal_session(tmp_path: Path) -> None:
    outputs, child = run_session(tmp_path)
    assert (child.exitstatus, child.signalstatus) == (0, None)
    load, new, set_, get, ls, bogus = outputs
    assert load == []
    assert new == ["Out[2]: d = LocalDict [pkl], prune every 64 deletions"]
    assert set_ == ["Out[3]: d[a/b] = 2  (etag 1)"]
    assert get == ["Out[4]: 2"]
    assert ls == [
        "Out[5]:",
        "d",
        "path  kind  contents  version",
        "----  ----  --------  -------",
        "a/    node  pkl 1     #1",
    ]
    assert len(bogus) == 1
    assert bogus[0].startswith(
        "UsageError: %localdict: argument SUBCOMMAND: invalid choice: 'bogus'")
    assert not any("Traceback" in line for lines in outputs for line in lines)
    assert not any("<table" in line for lines in outputs for line in lines)
