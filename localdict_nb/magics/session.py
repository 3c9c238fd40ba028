"""What every %localdict command needs of the IPython session: stores, keys, expressions.

A ``Session`` wraps the shell's user namespace. It turns names, ``NAME/prefix``
targets, ``a/b/c`` keys and Python expressions into stores, views, keys and values,
and every mistake into one line: a plain ``UsageError`` that names the fix.
"""

from __future__ import annotations

import keyword
from typing import Any

from IPython.core.error import UsageError

from localdict_nb.engine.keys import to_path, to_prefix
from localdict_nb.engine.local_dict import LocalDict

__all__ = ["Session", "one_line", "type_name"]


def type_name(value: object) -> str:
    """A value's class as users tell them apart: ``int``, ``persidict.local_dict.LocalDict``."""
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def one_line(exc: BaseException) -> str:
    """``Type: message``, cut to its first line so a UsageError stays one line."""
    lines = str(exc).strip().splitlines() or [""]
    return f"{type(exc).__name__}: {lines[0]}" + (" …" if len(lines) > 1 else "")


class Session:
    """The user namespace of an IPython shell, as the commands see it."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell

    @property
    def namespace(self) -> dict[str, Any]:
        """The user namespace."""
        namespace: dict[str, Any] = self.shell.user_ns
        return namespace

    def store(self, name: str, command: str = "%localdict") -> LocalDict[Any]:
        """The LocalDict bound to ``name`` in the user namespace."""
        ns = self.namespace
        if name not in ns:
            msg = f"{command}: no variable {name!r}; create one with %localdict new {name}"
            raise UsageError(msg)
        value = ns[name]
        if not isinstance(value, LocalDict):
            msg = (f"{command}: {name!r} is a {type_name(value)}, not a localdict_nb.LocalDict; "
                   "create one with %localdict new NAME")
            raise UsageError(msg)
        return value

    def target(self, target: str, command: str) -> tuple[str, LocalDict[Any]]:
        """Resolve ``NAME`` or ``NAME/prefix`` to a name and a store or view (creates nothing)."""
        name, _, prefix = target.partition("/")
        store = self.store(name, command)
        if not prefix:
            return name, store
        try:
            return name, store.get_subdict(to_prefix(prefix.strip("/").split("/")))
        except (TypeError, ValueError) as exc:
            msg = f"{command}: bad prefix {prefix!r}: {one_line(exc)}"
            raise UsageError(msg) from None

    def key(self, text: str, command: str) -> tuple[str, ...]:
        """Parse ``a/b/c`` into a validated key."""
        try:
            return to_path(tuple(text.strip("/").split("/")))
        except (TypeError, ValueError) as exc:
            msg = f"{command}: bad key {text!r}: {one_line(exc)}"
            raise UsageError(msg) from None

    def evaluate(self, expr: str, command: str) -> Any:
        """Evaluate ``expr`` in the user namespace; one-line UsageError if it raises."""
        try:
            return eval(expr, self.shell.user_global_ns, self.namespace)  # noqa: S307 - the user's own code
        except Exception as exc:
            msg = f"{command}: the expression {expr[:60]!r} raised {one_line(exc)}"
            raise UsageError(msg) from None

    def bind(self, name: str, value: LocalDict[Any], command: str) -> None:
        """Bind ``value`` to ``name``, refusing to replace anything but a LocalDict."""
        if not name.isidentifier() or keyword.iskeyword(name):
            msg = f"{command}: {name!r} is not a valid Python name"
            raise UsageError(msg)
        ns = self.namespace
        if name in ns and not isinstance(ns[name], LocalDict):
            msg = (f"{command}: {name!r} already holds a {type_name(ns[name])}; "
                   "choose another name or delete it first")
            raise UsageError(msg)
        ns[name] = value

    def stores(self) -> list[str]:
        """The names of the LocalDicts in the namespace, sorted (private names left out)."""
        return sorted(n for n, v in self.namespace.items()
                      if isinstance(v, LocalDict) and not n.startswith("_"))
