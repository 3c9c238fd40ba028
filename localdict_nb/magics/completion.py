"""Tab completion for %localdict: subcommands, store names, key paths and directories.

What each argument completes to comes from its role in the subcommand table
(``spec``): a store name, a store or ``store/prefix``, a key of the store named
before it, a subcommand, or a directory. Key paths are read one level at a time,
bounded. A persidict store (a directory, S3) is listed on a thread of its own that
completion waits for at most ``LIST_SECONDS``: a slow or dead server offers nothing
instead of hanging the kernel, and while one listing of a store is still out, that
store offers nothing (listings never pile up).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from IPython.core.completer import CompletionContext, SimpleCompletion, context_matcher

from localdict_nb.engine import inspection
from localdict_nb.engine.local_dict import LocalDict
from localdict_nb.sources import Source, is_persidict, source_for

from .session import is_store
from .spec import SUBCOMMANDS

__all__ = ["LIST_NAMES", "LIST_SECONDS", "candidates", "complete_localdict"]

_MAX_NAMES = 1_000
"""Names read below one node of our LocalDict at most."""
LIST_NAMES = 200
"""Names one listing of a persidict store (or of a directory) offers at most."""
LIST_SECONDS = 0.5
"""How long completion waits for such a listing before it offers nothing."""

_pending: set[Any] = set()
"""What is being listed now (stores by id, directories by path): not listed again meanwhile."""


def _within(what: Any, read: Callable[[], list[str]]) -> list[str]:
    """``read()`` on a thread of its own, if it ends within LIST_SECONDS; else nothing."""
    if what in _pending:
        return []  # the last listing has not come back: the server is slow or dead
    found: list[str] = []

    def run() -> None:
        try:
            found.extend(read())
        except Exception:  # noqa: S110 - a store that fails offers nothing, and says nothing
            pass
        finally:
            _pending.discard(what)

    _pending.add(what)
    worker = threading.Thread(target=run, name="localdict_nb-complete", daemon=True)
    worker.start()
    worker.join(LIST_SECONDS)
    return [] if worker.is_alive() else found


def _fail_fast(source: Source) -> Source:
    """S3: a client that gives up within a second or two, so a listing left behind ends soon."""
    from localdict_nb.sources.s3 import S3Source, make_client

    if isinstance(source, S3Source):
        source.client = make_client(source.region, timeout=1.0)
    return source


def _stores(ns: dict[str, Any], ours_only: bool = False) -> list[str]:
    test = (lambda v: isinstance(v, LocalDict)) if ours_only else is_store
    return sorted(n for n, v in ns.items() if test(v) and not n.startswith("_"))


def _children(store: Any, rel: tuple[str, ...]) -> list[str]:
    """Names below ``rel``: nodes with a trailing ``/``, then keys."""
    if isinstance(store, LocalDict):
        found = inspection.listing(store, rel, _MAX_NAMES)
        if found is None:
            return []
        names = [f"{c.name}/" for c in found.children] + [leaf.name for leaf in found.leaves]
        return list(dict.fromkeys(names))
    if not is_persidict(store):
        return []

    def read() -> list[str]:
        listing = _fail_fast(source_for(store)).listing(rel, LIST_NAMES)
        if listing is None:
            return []
        return [f"{n}/" for n in listing.nodes] + [leaf.name for leaf in listing.leaves]

    return list(dict.fromkeys(_within(id(store), read)))


def _paths(store: Any, token: str, lead: str = "") -> list[str]:
    """Completions of a partial key path ``token`` (``a/b/pa``), each prefixed by ``lead``."""
    *parents, partial = token.split("/")
    if "" in parents:
        return []  # a//b names no node
    done = "/".join(parents) + "/" if parents else ""
    return [lead + done + name for name in _children(store, tuple(parents))
            if name.startswith(partial)]


def _directories(token: str) -> list[str]:
    """Local directories that complete ``token`` (nothing for an ``s3://`` URL)."""
    if token.startswith("s3:"):
        return []
    head, sep, partial = token.rpartition("/")
    where = os.path.expanduser(head + sep) or "."

    def read() -> list[str]:
        names: list[str] = []
        with os.scandir(where) as entries:
            for entry in entries:
                if len(names) >= LIST_NAMES:
                    break
                hidden = entry.name.startswith(".") and not partial.startswith(".")
                if entry.name.startswith(partial) and not hidden and entry.is_dir():
                    names.append(f"{head}{sep}{entry.name}/")
        return sorted(names)

    return _within(where, read)


def candidates(words: list[str], token: str, ns: dict[str, Any]) -> list[str]:
    """What may follow ``words`` (the finished words of the line) given the partial ``token``."""
    if words[0] == "%%localdict":
        return [n for n in _stores(ns, ours_only=True) if n.startswith(token)] if len(
            words) == 1 else []
    if len(words) == 1:
        return [c for c in SUBCOMMANDS if c.startswith(token)]
    sub = SUBCOMMANDS.get(words[1])
    positionals = [w for w in words[2:] if not w.startswith("-")]
    roles = sub.positional_roles() if sub is not None else []
    role = roles[len(positionals)] if len(positionals) < len(roles) else None
    ours_only = sub is not None and not sub.persidict
    if ours_only and role in ("target", "key"):
        named = token.partition("/")[0] if role == "target" else positionals[-1:]
        store = ns.get(named if isinstance(named, str) else "".join(named))
        if store is not None and not isinstance(store, LocalDict):
            return []
    if role == "subcommand":
        return [c for c in SUBCOMMANDS if c.startswith(token)]
    if role == "path":
        return _directories(token)
    if role == "store" or (role == "target" and "/" not in token):
        return [n for n in _stores(ns, ours_only) if n.startswith(token)]
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
