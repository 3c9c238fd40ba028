"""What every %localdict command needs of the IPython session: stores, keys, expressions.

A ``Session`` wraps the shell's user namespace. It turns names, ``NAME/prefix``
targets, ``a/b/c`` keys and Python expressions into stores, views, keys and values,
and every mistake into one line: a plain ``UsageError`` that names the fix. A store
is our ``LocalDict`` or one of persidict's (``FileDirDict``, ``BasicS3Dict``,
``S3Dict``, ``LocalDict``); a ``NAME/prefix`` target of persidict's is a ``Place``
(the store and a path in it), since their ``get_subdict`` may create directories.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from localdict_nb.engine.keys import to_path, to_prefix
from localdict_nb.engine.local_dict import LocalDict
from localdict_nb.sources import is_persidict

__all__ = ["Place", "Session", "is_store", "one_line", "type_name"]

_NOT_A_STORE = ("not a localdict_nb.LocalDict or a persidict store; create one with "
                "%localdict new NAME, or open one with %localdict open NAME PATH")


def is_store(value: object) -> bool:
    """Whether the magics take ``value`` as a store: our LocalDict or one of persidict's."""
    return isinstance(value, LocalDict) or is_persidict(value)


@dataclass(frozen=True)
class Place:
    """A persidict store named on the magic line, and a node in it (``()``: its root)."""

    name: str
    store: Any
    rel: tuple[str, ...]


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
            msg = (f"{command}: no variable {name!r}; create one with %localdict new {name} "
                   f"(or open one with %localdict open {name} PATH)")
            raise UsageError(msg)
        value = ns[name]
        if is_persidict(value):
            msg = (f"{command}: {name!r} is a {type_name(value)}; {command} works on a "
                   "localdict_nb.LocalDict only")
            raise UsageError(msg)
        if not isinstance(value, LocalDict):
            msg = f"{command}: {name!r} is a {type_name(value)}, {_NOT_A_STORE}"
            raise UsageError(msg)
        return value

    def other(self, name: str) -> Any | None:
        """The persidict store bound to ``name``, or None (ours, or nothing: ``store`` says)."""
        value = self.namespace.get(name)
        return value if is_persidict(value) else None

    def place(self, target: str, command: str) -> Place | None:
        """``NAME`` or ``NAME/prefix`` of a persidict store as a Place; None if not one."""
        name, _, prefix = target.partition("/")
        store = self.other(name)
        if store is None:
            return None
        return Place(name, store, self.prefix(prefix, command) if prefix else ())

    def prefix(self, text: str, command: str) -> tuple[str, ...]:
        """Parse the ``a/b`` of ``NAME/a/b`` into validated segments."""
        try:
            return to_prefix(text.strip("/").split("/"))
        except (TypeError, ValueError) as exc:
            msg = f"{command}: bad prefix {text!r}: {one_line(exc)}"
            raise UsageError(msg) from None

    def target(self, target: str, command: str) -> tuple[str, LocalDict[Any]]:
        """Resolve ``NAME`` or ``NAME/prefix`` to a name and a store or view (creates nothing)."""
        name, _, prefix = target.partition("/")
        store = self.store(name, command)
        if not prefix:
            return name, store
        rel = self.prefix(prefix, command)
        try:
            return name, store.get_subdict(rel)
        except (TypeError, ValueError) as exc:
            msg = f"{command}: bad prefix {prefix!r}: {one_line(exc)}"
            raise UsageError(msg) from None

    def key(self, text: str, command: str) -> tuple[str, ...]:
        """Parse ``a/b/c`` into a validated key (slashes at either end are dropped)."""
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            msg = (f"{command}: bad key {text!r}: keys are written without quotes, "
                   f"as in {text[1:-1]}")
            raise UsageError(msg)
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

    def check_name(self, name: str, command: str) -> None:
        """Refuse a name that is not a Python name, or that holds something but a store."""
        if not name.isidentifier() or keyword.iskeyword(name):
            msg = f"{command}: {name!r} is not a valid Python name"
            raise UsageError(msg)
        ns = self.namespace
        if name in ns and not is_store(ns[name]):
            msg = (f"{command}: {name!r} already holds a {type_name(ns[name])}; "
                   "choose another name or delete it first")
            raise UsageError(msg)

    def bind(self, name: str, value: Any, command: str) -> None:
        """Bind ``value`` to ``name``, refusing to replace anything but a store."""
        self.check_name(name, command)
        self.namespace[name] = value

    def stores(self) -> list[str]:
        """The names of the stores in the namespace, sorted (private names left out)."""
        return sorted(n for n, v in self.namespace.items()
                      if is_store(v) and not n.startswith("_"))
