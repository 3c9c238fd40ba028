"""End-to-end harness: JupyterLab 4 and Notebook 7 driven by a real (headless) Chromium.

What it provides:

* ``jupyter`` (session scope, parametrised ``jupyterlab`` / ``notebook7``): a server on
  127.0.0.1 with a free port and a token, isolated config/data/runtime/settings directories,
  its output in ``artifacts/e2e/<flavor>-server.log``, stopped with ``POST /api/shutdown``.
  Only one server runs at a time (pytest finalises one parameter before the next starts).
* ``browser`` (session scope): Debian's ``/usr/bin/chromium`` through playwright-python.
  ``launch()`` gives it a fresh temporary profile (user-data-dir) of its own.
* ``page`` (per test): a new browser context and page that records dialogs, page errors and
  console errors; a screenshot is saved to ``artifacts/e2e/FAILED-<test>.png`` when the test
  fails, and the test's kernels are shut down afterwards.
* ``open_notebook(name, cells)``: writes a notebook (nbformat) into the server's root dir,
  opens it, waits until the kernel is really ready and returns a ``NotebookDriver`` that runs
  cells one at a time and waits for each to finish.

Missing prerequisites (chromium, playwright, jupyterlab, notebook) make the tests fail with a
clear message; they are never skipped.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ServerProcess, start

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FLAVORS = ("jupyterlab", "notebook7")

SERVER_START_TIMEOUT = 90.0
KERNEL_READY_TIMEOUT = 90_000  # ms
CELL_TIMEOUT = 60_000  # ms
KNOWN_PAGE_ERRORS = (
    # Notebook 7.6.5 raises this one on every load; it is not ours (DESIGN.md section 6).
    "reading 'schema'",
)


# --------------------------------------------------------------------------- prerequisites


def _missing_prerequisites() -> list[str]:
    missing = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get update && apt-get install -y chromium)"
        )
    for module, pip_name in (
        ("playwright", "playwright"),
        ("jupyterlab", "jupyterlab>=4"),
        ("notebook", "notebook>=7"),
        ("nbformat", "nbformat"),
        ("ipykernel", "ipykernel"),
    ):
        if importlib.util.find_spec(module) is None:
            missing.append(f"python module {module!r} is missing: pip install {pip_name!r}")
    return missing


def _require_prerequisites() -> None:
    missing = _missing_prerequisites()
    if missing:
        pytest.fail(
            "end-to-end test prerequisites are missing (these tests are required, not "
            "skipped):\n  - " + "\n  - ".join(missing),
            pytrace=False,
        )


# --------------------------------------------------------------------------- pytest hooks


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end test in a real browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)  # the page fixture screenshots failures
    return report


# --------------------------------------------------------------------------- memory sampler


class _MemorySampler:
    """Samples the PSS of this process and all its descendants (server, kernels, chromium)."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _children() -> dict[int, list[int]]:
        tree: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
        return tree

    def sample(self) -> int:
        tree = self._children()
        todo, total = [os.getpid()], 0
        while todo:
            pid = todo.pop()
            todo.extend(tree.get(pid, []))
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
            except OSError:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(Exception):  # measurement only: never break the tests
                self.peak_kib = max(self.peak_kib, self.sample())

    def start(self) -> None:
        if self._thread is None and os.path.exists("/proc/self/smaps_rollup"):
            self._thread = threading.Thread(target=self._run, name="e2e-mem", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()


_MEMORY = _MemorySampler()
_TIMES: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    _MEMORY.stop()
    if _MEMORY.peak_kib:
        terminalreporter.write_line(
            f"e2e: peak memory (PSS of pytest + jupyter server + kernels + chromium): "
            f"{_MEMORY.peak_kib / 1024:.0f} MiB"
        )
    for what, seconds in _TIMES.items():
        terminalreporter.write_line(f"e2e: {what}: {seconds:.1f} s")


# --------------------------------------------------------------------------- the server


@dataclass(kw_only=True)
class JupyterServer(ServerProcess):
    flavor: str  # "jupyterlab" or "notebook7"
    token: str
    root_dir: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name: str) -> str:
        if self.flavor == "jupyterlab":
            # ?reset: start from an empty workspace, so only this notebook is open.
            return f"{self.base_url}/lab/tree/{name}?reset&token={self.token}"
        return f"{self.base_url}/notebooks/{name}?token={self.token}"

    def api(self, method: str, path: str, timeout: float = 10.0) -> Any:
        req = urllib.request.Request(
            self.base_url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method in ("POST", "PUT", "PATCH") else None,
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # 127.0.0.1 only
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every session (and its kernel) so kernels do not pile up across tests."""
        try:
            for session in self.api("GET", "/api/sessions"):
                try:
                    self.api("DELETE", f"/api/sessions/{session['id']}")
                except (urllib.error.URLError, OSError):
                    pass
        except (urllib.error.URLError, OSError, ValueError):
            pass

    def stop(self, polite: Any = None, polite_wait: float = 15) -> None:
        """Shut the server down through its API, then by signals to its process group."""
        super().stop(polite or (lambda: self.api("POST", "/api/shutdown")), polite_wait)


def _write_settings(settings_dir: Path) -> None:
    files = {
        # The "get notified about Jupyter news" toast covers outputs (DESIGN.md section 6).
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        # Keep every cell in the DOM, so tests can find any cell's output.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
            "windowingMode": "none",
        },
    }
    for rel, content in files.items():
        path = settings_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


def _start_server(flavor: str, base: Path) -> JupyterServer:
    root_dir = base / "root"
    dirs = {
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": base / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "lab-workspaces",
        "IPYTHONDIR": base / "ipython",
    }
    for d in (root_dir, *dirs.values()):
        d.mkdir(parents=True, exist_ok=True)
    _write_settings(dirs["JUPYTERLAB_SETTINGS_DIR"])

    env = dict(os.environ)
    env.update({k: str(v) for k, v in dirs.items()})
    env.pop("ANYWIDGET_HMR", None)  # must stay off in CI (DESIGN.md section 6)
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])

    token = secrets.token_hex(24)
    if flavor == "jupyterlab":
        module, expose = "jupyterlab", "--LabApp.expose_app_in_browser=True"
    else:
        module, expose = "notebook", "--JupyterNotebookApp.expose_app_in_browser=True"

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", module,
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root_dir}",
            expose,
        ]  # fmt: skip

    def ready(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}",
                                        timeout=2):
                return True
        except (urllib.error.URLError, OSError, ValueError):
            return False

    server = start(f"{flavor} server", command, cwd=root_dir, env=env,
                   log_path=ARTIFACTS / f"{flavor}-server.log", ready=ready,
                   timeout=SERVER_START_TIMEOUT, make=JupyterServer, flavor=flavor, token=token,
                   root_dir=root_dir)
    assert isinstance(server, JupyterServer)
    return server


@pytest.fixture(scope="session", params=FLAVORS)
def jupyter(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[JupyterServer]:
    """A running JupyterLab 4 or Notebook 7 server (one at a time)."""
    _require_prerequisites()
    _MEMORY.start()
    flavor = request.param
    started = time.monotonic()
    server = _start_server(flavor, tmp_path_factory.mktemp(f"{flavor}-server"))
    try:
        yield server
    finally:
        server.stop()
        key = f"{flavor} (server start to stop, with its tests)"
        _TIMES[key] = time.monotonic() - started


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_prerequisites()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # launch() runs chromium with a fresh temporary profile (user-data-dir) of its own.
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def unexpected_page_errors(self) -> list[str]:
        """Uncaught page errors, and errors the tree view logged ("[localdict_nb] ...")."""
        errors = [e for e in self.page_errors if not any(k in e for k in KNOWN_PAGE_ERRORS)]
        return errors + [e for e in self.console_errors if "[localdict_nb]" in e]


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Any, jupyter: JupyterServer) -> Iterator[Any]:
    """A fresh page in a fresh context; a screenshot is saved if the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    log = PageLog()

    def on_dialog(dialog: Any) -> None:
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):  # the page may be gone already
            dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    pg.on(
        "console",
        lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    pg.e2e_log = log  # type: ignore[attr-defined]  # a log kept on the page object
    try:
        yield pg
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"FAILED-{_safe_name(request.node.nodeid)}.png"
            try:
                pg.screenshot(path=str(shot), full_page=True)
                print(f"\nscreenshot of the failure: {shot}")
            except Exception as exc:  # noqa: BLE001 - any failure of the probe is reported
                print(f"\ncould not save a failure screenshot: {exc}")
            if log.page_errors or log.console_errors or log.dialogs:
                print(f"page errors: {log.page_errors}\nconsole errors: {log.console_errors}")
                print(f"dialogs: {log.dialogs}")
        context.close()
        jupyter.shutdown_kernels()


# --------------------------------------------------------------------------- notebooks


def _js(params: str, body: str) -> str:
    """A JS arrow function with ``app`` (window.jupyterapp) and ``w`` (its current widget)."""
    return (
        f"({params}) => {{\n"
        "    const app = window.jupyterapp; const w = app && app.shell.currentWidget;\n"
        f"{body}\n}}"
    )


_JS_NOTEBOOK_LOADED = _js(
    "[name, n]",
    """\
    return !!(w && w.context && w.content && w.sessionContext && w.context.isReady
              && w.context.path === name && w.content.widgets.length === n);""",
)

_JS_KERNEL_READY = _js(
    "",
    """\
    if (!w || !w.sessionContext) return false;
    const sc = w.sessionContext;
    const k = sc.session && sc.session.kernel;
    return !!(sc.isReady && k && k.connectionStatus === 'connected' && k.status === 'idle');""",
)

_JS_KERNEL_STATE = _js(
    "",
    """\
    if (!w || !w.sessionContext) return 'no notebook widget';
    const sc = w.sessionContext;
    const k = sc.session && sc.session.kernel;
    return JSON.stringify({isReady: sc.isReady, kernel: !!k,
        connectionStatus: k && k.connectionStatus, status: k && k.status});""",
)

_JS_START_CELL = _js(
    "[i, runId]",
    """\
    const nb = w.content;
    nb.deselectAll();
    nb.activeCellIndex = i;
    window.__e2eRuns = window.__e2eRuns || {};
    const run = window.__e2eRuns[runId] = {done: false, ok: null, error: null};
    app.commands.execute('notebook:run-cell').then(
        (ok) => { run.done = true; run.ok = ok; },
        (err) => { run.done = true; run.error = String(err); });
    return nb.activeCellIndex;""",
)

_JS_CELL_ERRORS = _js(
    "i",
    """\
    const model = w.content.widgets[i].model;  // markdown cells have no outputs
    const outputs = model.outputs ? model.outputs.toJSON() : [];
    return outputs.filter((o) => o.output_type === 'error')
                  .map((o) => o.ename + ': ' + o.evalue + '\\n'
                              + (o.traceback || []).join('\\n'));""",
)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class CellRun:
    index: int
    run_id: str


class NotebookDriver:
    """Drives one open notebook in JupyterLab 4 or Notebook 7."""

    def __init__(self, page: Any, server: JupyterServer, name: str, n_cells: int) -> None:
        self.page = page
        self.server = server
        self.name = name
        self.n_cells = n_cells
        panel_id = page.evaluate(_js("", "    return w.node.id;"))
        self.panel = page.locator(f'[id="{panel_id}"]')

    @property
    def flavor(self) -> str:
        return self.server.flavor

    # -- locating
    def cell(self, i: int) -> Any:
        return self.panel.locator(".jp-Notebook .jp-Cell").nth(i)

    def output(self, i: int) -> Any:
        """The output area of cell ``i``."""
        return self.cell(i).locator(".jp-OutputArea")

    # -- kernel
    def wait_kernel_idle(self, timeout: float = KERNEL_READY_TIMEOUT) -> None:
        __tracebackhide__ = True
        try:
            self.page.wait_for_function(_JS_KERNEL_READY, timeout=timeout)
        except Exception as exc:
            state = self.page.evaluate(_JS_KERNEL_STATE)
            raise AssertionError(
                f"[{self.flavor}] kernel of {self.name} not ready/idle within "
                f"{timeout / 1000:.0f} s: {state}\nserver log tail:\n{self.server.log_tail()}"
            ) from exc

    # -- running cells
    def start_cell(self, i: int) -> CellRun:
        """Start running cell ``i``; return at once (see ``wait_cell``)."""
        assert 0 <= i < self.n_cells, f"no cell {i} in {self.name}"
        run_id = secrets.token_hex(8)
        active = self.page.evaluate(_JS_START_CELL, [i, run_id])
        assert active == i, f"could not make cell {i} active (active: {active})"
        return CellRun(i, run_id)

    def wait_cell(self, run: CellRun, timeout: float = CELL_TIMEOUT) -> None:
        """Wait until the run finished and the kernel is idle; fail on an error output."""
        __tracebackhide__ = True
        try:
            self.page.wait_for_function(
                "(id) => window.__e2eRuns && window.__e2eRuns[id] && window.__e2eRuns[id].done",
                arg=run.run_id,
                timeout=timeout,
            )
        except Exception as exc:
            raise AssertionError(
                f"[{self.flavor}] cell {run.index} of {self.name} did not finish within "
                f"{timeout / 1000:.0f} s; kernel: {self.page.evaluate(_JS_KERNEL_STATE)}"
            ) from exc
        result = self.page.evaluate("(id) => window.__e2eRuns[id]", run.run_id)
        self.wait_kernel_idle(timeout)
        errors = self.page.evaluate(_JS_CELL_ERRORS, run.index)
        if errors:
            raise AssertionError(
                f"[{self.flavor}] cell {run.index} of {self.name} raised:\n"
                + _ANSI.sub("", "\n".join(errors))
            )
        if result.get("error"):
            raise AssertionError(
                f"[{self.flavor}] running cell {run.index} failed: {result['error']}"
            )

    def run_cell(self, i: int, timeout: float = CELL_TIMEOUT) -> Any:
        """Run cell ``i``, wait for it, return its output area."""
        __tracebackhide__ = True
        self.wait_kernel_idle()
        self.wait_cell(self.start_cell(i), timeout)
        return self.output(i)

    def run_all(self, timeout: float = CELL_TIMEOUT) -> None:
        for i in range(self.n_cells):
            self.run_cell(i, timeout)

    # -- artifacts
    def screenshot(self, name: str, target: Any = None) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        (target or self.page).screenshot(path=str(path))
        return path


def write_notebook(directory: Path, name: str, cells: list[str]) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    path = directory / name
    nbformat.write(nb, path)
    return path


@pytest.fixture
def open_notebook(page: Any, jupyter: JupyterServer) -> Any:
    """``open_notebook(name, cells)`` or ``open_notebook(name, source=path)`` -> NotebookDriver
    with the kernel ready and idle."""

    def _open(name: str, cells: list[str] | None = None, *, source: Path | None = None,
              ) -> NotebookDriver:
        """Open a notebook written from ``cells``, or a copy of the notebook file ``source``."""
        if not name.endswith(".ipynb"):
            name += ".ipynb"
        if source is not None:
            import nbformat

            nb = nbformat.read(source, as_version=4)
            nbformat.write(nb, jupyter.root_dir / name)
            cells = [c.source for c in nb.cells]
        else:
            assert cells is not None, "open_notebook needs cells or a source notebook"
            write_notebook(jupyter.root_dir, name, cells)
        page.goto(jupyter.notebook_url(name), wait_until="domcontentloaded")
        try:
            page.wait_for_function(
                _JS_NOTEBOOK_LOADED, arg=[name, len(cells)], timeout=KERNEL_READY_TIMEOUT
            )
        except Exception as exc:
            raise AssertionError(
                f"[{jupyter.flavor}] notebook {name} did not open; page errors: "
                f"{page.e2e_log.page_errors}\nserver log tail:\n{jupyter.log_tail()}"
            ) from exc
        driver = NotebookDriver(page, jupyter, name, len(cells))
        driver.wait_kernel_idle()
        return driver

    return _open
