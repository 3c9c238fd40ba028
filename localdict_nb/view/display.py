"""How a LocalDict shows itself: the live widget in a kernel, static text elsewhere.

This module is what the engine's display hook (``engine.showing``) gets:
``LocalDict._repr_mimebundle_`` calls ``mimebundle``, ``_display_`` (marimo)
``shared_widget`` and ``LocalDict.tree()`` ``new_widget``. In a Jupyter kernel the
bundle carries the widget view (one shared widget per LocalDict object, so
re-running a cell does not pile up observers) plus a static ``text/html`` and
``text/plain`` rendering for renderers that cannot show the widget. nbconvert's HTML export
shows one MIME type per output: the static table only when the notebook holds no saved widget
state for the view (``--execute`` saves it, unless given
``--ExecutePreprocessor.store_widget_state=False``); see ``tests/notebooks/test_export.py``.
"""

from __future__ import annotations

import weakref
from typing import Any

from localdict_nb.engine.local_dict import LocalDict

from .fallback import static_bundle
from .host import in_kernel

__all__ = ["PERSIDICT_STORES", "mimebundle", "new_widget", "register_stores", "shared_widget",
           "store_mimebundle", "unregister_stores"]

_shared: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
"""The widget each store shows, by ``id(store)``: the widget holds its store, so while an
entry lives its id names that store; a closed and forgotten widget drops out."""


def shared_widget(store: LocalDict[Any]) -> Any:
    """The widget ``display(store)`` shows: created once per LocalDict object."""
    widget = _shared.get(id(store))
    if widget is None or widget.comm is None:
        widget = new_widget(store)
        _shared[id(store)] = widget
    return widget


def new_widget(store: LocalDict[Any], **kwargs: Any) -> Any:
    """A new live tree widget of ``store`` (imports the widget stack on first use)."""
    from .widget import LocalDictTree

    return LocalDictTree(store, **kwargs)


def mimebundle(store: LocalDict[Any], include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """The display data of ``store``: widget view in a kernel, static text and HTML always."""
    if not in_kernel():
        return static_bundle(store)
    view = shared_widget(store)._repr_mimebundle_(include=include, exclude=exclude)
    return dict(view[0] if isinstance(view, tuple) else view)  # anywidget: (data, metadata)


PERSIDICT_STORES = (
    ("persidict.file_dir_dict", "FileDirDict"),
    ("persidict.basic_s3_dict", "BasicS3Dict"),
    ("persidict.s3_dict_file_dir_cached", "S3Dict_FileDirCached"),
    ("persidict.local_dict", "LocalDict"),
)
"""persidict's stores that show as a tree view once ``%load_ext localdict_nb`` ran."""


def store_mimebundle(store: Any, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """The display data of a persidict store: its live view (one per store object) and repr."""
    data: dict[str, Any] = {"text/plain": repr(store)}
    if not in_kernel():
        return data
    widget = _shared.get(id(store))
    if widget is None or widget.comm is None:
        from .store_widget import StoreTree

        widget = StoreTree(store)
        _shared[id(store)] = widget
    view: Any = widget._repr_mimebundle_(include=include, exclude=exclude)
    data.update(view[0] if isinstance(view, tuple) else view)
    return data


def register_stores(shell: Any) -> None:
    """Show persidict's stores as tree views in ``shell`` (by class name: imports nothing)."""
    formatter = shell.display_formatter.mimebundle_formatter
    for module, name in PERSIDICT_STORES:
        formatter.for_type_by_name(module, name, store_mimebundle)


def unregister_stores(shell: Any) -> None:
    """Undo ``register_stores``."""
    formatter = shell.display_formatter.mimebundle_formatter
    for module, name in PERSIDICT_STORES:
        try:
            formatter.pop(f"{module}.{name}")
        except KeyError:
            continue
