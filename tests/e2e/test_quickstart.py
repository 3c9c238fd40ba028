"""The quickstart tutorial, run top to bottom in JupyterLab as a newcomer would.

Its screenshot (artifacts/e2e/quickstart-jupyterlab.png) is the README's picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from playwright.sync_api import expect

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "01-quickstart.ipynb"
WAIT = 30_000  # ms


def _tagged(tag: str) -> int:
    cells = nbformat.read(QUICKSTART, as_version=4).cells
    found = [i for i, c in enumerate(cells) if tag in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"exactly one cell of {QUICKSTART.name} must be tagged {tag!r}"
    return found[0]


@pytest.mark.parametrize("jupyter", ["jupyterlab"], indirect=True)
def test_quickstart_runs_and_shows_the_tree_and_a_magic_table(
        jupyter: Any, open_notebook: Any) -> None:
    nb = open_notebook("01-quickstart.ipynb", source=QUICKSTART)
    nb.run_all()

    tree = nb.output(_tagged("check-tree")).get_by_role("tree")
    expect(tree).to_have_count(1, timeout=WAIT)
    expect(tree).to_be_visible()
    rows = tree.get_by_role("treeitem")
    expect(rows.filter(has_text="user_7")).not_to_have_count(0, timeout=WAIT)
    first = rows.first
    first.click()
    expect(first).to_have_attribute("aria-expanded", "true", timeout=WAIT)

    table = nb.output(_tagged("check-magic-table")).locator("table.ldnb-magic")
    expect(table).to_be_visible(timeout=WAIT)
    expect(table.locator("th")).not_to_have_count(0)
    expect(table.locator("tbody tr")).not_to_have_count(0)

    nb.cell(_tagged("check-tree")).scroll_into_view_if_needed()
    nb.screenshot("quickstart-jupyterlab.png")
