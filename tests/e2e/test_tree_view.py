"""The live tree view of a LocalDict in a real browser, in JupyterLab 4 and Notebook 7.

Each test writes a notebook, runs its cells one at a time and looks at the widget the
way a user would: through its ARIA roles (tree, treeitem, the "Selected key" and
"Recent changes" regions) and its text.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

WAIT = 30_000  # ms: how long a view may take to show a change (waiting, not asserting time)
KEY_WAIT = 5_000  # ms: how long a key press may take to act on the tree

SETUP = """\
import localdict_nb

d = localdict_nb.LocalDict(prune_interval=5)
for u in range(3):
    for s in range(4):
        for i in range(5):
            d[f"user_{u}", f"session_{s}", f"item_{i}"] = {
                "user": u, "session": s, "item": i,
                "note": f"value of item {i} " + "x" * 120 + f" END-u{u}-s{s}-i{i}",
            }
d"""


_ACTIVE_CELL = "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"


def _tree(output: Any) -> Any:
    """The one role=tree element in a cell's output."""
    tree = output.get_by_role("tree")
    expect(tree).to_have_count(1, timeout=WAIT)
    expect(tree).to_be_visible()
    return tree


def _row(tree: Any, name: str, level: int | None = None) -> Any:
    """The treeitem (at ``level``, if given) whose name is exactly ``name``."""
    rows = tree.get_by_role("treeitem")
    if level is not None:
        rows = tree.locator(f'[role="treeitem"][aria-level="{level}"]')
    exact = re.compile(rf"^\s*{re.escape(name)}\s*$")
    return rows.filter(has=tree.page.locator(".ldnb-name", has_text=exact))


def _watch_flashes(output: Any) -> None:
    """Record, in the page, every tree row that gets the ``ldnb-flash`` class from now on."""
    output.get_by_role("tree").evaluate(
        """(tree) => {
            window.__ldnbFlashed = [];
            const note = (el) => {
                if (el.nodeType !== 1) return;
                const els = [el, ...el.querySelectorAll('.ldnb-flash')];
                for (const e of els) {
                    if (e.classList.contains('ldnb-flash')) {
                        window.__ldnbFlashed.push(e.getAttribute('data-path') || e.textContent);
                    }
                }
            };
            if (window.__ldnbFlashObserver) window.__ldnbFlashObserver.disconnect();
            window.__ldnbFlashObserver = new MutationObserver((records) => {
                for (const r of records) {
                    if (r.type === 'attributes') note(r.target);
                    else r.addedNodes.forEach(note);
                }
            });
            window.__ldnbFlashObserver.observe(tree, {
                subtree: true, childList: true, attributes: true, attributeFilter: ['class'],
            });
        }"""
    )


def _flashed(page: Any) -> list[str]:
    return page.evaluate("() => window.__ldnbFlashed || []")


