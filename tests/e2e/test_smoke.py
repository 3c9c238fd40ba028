"""The harness itself works: in JupyterLab 4 and Notebook 7 a notebook opens, a kernel runs
cells, text output appears, and widgets (ipywidgets and anywidget) render in the browser."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

CELLS = [
    'print("hello from the e2e kernel:", 6 * 7)',
    'import ipywidgets\n'
    'slider = ipywidgets.IntSlider(value=7, max=10, description="e2e slider")\n'
    'slider',
    """\
import anywidget
import traitlets


class E2EHello(anywidget.AnyWidget):
    _esm = '''
    function render({ model, el }) {
      const show = () => { el.textContent = "anywidget says " + model.get("n"); };
      el.classList.add("e2e-hello");
      show();
      model.on("change:n", show);
      return () => model.off("change:n", show);
    }
    export default { render };
    '''
    n = traitlets.Int(5).tag(sync=True)


hello = E2EHello()
hello""",
    "hello.n = 6",
]


def test_smoke(open_notebook: Any, jupyter: Any) -> None:
    nb = open_notebook(f"smoke-{jupyter.flavor}", CELLS)

    out = nb.run_cell(0)
    expect(out).to_contain_text("hello from the e2e kernel: 42")

    out = nb.run_cell(1)
    slider = out.locator(".widget-slider")
    expect(slider).to_be_visible()
    expect(slider).to_contain_text("e2e slider")

    out = nb.run_cell(2)
    hello = out.locator(".e2e-hello")
    expect(hello).to_have_text("anywidget says 5")

    # A trait changed from Python reaches the rendered view.
    nb.run_cell(3)
    expect(hello).to_have_text("anywidget says 6")

    nb.screenshot(f"{jupyter.flavor}-smoke.png")
    assert not nb.page.e2e_log.dialogs
    assert not nb.page.e2e_log.unexpected_page_errors()
