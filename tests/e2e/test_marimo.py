"""The live tree view in marimo: ``marimo run tests/e2e/marimo_app.py`` in headless Chromium.

DESIGN.md section 3 promises the view in marimo (``LocalDict._display_()`` returns the
widget; ``d.tree()`` returns a new one). The app (``marimo_app.py``) shows a LocalDict
twice, writes a key every 100 ms from a plain background thread, and writes a key from a
cell each time its button is clicked.

marimo renders an anywidget inside the open shadow root of a ``<marimo-anywidget>``
element; playwright's CSS and role locators pierce open shadow roots, so the view is
found the same way as in JupyterLab. The server runs with a token, on 127.0.0.1 and a
free port, with its own config/state/cache directories and no update check; its output
goes to ``artifacts/e2e/marimo-server.log``; it is stopped with SIGINT (then SIGTERM,
SIGKILL to its own process group).

``test_keyboard_in_marimo`` guards two faults found here: the focus inside marimo's
shadow root (``document.activeElement`` is only the shadow host there), and Enter's jump
to the first match while marimo applies a message one trait at a time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.servers import ServerProcess, start

APP = Path(__file__).with_name("marimo_app.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts" / "e2e"
MIN_MARIMO = (0, 23, 14)  # earlier releases drop widget updates sent from a plain thread

SERVER_START_TIMEOUT = 60.0  # s
RENDER_WAIT = 30_000  # ms: the first load of marimo's frontend and the app's kernel
WAIT = 15_000  # ms: how long a view may take to show a change (waiting, not asserting time)
KEY_WAIT = 2_000  # ms: how long a key press may take to act on the tree
MATCH_BG = "rgb(255, 248, 197)"  # --ldnb-match in the light theme (js/src/widget.css)

# Console errors of marimo's own that are not about the view. None is known so far
# (marimo 0.25.2): every console error and every uncaught page error fails the test.
KNOWN_MARIMO_NOISE: tuple[str, ...] = ()


def _marimo_version() -> tuple[int, ...] | None:
    if importlib.util.find_spec("marimo") is None:
        return None
    from importlib.metadata import version

    return tuple(int(p) for p in re.findall(r"\d+", version("marimo"))[:3])


def _require_marimo() -> None:
    found = _marimo_version()
    if found is None:
        pytest.fail(
            "python module 'marimo' is missing: pip install 'marimo>=0.23.14' "
            "(the marimo browser test is required, not skipped)",
            pytrace=False,
        )
    if found < MIN_MARIMO:
        pytest.fail(
            f"marimo {'.'.join(map(str, found))} is too old: live updates from the view's "
            f"background thread need marimo>={'.'.join(map(str, MIN_MARIMO))}",
            pytrace=False,
        )


# --------------------------------------------------------------------------- the server


@dataclass(kw_only=True)
class MarimoServer(ServerProcess):
    token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?access_token={self.token}"


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
            return bool(json.loads(resp.read()).get("status") == "healthy")
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _start_server(base: Path) -> MarimoServer:
    home = base / "home"
    dirs = {
        "XDG_CONFIG_HOME": home / "config",
        "XDG_STATE_HOME": home / "state",
        "XDG_CACHE_HOME": home / "cache",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({k: str(v) for k, v in dirs.items()})
    env.update({
        "MARIMO_SKIP_UPDATE_CHECK": "1",
        "PYTHONUNBUFFERED": "1",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    })
    env.pop("ANYWIDGET_HMR", None)  # must stay off in CI (DESIGN.md section 8)
    env.pop("MARIMO_TOKEN", None)

    token = secrets.token_hex(24)

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "marimo", "run", str(APP),
            "--headless",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--token-password", token,
            "--no-sandbox",
        ]  # fmt: skip

    server = start("marimo (/health)", command, cwd=base, env=env,
                   log_path=ARTIFACTS / "marimo-server.log", ready=_healthy,
                   timeout=SERVER_START_TIMEOUT, make=MarimoServer, token=token)
    assert isinstance(server, MarimoServer)
    return server


@pytest.fixture(scope="module")
def marimo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MarimoServer]:
    _require_marimo()
    server = _start_server(tmp_path_factory.mktemp("marimo-server"))
    try:
        yield server
    finally:
        server.stop()
    # Nothing may raise in the app's threads either, up to and through the shutdown.
    log = server.log_text()
    if "Traceback" in log or "localdict_nb" in log:
        pytest.fail(f"the marimo server logged problems; {server.log_path}:\n{log[-4000:]}")


# --------------------------------------------------------------------------- the page


@dataclass
class ConsoleLog:
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    warnings: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def on_console(self, msg: Any) -> None:
        text = f"{msg.type}: {msg.text}"
        if msg.type == "error":
            noise = any(k in msg.text for k in KNOWN_MARIMO_NOISE)
            (self.ignored if noise else self.errors).append(text)
        elif msg.type == "warning":
            self.warnings.append(text)


@pytest.fixture
def marimo_page(
    request: pytest.FixtureRequest, browser: Any, marimo_server: MarimoServer
) -> Iterator[Any]:
    """A fresh page on the app (a new marimo session), with its console recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT)
    page = context.new_page()
    log = ConsoleLog()
    page.on("console", log.on_console)
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"))

    def on_dialog(dialog: Any) -> None:
        log.errors.append(f"dialog: {dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):  # the page may be gone already
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.marimo_log = log  # type: ignore[attr-defined]  # a log kept on the page object
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            with contextlib.suppress(Exception):  # the page may be gone already
                page.screenshot(path=str(ARTIFACTS / f"FAILED-marimo-{name}.png"), full_page=True)
            print(f"\nconsole: {log.errors + log.warnings}\nserver log tail:\n"
                  f"{marimo_server.log_tail()}")
        context.close()


def _open_app(page: Any, server: MarimoServer) -> tuple[Any, Any, float]:
    """Open the app (a new session); wait for both views; return them and the seconds."""
    started = time.monotonic()
    page.goto(server.url, wait_until="domcontentloaded")
    roots = page.locator(".ldnb-root")
    expect(roots).to_have_count(2, timeout=RENDER_WAIT)
    for i in range(2):
        view = roots.nth(i)
        expect(view.locator(".ldnb-header")).to_contain_text("LocalDict", timeout=RENDER_WAIT)
        tree = view.get_by_role("tree")
        for name in ("users", "config"):
            expect(_row(tree, name, level=1)).to_have_count(1, timeout=RENDER_WAIT)
    return roots.nth(0), roots.nth(1), time.monotonic() - started


def _row(scope: Any, name: str, level: int | None = None) -> Any:
    """The treeitems (at ``level``, if given) whose name is exactly ``name``."""
    sel = '[role="treeitem"]' + (f'[aria-level="{level}"]' if level is not None else "")
    exact = re.compile(rf"^\s*{re.escape(name)}\s*$")
    return scope.locator(sel).filter(has=scope.page.locator(".ldnb-name", has_text=exact))


def _counter(view: Any) -> int:
    """The write counter the view's header shows ("counter #1,234")."""
    text = view.locator(".ldnb-header .ldnb-counter").inner_text()
    m = re.search(r"#([\d,]+)", text)
    assert m, f"no write counter in the header: {text!r}"
    return int(m.group(1).replace(",", ""))


def _focused(view: Any) -> str | None:
    """The data-path (or class) of the element focused in the view's shadow root."""
    return view.evaluate(
        "(el) => { const a = el.getRootNode().activeElement;"
        " return a ? (a.getAttribute('data-path') ?? a.className) : null; }"
    )


def _check_console(page: Any, server: MarimoServer) -> None:
    log: ConsoleLog = page.marimo_log
    assert not log.errors, "the page logged errors:\n" + "\n".join(log.errors)
    server_log = server.log_text()
    bad = [ln for ln in server_log.splitlines()
           if "Traceback" in ln or "localdict_nb" in ln or "ERROR" in ln]
    assert not bad, "the marimo server logged problems:\n" + server_log[-4000:]


# --------------------------------------------------------------------------- the tests


def test_tree_view_in_marimo(marimo_page: Any, marimo_server: MarimoServer) -> None:
    page = marimo_page
    times: dict[str, float] = {"server start": marimo_server.ready_after}
    view, other, times["page load to both views shown"] = _open_app(page, marimo_server)
    tree, other_tree = view.get_by_role("tree"), other.get_by_role("tree")

    # -- marimo's light theme reaches the view, and the view's CSS (_css) is applied
    expect(view).to_have_class(re.compile(r"\bldnb-theme-light\b"))
    css_var = "(el) => getComputedStyle(el).getPropertyValue('--ldnb-match').trim()"
    assert view.evaluate(css_var), "the view's CSS is not applied in marimo"

    # -- expand users, then users/u2, with clicks; select a leaf
    step = time.monotonic()
    users = _row(tree, "users", level=1)
    expect(users).to_have_attribute("aria-expanded", "false")
    users.click()
    expect(users).to_have_attribute("aria-expanded", "true", timeout=WAIT)
    expect(tree.locator('[role="treeitem"][aria-level="2"]')).to_have_count(3, timeout=WAIT)
    u2 = _row(tree, "u2", level=2)
    u2.locator(".ldnb-twisty").click()
    expect(u2).to_have_attribute("aria-expanded", "true", timeout=WAIT)
    name = _row(tree, "name", level=3)
    expect(name).to_have_count(1, timeout=WAIT)
    expect(name).to_contain_text("user number 2")
    expect(_row(tree, "prefs", level=3)).to_have_attribute("aria-expanded", "false")
    name.click()
    expect(name).to_have_attribute("aria-selected", "true", timeout=WAIT)
    detail = view.get_by_role("region", name="Selected key")
    expect(detail).to_contain_text("user number 2", timeout=WAIT)
    expect(detail).to_contain_text('d["users", "u2", "name"]')
    # The second view (d.tree()) is a widget of its own: nothing opened there.
    expect(_row(other_tree, "users", level=1)).to_have_attribute("aria-expanded", "false")
    expect(other_tree.locator('[role="treeitem"][aria-level="2"]')).to_have_count(0)
    times["expand two nodes and select a leaf"] = time.monotonic() - step

    # -- search: the box sends the query, Python answers, matches are highlighted
    step = time.monotonic()
    search = view.get_by_role("searchbox", name="Search keys")
    search.fill("email")
    expect(view.locator(".ldnb-search-status")).to_have_text("3 matches", timeout=WAIT)
    matches = tree.locator(".ldnb-row.ldnb-match")
    expect(matches).to_have_count(3, timeout=WAIT)  # the search opened u1 and u3 too
    paths = sorted(m.get_attribute("data-path") or "" for m in matches.all())
    assert paths == [f"users/u{u}/email" for u in (1, 2, 3)], paths
    assert matches.first.evaluate("(el) => getComputedStyle(el).backgroundColor") == MATCH_BG
    not_match = _row(tree, "name", level=3).first
    assert "ldnb-match" not in (not_match.get_attribute("class") or "")
    assert not_match.evaluate("(el) => getComputedStyle(el).backgroundColor") != MATCH_BG
    expect(_row(other_tree, "users", level=1)).to_have_attribute("aria-expanded", "false")
    search.fill("")
    expect(view.locator(".ldnb-search-status")).to_have_text("", timeout=WAIT)
    expect(matches).to_have_count(0, timeout=WAIT)
    times["search and see 3 matches highlighted"] = time.monotonic() - step

    # -- live writes from a plain background thread reach both views while the page is open
    step = time.monotonic()
    live = _row(other_tree, "live", level=1)
    expect(live).to_have_count(1, timeout=WAIT)
    seen = {_counter(view)}
    deadline = time.monotonic() + 10
    while len(seen) < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(150)
        seen.add(_counter(view))
    assert len(seen) >= 4, f"the header's write counter did not move: {sorted(seen)}"
    expect(other.locator(".ldnb-header .ldnb-counter")).not_to_have_text(
        f"counter #{min(seen)}", timeout=WAIT
    )
    live.click()
    expect(live).to_have_attribute("aria-expanded", "true", timeout=WAIT)
    leaves = other_tree.locator('[role="treeitem"][aria-level="2"]')
    expect(leaves.first).to_be_visible(timeout=WAIT)
    before = leaves.count()
    expect(leaves).not_to_have_count(before, timeout=WAIT)  # new rows arrive under live
    strip = other.get_by_role("region", name="Recent changes")
    expect(strip).to_contain_text(re.compile(r"live/k\d{3}"), timeout=WAIT)
    times["live writes seen (4 counter values, new rows)"] = time.monotonic() - step

    # -- a write from a cell (the button's cell re-runs) reaches both views
    step = time.monotonic()
    page.get_by_role("button", name="write a key").click()
    for t in (tree, other_tree):
        expect(_row(t, "clicks", level=1)).to_contain_text("pkl 1", timeout=WAIT)
    page.get_by_role("button", name="write a key").click()
    for t in (tree, other_tree):
        expect(_row(t, "clicks", level=1)).to_contain_text("pkl 2", timeout=WAIT)
    times["button click -> write in a cell -> both views"] = time.monotonic() - step

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "marimo-tree.png"), full_page=True)
    (ARTIFACTS / "marimo-timings.json").write_text(json.dumps(times, indent=2))
    print("\nmarimo timings (s): " + ", ".join(f"{k}: {v:.1f}" for k, v in times.items()))
    _check_console(page, marimo_server)


