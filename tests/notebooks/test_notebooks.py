"""The tutorial notebooks: each runs top to bottom on a fresh kernel and shows what it says.

Every notebook in ``notebooks/`` is executed with nbclient in a temporary copy (outputs are
never written back into the repository), with no errors allowed; then a few key outputs of
each are checked. Cells are found by a tag in their metadata (``"tags": ["check-..."]``),
never by position, so notebooks can be edited freely around the tagged cells.

The kernel is always the interpreter running the tests: a "python3" kernelspec for
``sys.executable`` is written to a temporary directory and is the only one the kernel manager
searches, so a "python3" kernelspec registered elsewhere (say, in ~/.local/share/jupyter for
another Python) is never picked up. ``IPYTHONDIR`` points at an empty directory, so no
profile or startup file of the machine changes what the notebooks do.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat import NotebookNode

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
TUTORIAL = ["01-quickstart", "02-live-tree", "03-keys-formats-subdicts",
            "04-etags-and-conditional-writes", "05-from-persidict"]
KERNEL = "python3"
CELL_TIMEOUT = 120
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

Run = Callable[[str | NotebookNode], NotebookNode]


# --- running notebooks --------------------------------------------------------------------------


def _kernel_manager_class(kernel_dir: Path) -> type[AsyncKernelManager]:
    class ThisInterpreter(AsyncKernelManager):
        """A kernel manager that finds kernelspecs only in ``kernel_dir``."""

        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[str(kernel_dir)])

    return ThisInterpreter


@pytest.fixture(scope="session")
def run_notebook(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Execute a notebook (by file stem, or a NotebookNode) once; later calls reuse the result."""
    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(kernels / KERNEL)  # argv: [sys.executable, "-m", "ipykernel_launcher", ...]
    manager = _kernel_manager_class(kernels)
    env = {**os.environ, "IPYTHONDIR": str(tmp_path_factory.mktemp("ipython"))}
    done: dict[str, NotebookNode | BaseException] = {}

    def execute(nb: NotebookNode, workdir: Path, copy: Path | None = None) -> NotebookNode:
        client = NotebookClient(nb, kernel_name=KERNEL, kernel_manager_class=manager,
                                timeout=CELL_TIMEOUT, allow_errors=False,
                                store_widget_state=True,
                                resources={"metadata": {"path": str(workdir)}})
        try:
            client.execute(env=env)
        finally:
            if copy is not None:  # the temporary copy, with outputs, to look at after a failure
                nbformat.write(nb, copy)
        return nb

    def run(name: str | NotebookNode) -> NotebookNode:
        if isinstance(name, NotebookNode):
            return execute(name, tmp_path_factory.mktemp("scratch"))
        copy = tmp_path_factory.getbasetemp() / name / f"{name}.ipynb"
        if name not in done:
            copy.parent.mkdir()
            shutil.copyfile(NOTEBOOKS / f"{name}.ipynb", copy)
            try:
                done[name] = execute(nbformat.read(copy, as_version=4), copy.parent, copy)
            except Exception as exc:  # noqa: BLE001 - kept: each test of it fails fast
                done[name] = exc
        result = done[name]
        if isinstance(result, BaseException):
            pytest.fail(f"{name}.ipynb did not run top to bottom (outputs in {copy}):\n{result}",
                        pytrace=False)
        return result

    return run


def cell(nb: NotebookNode, tag: str) -> NotebookNode:
    """The one cell tagged ``tag``."""
    found = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"expected one cell tagged {tag!r}, found {len(found)}"
    return found[0]


def text(c: NotebookNode) -> str:
    """What a cell printed, and the text/plain of what it displayed."""
    parts = []
    for out in c.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(out.data.get("text/plain", "") + "\n")
    return "".join(parts)


def data(c: NotebookNode, mime: str) -> list[Any]:
    """Every output of a cell in the MIME type ``mime``."""
    return [out.data[mime] for out in c.outputs if mime in out.get("data", {})]


def widget_state(nb: NotebookNode, c: NotebookNode) -> dict[str, Any]:
    """The saved state of the (first) widget a cell displayed."""
    views = data(c, WIDGET_VIEW)
    assert views, f"the cell shows no widget: {[list(o.get('data', {})) for o in c.outputs]}"
    models = nb.metadata["widgets"][WIDGET_STATE]["state"]
    return models[views[0]["model_id"]]["state"]


def number(pattern: str, haystack: str) -> int:
    found = re.search(pattern, haystack, re.MULTILINE)
    assert found, f"no match for {pattern!r} in:\n{haystack}"
    return int(found.group(1))


# --- every notebook -----------------------------------------------------------------------------


