from __future__ import annotations

import importlib
from types import ModuleType

import persidict
import pytest

import localdict_nb

_IMPLEMENTATIONS: dict[str, type] = {
    "ours": localdict_nb.LocalDict,
    "persidict": persidict.LocalDict,
}


@pytest.fixture(params=list(_IMPLEMENTATIONS), ids=list(_IMPLEMENTATIONS))
def impl(request: pytest.FixtureRequest) -> type:
    """The LocalDict class under test: ours, or persidict's as the compatibility oracle."""
    return _IMPLEMENTATIONS[request.param]


@pytest.fixture
def impl_pkg(impl: type) -> ModuleType:
    """The top-level package ``impl`` comes from (for its SafeStrTuple, jokers, ...)."""
    return importlib.import_module(impl.__module__.partition(".")[0])


@pytest.fixture
def ours() -> localdict_nb.LocalDict:
    """A fresh, empty localdict_nb.LocalDict."""
    return localdict_nb.LocalDict()
