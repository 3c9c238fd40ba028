"""Tab completion for %localdict: subcommands, store names and key paths.

What each argument completes to comes from its role in the subcommand table
(``spec``): a store name, a store or ``store/prefix``, a key of the store named
before it, or a subcommand. Key paths are read one level at a time, bounded.
"""

from __future__ import annotations

from typing import Any

from IPython.core.completer import CompletionContext, SimpleCompletion, context_matcher

from localdict_nb.engine import inspection
from localdict_nb.engine.local_dict import LocalDict

from .spec import SUBCOMMANDS

__all__ = ["candidates", "complete_localdict"]

_MAX_NAMES = 1_000
"""Names read below one node at most."""


def _stores(ns: dict[str, Any]) -> list[str]:
    return sorted(n for n, v in ns.items() if isinstance(v, LocalDict) and not n.startswith("_"))


def _children(store: LocalDict[Any], rel: tuple[str, ...]) -> list[str]:
    """Names below ``rel``: nodes with a trailing ``/``, then keys."""
    found = inspection.listing(store, rel, _MAX_NAMES)
    if found is None:
        return []
    names = [f"{c.name}/" for c in found.children] + [leaf.name for leaf in found.leaves]
    return list(dict.fromkeys(names))


def _paths(store: Any, token: str, lead: str = "") -> list[str]:
    """Completions of a partial key path ``token`` (``a/b/pa``), each prefixed by ``lead``."""
    if not isinstance(store, LocalDict):
        return []
    *parents, partial = token.split("/")
    done = "/".join(parents) + "/" if parents else ""
    return [lead + done + name for name in _children(store, tuple(parents))
            if name.startswith(partial)]


def candidates(words: list[str], token: str, ns: dict[str, Any]) -> list[str]:
    """What may follow ``words`` (the finished words of the line) given the partial ``token``."""
    if words[0] == "%%localdict":
        return [n for n in _stores(ns) if n.startswith(token)] if len(words) == 1 else []
    if len(words) == 1:
        return [c for c in SUBCOMMANDS if c.startswith(token)]
    sub = SUBCOMMANDS.get(words[1])
    positionals = [w for w in words[2:] if not w.startswith("-")]
    roles = sub.positional_roles() if sub is not None else []
    role = roles[len(positionals)] if len(positionals) < len(roles) else None
    if role == "subcommand":
        return [c for c in SUBCOMMANDS if c.startswith(token)]
    if role == "store" or (role == "target" and "/" not in token):
        return [n for n in _stores(ns) if n.startswith(token)]
    if role == "target":
        name, _, rest = token.partition("/")
        return _paths(ns.get(name), rest, name + "/")
    if role == "key" and positionals:
        return _paths(ns.get(positionals[-1]), token)
    return []


@context_matcher(  # type: ignore[untyped-decorator]  # IPython's context_matcher is unannotated
    identifier="localdict_nb.magics")
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
