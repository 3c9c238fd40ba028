"""The %localdict magics: create, open, query, change and show stores from notebook cells.

The top layer: it builds on the view, the sources and the engine, and nothing imports
it but ``localdict_nb.load_ipython_extension``. ``%load_ext localdict_nb`` registers
``%localdict`` (line) and ``%%localdict`` (cell). Keys are written ``a/b/c`` and taken
literally (no ``$x`` or ``{x}`` expansion). Results are values that render
themselves (``results``). Every usage error is one line (a plain ``UsageError``);
a command that fails changes nothing, and one that reads changes nothing either.

The stores are our ``LocalDict`` and persidict's ``FileDirDict``, ``BasicS3Dict``,
``S3Dict`` and ``LocalDict`` (``%localdict open NAME PATH_OR_S3_URL`` binds one).
persidict's are read through ``localdict_nb.sources``, bounded: what cannot be known
cheaply (counts, every key) is read within a budget and marked when it ran out.
persidict stays optional: without it, everything about our LocalDict works.

Modules: ``spec`` (the table of subcommands), ``commands`` (their handlers),
``stores`` (the handlers' side for persidict's stores), ``session`` (the user
namespace), ``cell`` (the ``%%localdict`` body), ``results`` (what commands return),
``completion`` (tab completion).
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

from localdict_nb.engine.local_dict import LocalDict
from localdict_nb.view.display import register_stores, unregister_stores

from . import cell as cells
from . import commands
from .completion import complete_localdict
from .results import Help
from .session import Session, one_line
from .spec import CELL_USAGE, SUBCOMMANDS, build_parser, cell_parser, parse, usage

__all__ = ["LocalDictMagics", "load", "unload"]


@magics_class
class LocalDictMagics(Magics):
    """The %localdict line magic and %%localdict cell magic."""

    @no_var_expand
    @line_cell_magic
    def localdict(self, line: str, cell: str | None = None) -> Any:  # noqa: D102 - set below
        line = line.strip()
        quiet = line.endswith(";")  # a trailing ; silences the result, as in Python cells
        line = line.removesuffix(";").rstrip()
        session = Session(self.shell)
        result = self._line(session, line) if cell is None else self._cell(session, line, cell)
        return None if quiet else result

    def _line(self, session: Session, line: str) -> Any:
        first = line.split(None, 1)[:1]
        sub = SUBCOMMANDS.get(first[0]) if first else None
        if sub is not None and sub.rest:
            tokens = line.split(None, len(sub.positional_roles()))
            if len(tokens) == len(sub.positional_roles()) + 1:  # keep the expression as written
                return commands.set_value(session, *tokens[1:])
        args = parse(build_parser(), line, "%localdict", "see %localdict help")
        if args.command is None:
            return Help(usage())
        return SUBCOMMANDS[args.command].handler(session, args)

    def _cell(self, session: Session, line: str, cell: str) -> Any:
        args = parse(cell_parser(), line, "%%localdict", f"usage: {CELL_USAGE.splitlines()[0]}")
        store = session.store(args.name, "%%localdict")
        if args.format is not None and args.format != store.serialization_format:
            params = {**store.get_params(), "serialization_format": args.format}
            try:
                store = LocalDict(**params)
            except (TypeError, ValueError) as exc:
                msg = f"%%localdict: {one_line(exc)}"
                raise UsageError(msg) from None
        items = cells.parse_json(session, cell) if args.json else cells.parse_lines(session, cell)
        return commands.write_many(store, items, args.name)


LocalDictMagics.localdict.__doc__ = f"""Create, open, query, change and show stores.

{usage()}

Results are values: ``x = %localdict get d a/b`` keeps the value, and tables
render as HTML in a notebook and as text in a terminal; a trailing ``;``
silences them. ``$x`` and ``{{x}}`` are not expanded: keys are taken literally.
"""


def load(shell: Any) -> None:
    """Register the magics, the completer, and the tree view of persidict's stores."""
    shell.register_magics(LocalDictMagics)
    register_stores(shell)
    matchers = shell.Completer.custom_matchers
    if complete_localdict not in matchers:
        matchers.append(complete_localdict)


def unload(shell: Any) -> None:
    """Remove the magics, the completer and the view of persidict's stores."""
    unregister_stores(shell)
    magics = shell.magics_manager.magics
    magics["line"].pop("localdict", None)
    magics["cell"].pop("localdict", None)
    shell.magics_manager.registry.pop(LocalDictMagics.__name__, None)
    matchers = shell.Completer.custom_matchers
    while complete_localdict in matchers:
        matchers.remove(complete_localdict)