def test_the_tutorial_is_all_there() -> None:
    assert [name for name in TUTORIAL if name not in NAMES] == []


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_stripped(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == KERNEL
    assert "widgets" not in nb.metadata, "saved widget state: strip it"
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.outputs == [], f"cell {c.get('id')} has outputs: strip them"
            assert c.execution_count is None, f"cell {c.get('id')} has an execution count"
        assert "execution" not in c.metadata, f"cell {c.get('id')} has timing metadata"


@pytest.mark.parametrize("name", NAMES)
def test_runs_top_to_bottom_without_warnings(run_notebook: Run, name: str) -> None:
    nb = run_notebook(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code)
    stderr = [o.text for c in code for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == [], "a tutorial should not show warnings or errors"


def test_the_kernel_is_the_interpreter_running_the_tests(run_notebook: Run) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import sys; print(sys.prefix)")],
        metadata={"kernelspec": {"name": KERNEL, "display_name": "Python 3", "language": "python"}})
    assert text(run_notebook(nb).cells[0]).strip() == sys.prefix


# --- 01: quickstart -----------------------------------------------------------------------------


def test_quickstart_shows_the_store_as_a_live_tree(run_notebook: Run) -> None:
    nb = run_notebook("01-quickstart")
    shown = cell(nb, "check-tree")
    state = widget_state(nb, shown)
    assert state["summary"]["keys"] >= 5
    assert "user_7" in {row["name"] for row in state["listings"][""]["rows"]}
    assert "LocalDict" in text(shown)  # the static fallbacks travel with the widget
    assert "ldnb-static" in data(shown, "text/html")[0]


def test_quickstart_magic_table_renders_as_html(run_notebook: Run) -> None:
    shown = cell(run_notebook("01-quickstart"), "check-magic-table")
    html = data(shown, "text/html")
    assert len(html) == 1 and html[0].startswith('<table class="ldnb-magic">')
    assert "<td>user_7/session_3/</td>" in html[0]
    assert re.search(r"^user_8/\s+node\s+empty", text(shown), re.MULTILINE)


# --- 02: the live tree --------------------------------------------------------------------------


def test_live_tree_loop_counts_add_up_and_pruning_ran(run_notebook: Run) -> None:
    out = text(cell(run_notebook("02-live-tree"), "check-final"))
    found = re.search(r"len\(d\) = (\d+) = (\d+) created - (\d+) removed", out)
    assert found, out
    keys, created, removed = map(int, found.groups())
    assert keys == created - removed > 0
    assert number(r"prune passes that removed nodes: (\d+)", out) > 0
    assert number(r"nodes removed: (\d+)", out) > 0


def test_live_tree_view_followed_the_loop(run_notebook: Run) -> None:
    nb = run_notebook("02-live-tree")
    shown = cell(nb, "check-tree")
    assert "empty" in text(shown)  # displayed before the loop wrote anything
    state = widget_state(nb, shown)
    assert state["summary"]["counter"] > 0
    assert state["summary"]["prune_passes"] > 0
    assert any(event["kind"] == "prune" and event["removed"] for event in state["events"])


# --- 03: keys, formats, subdicts ----------------------------------------------------------------


def test_unsafe_keys_raise_errors_that_name_the_fix(run_notebook: Run) -> None:
    out = text(cell(run_notebook("03-keys-formats-subdicts"), "check-unsafe-key"))
    assert ("ValueError: key segment 'ada lovelace' contains disallowed characters [' ']; "
            "allowed are letters, digits and ()_-~.= (replace_unsafe_chars(s, '_') makes a "
            "safe segment)") in out
    assert "ValueError: '..' is not allowed as a key segment" in out
    assert "TypeError: a key is a str or a sequence of str; got int (42)" in out
    assert "the store is unchanged: 1 key" in out


def test_format_buckets_on_one_backend_count_separately(run_notebook: Run) -> None:
    out = text(cell(run_notebook("03-keys-formats-subdicts"), "check-buckets"))
    assert "pkl keys: 2, json keys: 2, txt keys: 1" in out
    assert "json 2 · pkl 2 · txt 1" in out


# --- 04: ETags and conditional writes -----------------------------------------------------------


def test_stale_conditional_write_is_refused(run_notebook: Run) -> None:
    out = text(cell(run_notebook("04-etags-and-conditional-writes"), "check-failed-condition"))
    assert "condition_was_satisfied: False" in out
    assert "value_was_mutated: False" in out
    assert "stored: {'title': 'Intro', 'tags': ['basics']}" in out


def test_threads_increment_a_counter_without_lost_updates(run_notebook: Run) -> None:
    out = text(cell(run_notebook("04-etags-and-conditional-writes"), "check-counter"))
    for label in ("transform_item", "set_item_if loop"):
        found = re.search(rf"^{label}:\s+(\d+) of (\d+)", out, re.MULTILINE)
        assert found, out
        assert found.group(1) == found.group(2) == "4000"
    assert number(r"^naive:\s+(\d+) of 4000", out) <= 4000


# --- 05: from persidict -------------------------------------------------------------------------


def test_same_code_gives_the_same_results_on_both(run_notebook: Run) -> None:
    out = text(cell(run_notebook("05-from-persidict"), "check-same"))
    assert number(r"(\d+) results compared", out) >= 15
    assert "same results: True" in out


def test_views_survive_pruning_only_in_localdict_nb(run_notebook: Run) -> None:
    out = text(cell(run_notebook("05-from-persidict"), "check-detached"))
    assert re.search(r"^persidict\s+the store sees the write: False$", out, re.MULTILINE)
    assert re.search(r"^localdict_nb\s+the store sees the write: True$", out, re.MULTILINE)


def test_speed_ratios_are_measured_and_printed(run_notebook: Run) -> None:
    out = text(cell(run_notebook("05-from-persidict"), "check-speed"))
    for op in ("set", "get", "len", "keys"):
        found = re.search(rf"^{op}\s+\S+ms\s+\S+ms\s+([\d.]+)x$", out, re.MULTILINE)
        assert found, f"no {op} row in:\n{out}"
        assert float(found.group(1)) > 0
    assert "20,000 keys" in out
