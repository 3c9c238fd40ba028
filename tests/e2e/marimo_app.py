"""A marimo app that shows a LocalDict's live tree view (used by test_marimo.py).

Run it by hand with ``marimo run tests/e2e/marimo_app.py`` (or ``marimo edit``).

Cells: build a LocalDict with nested keys; show it twice (``d`` itself, whose
``_display_`` returns the shared widget, and a new widget from ``d.tree()``); start a
plain background thread that writes ``live/kNNN`` every 100 ms (300 keys, set
``LDNB_MARIMO_WRITES`` for another number) while the page is open; and a button whose
cell writes one key each time it is clicked.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import os
    import threading
    import time

    import marimo as mo

    import localdict_nb

    return localdict_nb, mo, os, threading, time


@app.cell
def _(localdict_nb):
    d = localdict_nb.LocalDict()
    for u in range(1, 4):
        d["users", f"u{u}", "name"] = f"user number {u}"
        d["users", f"u{u}", "email"] = f"u{u}@example.org"
        d["users", f"u{u}", "prefs", "theme"] = "dark" if u % 2 else "light"
    d["config", "version"] = 3
    d["config", "flags", "beta"] = True
    return (d,)


@app.cell
def _(d):
    # The last expression: marimo calls d._display_(), the shared LocalDictTree.
    d  # noqa: B018 - marimo shows the last expression of a cell
    return


@app.cell
def _(d):
    # A second, independent view of the same store.
    d.tree()
    return


@app.cell
def _(d, os, threading, time):
    # Live writes from a plain thread (no marimo context): one key every 100 ms.
    writes = int(os.environ.get("LDNB_MARIMO_WRITES", "300"))

    # Names bound now: marimo clears the cell's globals when the session ends.
    def _write_live(store=d, n=writes, sleep=time.sleep) -> None:
        for i in range(n):
            store["live", f"k{i:03d}"] = i
            sleep(0.1)

    writer = threading.Thread(target=_write_live, name="ldnb-marimo-writer", daemon=True)
    writer.start()
    return


@app.cell
def _(mo):
    button = mo.ui.button(label="write a key", value=0, on_click=lambda n: n + 1)
    button  # noqa: B018 - marimo shows the last expression of a cell
    return (button,)


@app.cell
def _(button, d):
    # Re-runs on every click: a write from a cell, not from a thread.
    if button.value:
        d["clicks", f"c{button.value}"] = button.value
    return


if __name__ == "__main__":
    app.run()
