"""Tab completion for %localdict: subcommands, store names and key paths."""

from __future__ import annotations

from typing import Any

from IPython.core.completer import CompletionContext, SimpleCompletion, context_matcher

from .local_dict import LocalDict

__all__ = ["complete_localdict"]

_NAME_FIRST = {"new", "get", "set", "del", "find", "stats", "prune", "sub"}
_TARGET_FIRST = {"ls", "keys", "show", "clear"}
_KEY_SECOND = {"get", "set", "del", "sub"}


def _stores(ns: dict[str, Any]) -> list[str]:
    return sorted(n for n, v in ns.items() if isinstance(v, LocalDict) and not n.startswith("_"))


def _children(store: LocalDict, rel: tuple[str, ...]) -> list[str]:
    """Names below ``rel``: nodes with a trailing ``/``, then keys."""
    tree = store._tree  # noqa: SLF001
    with tree.lock:
        base = store._here()  # noqa: SLF001
        node = None if base is None else tree.locate(base, rel)
        if node is None:
            return []
        names = [f"{name}/" for name in node.children]
        names += [name for bucket in node.buckets.values() for name in bucket]
    return list(dict.fromkeys(names))


def _paths(store: LocalDict, token: str, lead: str = "") -> list[str]:
    """Completions of a partial key path ``token`` (``a/b/pa``), each prefixed by ``lead``."""
    *parents, partial = token.split("/")
    done = "/".join(parents) + "/" if parents else ""
    return [lead + done + name for name in _children(store, tuple(parents))
            if name.startswith(partial)]


def candidates(words: list[str], token: str, ns: dict[str, Any]) -> list[str]:
    """What may follow ``words`` (the finished words of the line) given the partial ``token``."""
    if words[0] == "%%localdict":
        return [n for n in _stores(ns) if n.startswith(token)] if len(words) == 1 else []
    from .magics import SUBCOMMANDS

    if len(words) == 1:
        return [c for c in SUBCOMMANDS if c.startswith(token)]
    sub = words[1]
    if len(words) == 2 and sub in _NAME_FIRST | _TARGET_FIRST:
        if sub in _TARGET_FIRST and "/" in token:
            name, _, rest = token.partition("/")
            store = ns.get(name)
            return _paths(store, rest, name + "/") if isinstance(store, LocalDict) else []
        return [n for n in _stores(ns) if n.startswith(token)]
    if len(words) == 3 and sub in _KEY_SECOND:
        store = ns.get(words[2])
        return _paths(store, token) if isinstance(store, LocalDict) else []
    if len(words) == 2 and sub == "help":
        return [c for c in SUBCOMMANDS if c.startswith(token)]
    return []


@context_matcher(identifier="localdict_nb.magics")  # type: ignore[misc]
def complete_localdict(context: CompletionContext) -> dict[str, Any]:
    """IPython matcher: completes only on %localdict lines, and then alone."""
    line = context.text_until_cursor.lstrip()
    if not line.startswith(("%localdict ", "%%localdict ")):
        return {"completions": [], "suppress": False}
    from IPython import get_ipython

    shell = get_ipython()
    ns = shell.user_ns if shell is not None else {}
    words = line.split()
    token = "" if line.endswith(" ") else words.pop()
    found = candidates(words, token, ns)
    return {"completions": [SimpleCompletion(text=c, type="localdict") for c in found],
            "suppress": bool(found)}
