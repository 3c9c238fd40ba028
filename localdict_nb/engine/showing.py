"""How a LocalDict shows itself: one small hook that the view layer fills.

The engine imports no view, widget or IPython code, not even lazily. A LocalDict
asks this hook for its display data (``_repr_mimebundle_``), its marimo widget
(``_display_``) and a new tree widget (``tree()``). ``localdict_nb/__init__.py``,
above both layers, installs a provider that imports the view on first use; until
one is installed a store shows as its ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Shower", "install", "shower"]


class Shower(Protocol):
    """What a view layer offers to show a store."""

    def mimebundle(self, store: Any, include: Any, exclude: Any) -> dict[str, Any]:
        """The display data of ``store`` (``_repr_mimebundle_``)."""

    def shared_widget(self, store: Any) -> Any:
        """The widget ``display(store)`` shows, one per store (marimo's ``_display_``)."""

    def new_widget(self, store: Any, **kwargs: Any) -> Any:
        """A new widget of ``store``, to place in layouts (``store.tree()``)."""


_provider: Callable[[], Shower] | None = None


def install(provider: Callable[[], Shower] | None) -> None:
    """Set what gives the view layer; it is called when a store is first shown."""
    global _provider
    _provider = provider


def shower() -> Shower | None:
    """The view layer, if a provider is installed."""
    return None if _provider is None else _provider()