def test_browse_then_live_writes_deletes_and_prune(open_notebook: Any, jupyter: Any) -> None:
    flavor = jupyter.flavor
    nb = open_notebook(
        f"tree-{flavor}",
        [
            SETUP,
            # Writes and deletions after the view is shown; the view is not displayed again.
            # Deleting all of user_0 (20 keys, prune_interval=5) makes prune passes remove
            # its empty session nodes and then user_0 itself.
            """\
for s in range(4):
    for i in range(5):
        del d["user_0", f"session_{s}", f"item_{i}"]
for k in range(10_000):
    d["bulk", f"k{k:05d}"] = k
d["zeta_new", "first"] = "hello"
print("keys now:", len(d))""",
        ],
    )
    page = nb.page

    # -- the view appears, with the three users as top-level rows
    out = nb.run_cell(0)
    tree = _tree(out)
    for u in range(3):
        expect(_row(tree, f"user_{u}", level=1)).to_have_count(1, timeout=WAIT)
    expect(out.get_by_text(re.compile(r"^\s*60 keys\s*$"))).to_be_visible()

    # -- expand user_1 with a click
    user_1 = _row(tree, "user_1", level=1)
    user_1.click()
    expect(user_1).to_have_attribute("aria-expanded", "true", timeout=WAIT)
    session_2 = _row(tree, "session_2", level=2)
    expect(session_2).to_have_count(1, timeout=WAIT)
    expect(tree.locator('[role="treeitem"][aria-level="2"]')).to_have_count(4)

    # -- expand session_2 from the keyboard (focus it, ArrowRight). Keyboard problems are
    # collected and reported at the end, so the rest of the story is still checked.
    problems: list[str] = []
    session_2.focus()
    page.keyboard.press("ArrowRight")
    try:
        expect(session_2).to_have_attribute("aria-expanded", "true", timeout=KEY_WAIT)
    except AssertionError:
        problems.append(
            f"[{flavor}] ArrowRight on the focused row session_2 did not expand it "
            f"(the notebook's active cell is now {page.evaluate(_ACTIVE_CELL)})"
        )
        session_2.click()
        expect(session_2).to_have_attribute("aria-expanded", "true", timeout=WAIT)
    item_3 = _row(tree, "item_3", level=3)
    expect(item_3).to_have_count(1, timeout=WAIT)
    # ArrowDown moves the focus to the first child; the notebook does not act on the keys
    # (its active cell stays the same and no cell is added).
    session_2.focus()
    page.keyboard.press("ArrowDown")
    try:
        expect(_row(tree, "item_0", level=3)).to_be_focused(timeout=KEY_WAIT)
    except AssertionError:
        focused = page.evaluate(
            "() => { const a = document.activeElement;"
            " return a && (a.getAttribute('data-path') || a.className); }"
        )
        problems.append(
            f"[{flavor}] ArrowDown on the focused row session_2 did not focus its first child "
            f"item_0; focus is on {focused!r}, the notebook's active cell is "
            f"{page.evaluate(_ACTIVE_CELL)} (was 0)"
        )
    active_cell = page.evaluate(_ACTIVE_CELL)
    if active_cell != 0:
        problems.append(f"[{flavor}] arrow keys in the tree moved the notebook's active cell")
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length") == 2

    # -- select a leaf: its value shows in the detail panel
    item_3.click()
    expect(item_3).to_have_attribute("aria-selected", "true", timeout=WAIT)
    detail = out.get_by_role("region", name="Selected key")
    # The row preview is cut at 80 characters; the end of the value shows only in the panel.
    expect(detail).to_contain_text("END-u1-s2-i3", timeout=WAIT)
    expect(detail).to_contain_text("value of item 3")
    expect(detail).to_contain_text('d["user_1", "session_2", "item_3"]')
    nb.screenshot(f"{flavor}-tree-selected.png")

    # -- writes, deletions and prunes from a later cell reach the same view
    _watch_flashes(out)
    nb.run_cell(1)
    expect(nb.output(1)).to_contain_text("keys now: 10041")

    bulk = _row(tree, "bulk", level=1)
    expect(bulk).to_have_count(1, timeout=WAIT)
    expect(bulk).to_contain_text(re.compile(r"10,?000"), timeout=WAIT)
    expect(_row(tree, "zeta_new", level=1)).to_have_count(1, timeout=WAIT)
    expect(out.get_by_text(re.compile(r"^\s*10,?041 keys\s*$"))).to_be_visible(timeout=WAIT)
    # user_0 was pruned away: its row leaves the tree (after fading).
    expect(_row(tree, "user_0", level=1)).to_have_count(0, timeout=WAIT)
    # user_1 is still expanded and its counts did not change.
    expect(user_1).to_have_attribute("aria-expanded", "true")

    strip = out.get_by_role("region", name="Recent changes")
    prune_entries = strip.get_by_role("listitem").filter(
        has_text=re.compile(r"prune", re.IGNORECASE)
    )
    expect(prune_entries.first).to_be_visible(timeout=WAIT)
    expect(prune_entries.first).to_contain_text(re.compile(r"prune\D*\d+", re.IGNORECASE))

    page.wait_for_function("() => (window.__ldnbFlashed || []).length > 0", timeout=WAIT)
    flashed = _flashed(page)
    assert any("bulk" in f or "zeta_new" in f for f in flashed), flashed

    out.scroll_into_view_if_needed()
    nb.screenshot(f"{flavor}-tree.png")
    assert not problems, "keyboard problems:\n" + "\n".join(problems)
    assert not page.e2e_log.dialogs
    assert not page.e2e_log.unexpected_page_errors(), page.e2e_log.page_errors


def test_counts_move_while_the_writing_cell_runs(open_notebook: Any, jupyter: Any) -> None:
    flavor = jupyter.flavor
    nb = open_notebook(
        f"live-{flavor}",
        [
            SETUP,
            """\
import time

for step in range(30):  # about 3 seconds of writes
    for j in range(20):
        d["live", f"step_{step:02d}", f"k{j}"] = j
    time.sleep(0.1)
print("written:", sum(1 for k in d.keys() if k[0] == "live"))""",
        ],
    )
    page = nb.page
    out = nb.run_cell(0)
    tree = _tree(out)
    expect(_row(tree, "user_2", level=1)).to_have_count(1, timeout=WAIT)

    # Sample, in the page, the live row's counts together with "has the cell finished?".
    run = nb.start_cell(1)
    tree.evaluate(
        """(tree, runId) => {
            window.__ldnbSamples = [];
            window.__ldnbSampler = setInterval(() => {
                const run = window.__e2eRuns[runId];
                const row = [...tree.querySelectorAll('[role="treeitem"][aria-level="1"]')]
                    .find((r) => r.querySelector('.ldnb-name')?.textContent === 'live');
                const counts = row && row.querySelector('.ldnb-counts');
                window.__ldnbSamples.push(
                    {done: run.done, text: counts ? counts.textContent : null});
            }, 25);
        }""",
        run.run_id,
    )
    nb.wait_cell(run, timeout=120_000)
    expect(nb.output(1)).to_contain_text("written: 600")
    live = _row(tree, "live", level=1)
    expect(live).to_contain_text(re.compile(r"\b600\b"), timeout=WAIT)
    samples = page.evaluate(
        "() => { clearInterval(window.__ldnbSampler); return window.__ldnbSamples; }"
    )

    def count(text: str) -> int | None:
        # The counts read e.g. "pkl 1,240": the number after the format name.
        m = re.search(r"pkl\s+([\d,]+)", text)
        return int(m.group(1).replace(",", "")) if m else None

    while_running = {count(s["text"]) for s in samples if not s["done"] and s["text"]}
    while_running.discard(None)
    partial = sorted(c for c in while_running if 0 < c < 600)
    assert len(partial) >= 2, (
        f"[{flavor}] the live row's count should change while the cell is still running; "
        f"counts seen before it finished: {sorted(while_running)}; "
        f"samples: {len(samples)} ({sum(not s['done'] for s in samples)} while running)"
    )
    nb.screenshot(f"{flavor}-tree-live.png")
    assert not page.e2e_log.unexpected_page_errors(), page.e2e_log.page_errors


