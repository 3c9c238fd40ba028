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

import ast
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
            "04-etags-and-conditional-writes", "05-from-persidict", "06-beyond-one-process"]
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


S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
          "AWS_DEFAULT_REGION": "us-east-1"}
"""With ``AWS_ENDPOINT_URL``, what points a kernel's boto3 (and persidict) at the test server."""


@pytest.fixture(scope="session")
def run_notebook(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Run:
    """Execute a notebook (by file stem, or a NotebookNode) once; later calls reuse the result.

    The kernels talk to the tests' S3 API server (notebook 06 uses S3), never to AWS.
    """
    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(kernels / KERNEL)  # argv: [sys.executable, "-m", "ipykernel_launcher", ...]
    manager = _kernel_manager_class(kernels)
    env = {**os.environ, "IPYTHONDIR": str(tmp_path_factory.mktemp("ipython")),
           "AWS_ENDPOINT_URL": s3_endpoint, **S3_ENV}
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


def test_persidict_jokers_work_on_ours_and_ours_is_a_persidict(run_notebook: Run) -> None:
    out = text(cell(run_notebook("05-from-persidict"), "check-shared-jokers"))
    found = re.search(r"one object in both packages: (\d+) of (\d+)", out)
    assert found, out
    assert found.group(1) == found.group(2) == "10"
    assert "persidict.ETAG_IS_THE_SAME, satisfied: True" in out
    assert "persidict.ITEM_NOT_AVAILABLE in a transformer, hits: 2" in out
    assert "isinstance(d, persidict.PersiDict): True" in out


def test_persidict_composite_caches_in_our_localdicts(run_notebook: Run) -> None:
    out = text(cell(run_notebook("05-from-persidict"), "check-composite"))
    assert "read through the cache:    {'name': 'Ada'}" in out
    assert "our LocalDicts hold 1 value and 1 ETag" in out
    assert "after a write to the file: {'name': 'Ada L.'}" in out
    assert "the cached value now:      {'name': 'Ada L.'}" in out


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


# --- 06: beyond one process --------------------------------------------------------------------

BEYOND = "06-beyond-one-process"
EPOCHS = [f"epoch_{e:02d}" for e in range(1, 11)]


def _followed(out: str, node: str) -> None:
    """What ``follow`` printed: the job ended well and the view listed all its keys."""
    assert "the job exited with 0" in out, out
    listed = re.search(rf"^the view lists under {node}: (\[.*\])$", out, re.MULTILINE)
    assert listed, out
    assert [n for n in ast.literal_eval(listed.group(1)) if n.startswith("epoch_")] == EPOCHS
    lags = out.partition("from write to view:")[2].splitlines()[0]
    assert len(re.findall(r"\d+\.\ds", lags)) == len(EPOCHS), out
    assert number(r"^sets in recent changes: (\d+)$", out) >= len(EPOCHS)


def test_beyond_the_localdict_view_shows_a_write_counter(run_notebook: Run) -> None:
    nb = run_notebook(BEYOND)
    summary = widget_state(nb, cell(nb, "local-view"))["summary"]
    assert summary["counter"] == summary["keys"] == 5
    assert "kind" not in summary


def test_beyond_files_view_follows_another_process(run_notebook: Run) -> None:
    nb = run_notebook(BEYOND)
    out = text(cell(nb, "check-files-follow"))
    _followed(out, "exp3")
    assert re.search(r"^FileDirDict \S+/results \| pkl \d+ \| polled [\d.]+ s ago \| "
                     r"every [\d.]+ s \| \d+ requests$", out, re.MULTILINE), out
    state = widget_state(nb, cell(nb, "files-view"))
    assert state["summary"]["kind"] == "FileDirDict"
    assert state["summary"]["location"].endswith("/results")
    assert state["summary"]["counted"] and state["summary"]["keys"] >= 16
    assert state["expanded"] == ["exp3"]
    assert {"config", *EPOCHS} <= {row["name"] for row in state["listings"]["exp3"]["rows"]}


def test_beyond_s3_view_follows_another_process(run_notebook: Run) -> None:
    nb = run_notebook(BEYOND)
    out = text(cell(nb, "check-s3-follow"))
    _followed(out, "exp4")
    assert re.search(r"^S3Dict s3://ldnb-tutorial/team/ \| pkl \d+ \| polled [\d.]+ s ago \| "
                     r"every [\d.]+ s \| \d+ requests$", out, re.MULTILINE), out
    state = widget_state(nb, cell(nb, "s3-view"))
    assert state["summary"]["kind"] == "S3Dict"
    assert state["summary"]["location"] == "s3://ldnb-tutorial/team/"
    assert state["summary"]["error"] is None
    assert {"config", *EPOCHS} <= {row["name"] for row in state["listings"]["exp4"]["rows"]}


def test_beyond_magics_on_a_directory_and_a_bucket(run_notebook: Run) -> None:
    nb = run_notebook(BEYOND)
    out = {tag: text(cell(nb, f"check-{tag}")) for tag in
           ("magics-open", "magics-ls", "magics-keys", "magics-stats", "magics-get", "magics-set",
            "magics-seen", "s3-stats")}
    assert re.fullmatch(r"runs = FileDirDict \[pkl\] at \S+/results\n", out["magics-open"])
    for node, count in (("exp1", 3), ("exp2", 2), ("exp3", 11)):
        assert re.search(rf"^{node}/\s+node\s+pkl {count}$", out["magics-ls"], re.MULTILINE)
    assert re.search(r"^FileDirDict at \S+/results, \d+ requests$", out["magics-ls"], re.MULTILINE)
    keys = out["magics-keys"]
    assert [k for k in keys.splitlines() if k.startswith("exp")] == [
        "exp1/metrics/accuracy", "exp1/metrics/loss", "exp2/metrics/accuracy"]
    assert "3 keys" in keys
    for stats, kind, where in ((out["magics-stats"], "FileDirDict", r"\S+/results"),
                               (out["s3-stats"], "S3Dict", r"s3://ldnb-tutorial/team/")):
        assert re.search(rf"^kind\s+{kind}$", stats, re.MULTILINE), stats
        assert re.search(rf"^location\s+{where}$", stats, re.MULTILINE), stats
        assert number(r"^keys \[pkl\]\s+(\d+)$", stats) == 16
        assert re.search(r"^counted\s+every key$", stats, re.MULTILINE), stats
    assert out["magics-get"] == "{'loss': 0.1}\n"
    assert out["magics-set"].startswith("runs[exp3/status] = 'done'  (etag ")
    assert "files sees: 'done' | the view lists it: True" in out["magics-seen"]


def test_beyond_leaves_no_process_running(run_notebook: Run) -> None:
    out = text(cell(run_notebook(BEYOND), "cleanup"))
    assert out == "processes still running: []\n"


# --- persidict's stores in a real kernel --------------------------------------------------------

_SHOW_STORES = """\
import subprocess, sys, time
import boto3, persidict, localdict_nb
boto3.client("s3").create_bucket(Bucket=BUCKET)
files = persidict.FileDirDict(base_dir=FILES)
files["a"] = 1
s3 = persidict.BasicS3Dict(bucket_name=BUCKET, root_prefix="p")
s3["a"] = 1
views = [localdict_nb.tree(files, interval=0.2), localdict_nb.tree(s3, interval=0.2)]
for v in views:
    display(v)"""

_ANOTHER_PROCESS_WRITES = """\
writer = f'''
import persidict
persidict.FileDirDict(base_dir={FILES!r})["from_elsewhere", "k"] = 1
persidict.BasicS3Dict(bucket_name={BUCKET!r}, root_prefix="p")["from_elsewhere", "k"] = 2
'''
subprocess.run([sys.executable, "-c", writer], check=True)

def names(v):
    return [r["name"] for r in v.listings.get("", {}).get("rows", [])]

deadline = time.monotonic() + 30
while time.monotonic() < deadline and not all("from_elsewhere" in names(v) for v in views):
    time.sleep(0.1)
print([names(v) for v in views], [v.summary["kind"] for v in views])"""


def test_store_views_in_a_kernel_follow_writes_of_another_process(run_notebook: Run,
                                                                   tmp_path: Path) -> None:
    """The widget state of a FileDirDict's and an S3 store's views, in a real kernel."""
    setup = f"BUCKET = 'ldnb-kernel-{os.getpid()}'\nFILES = {str(tmp_path / 'files')!r}"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in
                                         (setup, _SHOW_STORES, _ANOTHER_PROCESS_WRITES)])
    out = text(run_notebook(nb).cells[2])
    assert "[['from_elsewhere', 'a'], ['from_elsewhere', 'a']]" in out, out
    assert "['FileDirDict', 'BasicS3Dict']" in out, out
