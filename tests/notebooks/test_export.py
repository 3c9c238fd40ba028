"""A notebook showing a LocalDict, exported to HTML by nbconvert: when the static table is there.

A LocalDict displayed in a kernel is one output holding the widget view
(``application/vnd.jupyter.widget-view+json``), our static ``text/html`` table and
``text/plain``. nbconvert's HTML exporter renders exactly one MIME type per output, chosen by
its ``filter_data_type`` (``WidgetsDataTypeFilter``): the widget view comes first in its
priority list, but is skipped when the notebook's metadata holds no saved state for the view's
model; then ``text/html`` is shown. So the page shows the static table exactly when no widget
state is saved, and otherwise an empty element that only the widget JavaScript, loaded from a
CDN (unpkg.com), could fill: offline, nothing. ``--execute`` saves widget state by default.

These tests pin down what the README claims, each way round, on a temporary notebook:

- ``--to html --execute``: the widget view and its saved state, no static table;
- ``--to html --execute --ExecutePreprocessor.store_widget_state=False``: the table, no widget;
- a notebook saved without widget state (JupyterLab's default), exported as is: the table;
- a notebook saved with widget state, exported with ``--ClearMetadataPreprocessor.enabled=True``
  (which drops the notebook's metadata, the saved state with it): the table.

Two executions run the real command line (``python -m nbconvert`` is ``jupyter nbconvert``):
the second recipe above, and ``--to notebook --execute``, whose notebook (with the state it
saved) is then exported in this process by nbconvert's ``HTMLExporter``, the exporter
``--to html`` runs after executing (a ``--Class.trait=value`` option is the same config).

The kernel is the interpreter running the tests: a "python3" kernelspec for ``sys.executable``
is written to a temporary directory put first on ``JUPYTER_PATH`` (a kernelspec found there
shadows any other of the same name); ``IPYTHONDIR`` is an empty directory.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from nbconvert import HTMLExporter
from traitlets.config import Config

TIMEOUT = 120
VALUE = "<b>bold</b> & more"  # a value whose preview must reach the page escaped
CODE = f"""\
import sys
print(sys.executable)
from localdict_nb import LocalDict
d = LocalDict()
d["a", "b"] = 1
d["note"] = {VALUE!r}
d"""
STATIC_TABLE = re.compile(r'<div class="ldnb-static">.*?</table></div>', re.S)
VIEW_TAG = '<script type="application/vnd.jupyter.widget-view+json">'
STATE_TAG = '<script type="application/vnd.jupyter.widget-state+json">'
WIDGET_LOADER = "@jupyter-widgets/html-manager@"  # the CDN script that draws saved widgets


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every export of the test notebook, as the text of its HTML page, by name."""
    work = tmp_path_factory.mktemp("export")
    kernels = work / "jupyter"
    write_kernel_spec(kernels / "kernels" / "python3")
    jupyter_path = [str(kernels), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    env = {**os.environ, "IPYTHONDIR": str(work / "ipython"),
           "JUPYTER_PATH": os.pathsep.join(jupyter_path)}
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(CODE)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})
    nbformat.write(nb, work / "store.ipynb")

    def nbconvert(runs: dict[str, list[str]]) -> None:
        """Run ``nbconvert <args> --output <name>`` for every run at once; all must succeed."""
        procs = {name: subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "nbconvert", *args, "--output", name], cwd=work, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for name, args in runs.items()}
        for name, proc in procs.items():
            try:
                out, err = proc.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            assert proc.returncode == 0, f"nbconvert {runs[name]} failed:\n{out}\n{err}"

    nbconvert({
        "no-state": ["--to", "html", "--execute",
                     "--ExecutePreprocessor.store_widget_state=False", "store.ipynb"],
        "executed": ["--to", "notebook", "--execute", "store.ipynb"],
    })
    pages = {path.stem: path.read_text(encoding="utf-8") for path in work.glob("*.html")}
    # The executed notebook, with the widget state --execute saved, exported in this process
    # by the exporter --to html runs: as is, that is the page of ``--to html --execute``.
    executed = nbformat.read(work / "executed.ipynb", as_version=4)
    assert "application/vnd.jupyter.widget-state+json" in executed.metadata["widgets"]
    pages["default"] = HTMLExporter().from_notebook_node(executed)[0]
    cleared = Config({"ClearMetadataPreprocessor": {"enabled": True}})
    pages["saved-with-state-cleared"] = HTMLExporter(config=cleared).from_notebook_node(executed)[0]
    del executed.metadata["widgets"]  # what JupyterLab saves by default: outputs, no widget state
    pages["saved-without-state"] = HTMLExporter().from_notebook_node(executed)[0]
    return pages


def assert_static_table(page: str) -> None:
    """The page shows the store as the static table, in plain HTML, and no widget view."""
    assert html.escape(sys.executable) in page, "the kernel is not this interpreter"
    tables = STATIC_TABLE.findall(page)
    assert len(tables) == 1, f"expected one static table, found {len(tables)}"
    table = tables[0]
    assert "<b>LocalDict</b>" in table and "2 nodes" in table
    assert "<td>a/</td><td>pkl 1</td>" in table
    assert "<td>note</td><td>pkl</td>" in table
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in table  # the value's preview, escaped
    assert "<b>bold</b>" not in table
    # Plain HTML outside any script: it shows with no JavaScript, so with no CDN.
    assert not re.search(r"<script[^>]*>(?:(?!</script>).)*ldnb-static", page, re.S)
    assert VIEW_TAG not in page and STATE_TAG not in page and WIDGET_LOADER not in page


def assert_widget_view_only(page: str) -> None:
    """The page holds the widget view and saved state, for JavaScript from a CDN; no table."""
    assert html.escape(sys.executable) in page, "the kernel is not this interpreter"
    assert VIEW_TAG in page and STATE_TAG in page and WIDGET_LOADER in page
    assert "ldnb-static" not in page


def test_execute_saves_widget_state_so_the_export_shows_the_widget_not_the_table(
        export: dict[str, str]) -> None:
    assert_widget_view_only(export["default"])


def test_execute_without_widget_state_shows_the_static_table(export: dict[str, str]) -> None:
    assert_static_table(export["no-state"])


def test_notebook_saved_without_widget_state_shows_the_static_table(
        export: dict[str, str]) -> None:
    assert_static_table(export["saved-without-state"])


def test_notebook_saved_with_widget_state_shows_the_widget_unless_the_state_is_dropped(
        export: dict[str, str]) -> None:
    assert_widget_view_only(export["default"])
    assert_static_table(export["saved-with-state-cleared"])