def test_keyboard_in_marimo(marimo_page: Any, marimo_server: MarimoServer) -> None:
    page = marimo_page
    view, _other, _ = _open_app(page, marimo_server)
    tree = view.get_by_role("tree")
    problems: list[str] = []

    # ArrowRight expands the focused node (its row is rebuilt); ArrowDown then moves the
    # focus to its first child.
    config = _row(tree, "config", level=1)
    config.focus()
    page.keyboard.press("ArrowRight")
    expect(config).to_have_attribute("aria-expanded", "true", timeout=WAIT)
    if _focused(view) != "config":
        problems.append(f"after ArrowRight the focus left the expanded row: {_focused(view)!r}")
    page.keyboard.press("ArrowDown")
    try:
        expect(tree.locator('[role="treeitem"][aria-level="2"]').first).to_be_focused(
            timeout=KEY_WAIT
        )
    except AssertionError:
        problems.append(f"ArrowDown did not focus config's first child; focus: "
                        f"{_focused(view)!r}")

    # A focused row whose content changes (live writes change live's counts) keeps focus.
    live = _row(tree, "live", level=1)
    live.focus()
    page.wait_for_timeout(600)  # several live updates of the row
    if _focused(view) != "live":
        problems.append(f"a live update took the focus from its row: {_focused(view)!r}")

    # Enter in the search box sends the query at once and focuses the first match.
    search = view.get_by_role("searchbox", name="Search keys")
    search.fill("email")
    search.press("Enter")
    expect(view.locator(".ldnb-search-status")).to_have_text("3 matches", timeout=WAIT)
    try:
        expect(_row(tree, "email", level=3).first).to_be_focused(timeout=KEY_WAIT)
    except AssertionError:
        problems.append(f"Enter in the search box did not focus a match; focus: "
                        f"{_focused(view)!r}")

    assert not problems, "keyboard problems in marimo:\n" + "\n".join(problems)
    _check_console(page, marimo_server)
