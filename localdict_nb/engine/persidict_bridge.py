"""With persidict installed, our PersiDict is a ``persidict.PersiDict`` and the flags are one set.

Why: persidict's composites (``MutableDictCached``, ``AppendOnlyDictCached``,
``WriteOnceDict``, ``OverlappingMultiDict``) and code built on persidict
(pythagoras turns anything that is not a ``PersiDict`` into a ``FileDirDict`` path)
test ``isinstance(store, persidict.PersiDict)``, and compare what a store answers
with persidict's singletons by identity (``res.new_value is ITEM_NOT_AVAILABLE``).

What, without importing persidict from ``import localdict_nb``:

- ``persidict.PersiDict`` is an ABC, so ``register`` makes our ``PersiDict`` (and
  ``LocalDict``) a virtual subclass of it; ``_generic_iter``, the one private method
  persidict's composites call on the dicts they wrap, has persidict's meaning on ours.
- ``jokers.join`` makes persidict's flags and ours one object each, of our class,
  which subclasses persidict's. Each package's code and users compare with their
  own constants and are both right. The alternative, answering in persidict's
  dialect to callers that speak it, needs a guess at who is calling (flags in the
  arguments, or the caller's module: ``transform_item`` and ``pop`` carry no flag),
  and still fails a transformer or a result that crosses from one package's code to
  the other's. Joining costs nothing per call (the hot paths do not change); its
  price is that ``type(persidict.ITEM_NOT_AVAILABLE)`` is our class, and that
  persidict's module and singleton registry are pointed at our objects.

When: if persidict is imported already, at once (``jokers`` joins the flags as it
is imported). Otherwise a finder at the front of ``sys.meta_path`` wraps the loaders
of persidict's flags module and of ``persidict.persi_dict``, acts right after each
has run (before any other module sees it), puts the original loader back and
removes itself once both are done. An import that fails (persidict or one of its
dependencies missing) leaves it waiting for the next attempt (``%pip install
persidict`` in the same kernel, say). ``install()`` may run again, also from a
reloaded copy of this module: it replaces a waiting finder, never adds a second.
``importlib.reload(persidict)`` keeps ``PersiDict`` and the flags; only reloading
``persidict.persi_dict`` itself makes a new ``PersiDict`` class: ``install()``
registers with it.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Final

from . import jokers
from .persi_dict import PersiDict

__all__ = ["install"]

_ABC: Final = "persidict.persi_dict"


def _register(theirs: ModuleType) -> None:
    theirs.PersiDict.register(PersiDict)


_ACTIONS: Final[dict[str, Callable[[ModuleType], None]]] = {
    jokers._PERSIDICT_FLAGS: jokers.join,
    _ABC: _register,
}
"""What to do right after each of persidict's modules has run."""


class _Loader(Loader):
    """Runs the real loader, then the action; puts the real loader back once it worked."""

    def __init__(self, real: Loader, action: Callable[[ModuleType], None],
                 finder: _Finder) -> None:
        self.real, self.action, self.finder = real, action, finder

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.real.exec_module(module)  # raises (and so keeps waiting) if the import fails
        module.__loader__ = self.real
        if module.__spec__ is not None:
            module.__spec__.loader = self.real
        self.finder.done(module.__name__)
        try:
            self.action(module)
        except Exception as exc:  # never break `import persidict`
            msg = f"localdict_nb could not adapt {module.__name__}: {exc!r}"
            warnings.warn(msg, RuntimeWarning, stacklevel=2)

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, ... of the real one
        return getattr(self.real, name)


class _Finder(MetaPathFinder):
    """Hands out persidict's specs with a wrapped loader until both modules have run."""

    def __init__(self, waiting: set[str]) -> None:
        self.waiting = waiting

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname not in self.waiting:
            return None
        for finder in sys.meta_path:
            if _is_ours(finder):
                continue
            find = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = None if find is None else find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _Loader(spec.loader, _ACTIONS[fullname], self)
                return spec
        return None

    def done(self, fullname: str) -> None:
        """Stop waiting for ``fullname``; leave ``sys.meta_path`` when nothing is left."""
        self.waiting.discard(fullname)
        if not self.waiting:
            with contextlib.suppress(ValueError):  # another thread was quicker
                sys.meta_path.remove(self)


def _is_ours(finder: object) -> bool:
    """Whether ``finder`` is a ``_Finder``, also one from before a reload of this module."""
    return type(finder).__qualname__ == _Finder.__qualname__ and type(finder).__module__ == __name__


def install() -> None:
    """Act on the persidict modules already imported; wait for the others (idempotent)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not _is_ours(f)]
    waiting = set()
    for name, action in _ACTIONS.items():
        module = sys.modules.get(name)
        if module is None:
            waiting.add(name)
        elif name == _ABC:  # jokers joined the flags when it was imported
            action(module)
    if waiting:
        sys.meta_path.insert(0, _Finder(waiting))