IMG = "<img src=x onerror=alert(1)>"
IMG_FLAG = '<img src=x onerror="window.__xss=1;alert(2)">'
SCRIPT = "<script>window.__xss=2;alert(3)</script>"


def test_hostile_values_are_shown_as_text(open_notebook: Any, jupyter: Any) -> None:
    flavor = jupyter.flavor
    nb = open_notebook(
        f"xss-{flavor}",
        [
            f"""\
import localdict_nb

d = localdict_nb.LocalDict()
d["xss", "img"] = {IMG!r}
d["xss", "img_flag"] = {IMG_FLAG!r}
d["xss", "script"] = {SCRIPT!r}
d""",
            f'd["xss", "later"] = {SCRIPT!r}',
        ],
    )
    page = nb.page
    out = nb.run_cell(0)
    tree = _tree(out)
    xss = _row(tree, "xss", level=1)
    xss.click()
    expect(xss).to_have_attribute("aria-expanded", "true", timeout=WAIT)

    # The values are in the rows as text.
    expect(_row(tree, "img", level=2)).to_contain_text(IMG, timeout=WAIT)
    expect(_row(tree, "script", level=2)).to_contain_text(SCRIPT, timeout=WAIT)

    # ... and in the detail panel as text.
    detail = out.get_by_role("region", name="Selected key")
    _row(tree, "img_flag", level=2).click()
    expect(detail).to_contain_text(IMG_FLAG, timeout=WAIT)
    _row(tree, "script", level=2).click()
    expect(detail).to_contain_text(SCRIPT, timeout=WAIT)

    # A live update carrying the payload is text too.
    _watch_flashes(out)
    nb.run_cell(1)
    expect(_row(tree, "later", level=2)).to_contain_text(SCRIPT, timeout=WAIT)
    # One more round trip through the kernel, so a broken image would have had time to fail.
    nb.run_cell(1)

    assert page.e2e_log.dialogs == [], f"[{flavor}] a payload opened a dialog"
    assert page.evaluate("() => window.__xss") is None, f"[{flavor}] a payload ran"
    assert out.locator("img").count() == 0
    assert out.locator("script").count() == 0
    assert page.locator('img[src="x"]').count() == 0
    nb.screenshot(f"{flavor}-tree-xss.png")
    assert not page.e2e_log.unexpected_page_errors(), page.e2e_log.page_errors


def test_a_view_whose_output_is_cleared_stops_being_flushed(open_notebook: Any,
                                                           jupyter: Any) -> None:
    """The page tells the kernel what it shows (``rendered``): a cleared output costs nothing."""
    nb = open_notebook(
        f"rendered-{jupyter.flavor}",
        [
            "import localdict_nb\nd = localdict_nb.LocalDict()\nd['a'] = 1\nw = d.tree()\nw",
            "print('shown:', sum(w.rendered.values()), w.shown)",
            "d['while_hidden'] = 2\nprint('flushed:', w.flush())",
            "w",
        ],
    )
    tree = _tree(nb.run_cell(0))
    expect(_row(tree, "a", level=1)).to_have_count(1, timeout=WAIT)
    nb.page.wait_for_timeout(500)  # the page's report reaches the kernel
    expect(nb.run_cell(1)).to_contain_text("shown: 1 True", timeout=WAIT)
    nb.page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    expect(nb.output(0).get_by_role("tree")).to_have_count(0, timeout=WAIT)
    nb.page.wait_for_timeout(500)
    expect(nb.run_cell(1)).to_contain_text("shown: 0 False", timeout=WAIT)
    expect(nb.run_cell(2)).to_contain_text("flushed: False", timeout=WAIT)
    shown_again = _tree(nb.run_cell(3))  # the same widget, shown again: sent whole
    expect(_row(shown_again, "while_hidden", level=1)).to_have_count(1, timeout=WAIT)
    assert not nb.page.e2e_log.unexpected_page_errors(), nb.page.e2e_log.page_errors
