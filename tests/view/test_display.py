from __future__ import annotations

import html
import subprocess
import sys
import types
from collections.abc import Iterator
from typing import Any

import IPython
import pytest

import localdict_nb.view.display as display
from localdict_nb import LocalDict
from localdict_nb.engine import inspection
from localdict_nb.view import fallback, host
from localdict_nb.view.widget import LocalDictTree

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def shown() -> Iterator[list[Any]]:
    """Stores and widgets a test displays; their widgets are closed afterwards."""
    items: list[Any] = []
    yield items
    for item in items:
        widget = display._shared.get(id(item)) if isinstance(item, LocalDict) else item  # noqa: SLF001 - the view's own cache
        if widget is not None:
            widget.close()


@pytest.fixture
def in_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display, "in_kernel", lambda: True)


def _store() -> LocalDict:
    d = LocalDict()
    d["evil"] = _HOSTILE
    d["a", "x"] = 1
    return d


def _model_id(bundle: dict[str, Any]) -> str:
    return bundle[_WIDGET_MIME]["model_id"]


def test_outside_a_kernel_the_bundle_is_static_text_and_html(shown: list[Any]) -> None:
    d = _store()
    shown.append(d)
    bundle = d._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert id(d) not in display._shared  # noqa: SLF001 - no widget was made
    assert "LocalDict" in bundle["text/plain"]
    assert "evil" in bundle["text/plain"]
    assert "a/" in bundle["text/plain"]


def test_static_html_escapes_values(shown: list[Any]) -> None:
    d = _store()
    shown.append(d)
    page = d._repr_mimebundle_()["text/html"]
    assert "<img" not in page
    assert "onerror=alert(1)&gt;" in page
    assert html.escape(repr(_HOSTILE)) in page
    assert page.startswith('<div class="ldnb-static">')


def test_static_fallbacks_are_bounded(shown: list[Any]) -> None:
    d = LocalDict()
    for i in range(500):
        d[f"k{i}"] = "v" * 1_000
    shown.append(d)
    bundle = d._repr_mimebundle_()
    assert "480 more" in bundle["text/plain"]
    assert "480 more" in bundle["text/html"]
    assert len(bundle["text/plain"]) < 5_000
    assert len(bundle["text/html"]) < 10_000


def test_in_kernel_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    assert host.in_kernel() is False
    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert host.in_kernel() is True
    monkeypatch.setattr(IPython, "get_ipython", lambda: types.SimpleNamespace())
    assert host.in_kernel() is False


def test_in_a_kernel_the_bundle_also_has_the_widget_view(shown: list[Any],
                                                          in_kernel: None) -> None:
    d = _store()
    shown.append(d)
    bundle = d._repr_mimebundle_()
    assert {"text/plain", "text/html", _WIDGET_MIME} <= set(bundle)
    assert bundle["text/plain"] == fallback.text_summary(d)
    assert bundle["text/html"] == fallback.static_html(d)
    assert _model_id(bundle) == d._display_().model_id


def test_displaying_twice_reuses_one_widget_until_it_is_closed(shown: list[Any],
                                                               in_kernel: None) -> None:
    d = _store()
    shown.append(d)
    first = d._repr_mimebundle_()
    assert _model_id(d._repr_mimebundle_()) == _model_id(first)
    widget = d._display_()
    observers = inspection.summary(d).views
    widget.close()
    again = d._repr_mimebundle_()
    assert _model_id(again) != _model_id(first)
    assert inspection.summary(d).views == observers


def test_display_hook_returns_the_shared_widget(shown: list[Any]) -> None:
    d = _store()
    shown.append(d)
    widget = d._display_()
    assert isinstance(widget, LocalDictTree)
    assert d._display_() is widget
    assert display.shared_widget(d) is widget
    assert inspection.summary(d).views == 1
    widget.close()
    fresh = d._display_()
    assert fresh is not widget
    assert isinstance(fresh, LocalDictTree)
    assert inspection.summary(d).views == 1


def test_tree_returns_a_new_widget_each_time(shown: list[Any]) -> None:
    d = _store()
    first, second = d.tree(live=False), d.tree(live=False, name="store")
    shown.extend([first, second])
    assert isinstance(first, LocalDictTree)
    assert isinstance(second, LocalDictTree)
    assert first is not second
    assert first.model_id != second.model_id
    assert inspection.summary(d).views == 2
    view = d.get_subdict("a").tree(live=False)
    shown.append(view)
    assert view.summary["prefix"] == ["a"]


def test_importing_the_package_does_not_import_the_widget_stack() -> None:
    code = (
        "import sys, localdict_nb\n"
        "d = localdict_nb.LocalDict(); d['a', 'b'] = 1\n"
        "heavy = ('anywidget', 'ipywidgets', 'traitlets')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "bundle = d._repr_mimebundle_()\n"
        "assert 'text/html' in bundle\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "tree = d.tree(live=False)\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "tree.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.splitlines() == ["", "", "anywidget,ipywidgets,traitlets"]
