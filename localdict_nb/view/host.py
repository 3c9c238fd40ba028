"""The IPython session the view runs in, if any: looked up, never imported.

The view works without IPython (a plain Python process shows static text), so
these helpers read ``sys.modules`` instead of importing it.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["in_kernel", "ipython", "variable_name"]


def ipython() -> Any:
    """The running IPython shell, or None (also when IPython was never imported)."""
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None


def in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (which can show widgets)."""
    return getattr(ipython(), "kernel", None) is not None


def variable_name(value: object) -> str | None:
    """The name that holds ``value`` itself in the IPython user namespace, if any."""
    namespace: dict[str, object] = getattr(ipython(), "user_ns", None) or {}
    for name, held in list(namespace.items()):
        if held is value and not name.startswith("_"):
            return name
    return None
