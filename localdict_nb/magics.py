"""The %localdict magics: create, query, change and show stores from notebook cells.

``%load_ext localdict_nb`` registers ``%localdict`` (line) and ``%%localdict``
(cell). Keys are written ``a/b/c`` and taken literally (no ``$x`` or ``{x}``
expansion). Results are values that render themselves (``magic_results``).
Every usage error is one line (a plain ``UsageError``); the store is never
changed by a command that fails.
"""

from __future__ import annotations

import json
import keyword
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import MagicArgumentParser
from IPython.utils.text import dedent

from . import magic_commands as commands
from .keys import to_path, to_prefix
from .local_dict import LocalDict

__all__ = ["LocalDictMagics", "load", "unload"]

SUBCOMMANDS: dict[str, tuple[str, list[tuple[tuple[str, ...], dict[str, Any]]], str]] = {
    "new": ("create a store bound to NAME", [
        (("name",), {"help": "variable name"}),
        (("--format",), {"default": "pkl", "help": "serialization format (pkl or json)"}),
        (("--append-only",), {"action": "store_true", "help": "refuse changes after the first write"}),
        (("--prune-interval",), {"type": int, "default": 64, "help": "prune every N deletions (0: never)"}),
    ], "%localdict new cache --format json --prune-interval 16"),
    "list": ("every LocalDict in the namespace, with key counts per format", [],
             "%localdict list"),
    "ls": ("the children of a prefix, with counts", [
        (("target",), {"help": "NAME or NAME/prefix"}),
        (("--depth",), {"type": int, "default": 1, "help": "levels to descend (default 1)"}),
    ], "%localdict ls d/users --depth 2"),
    "get": ("the value at a key", [
        (("name",), {"help": "store name"}), (("key",), {"help": "key path a/b/c"}),
    ], "x = %localdict get d users/u1/profile"),
    "set": ("write EXPR (evaluated in the user namespace) at a key", [
        (("name",), {"help": "store name"}), (("key",), {"help": "key path a/b/c"}),
        (("expr",), {"nargs": "+", "help": "a Python expression"}),
    ], "%localdict set d users/u1/score 0.5 * 3"),
    "del": ("delete a key", [
        (("name",), {"help": "store name"}), (("key",), {"help": "key path a/b/c"}),
    ], "%localdict del d users/u1/score"),
    "keys": ("keys under a prefix, optionally filtered by a glob", [
        (("target",), {"help": "NAME or NAME/prefix"}),
        (("pattern",), {"nargs": "?", "default": None, "help": "glob over the keys below the prefix"}),
    ], "%localdict keys d/users */score"),
    "find": ("keys of every format whose whole path matches a glob (or a substring)", [
        (("name",), {"help": "store name"}), (("pattern",), {"help": "glob such as user_1*/*/item_4?"}),
    ], "%localdict find d user_1*/session_2/*"),
    "stats": ("keys per format, nodes, depth, write counter, prune state, memory", [
        (("name",), {"help": "store name"}),
    ], "%localdict stats d"),
    "show": ("display the live tree view", [
        (("target",), {"help": "NAME or NAME/prefix"}),
    ], "%localdict show d/users"),
    "prune": ("remove empty subtrees now", [(("name",), {"help": "store name"})],
              "%localdict prune d"),
    "clear": ("delete every key (of the store's format) under a prefix", [
        (("target",), {"help": "NAME or NAME/prefix"}),
    ], "%localdict clear d/tmp"),
    "sub": ("bind a view of a prefix to a new name", [
        (("name",), {"help": "store name"}), (("prefix",), {"help": "prefix a/b"}),
        (("--as",), {"dest": "as_name", "required": True, "help": "the new variable name"}),
    ], "%localdict sub d users/u1 --as u1"),
    "help": ("explain a subcommand", [
        (("subcommand",), {"nargs": "?", "default": None, "help": "a subcommand"}),
    ], "%localdict help set"),
}

_CELL_USAGE = """%%localdict NAME [--format F] [--json]
    Each line of the cell is `key/path = python-expression` (blank lines and # comments
    are skipped), or with --json the cell is one JSON object {"key/path": value}. Every
    expression is evaluated and every key checked first; then all are written in one go.
    A key may contain `=`: then put spaces around the `=` that ends it (`a=b = 1`)."""


def _build_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(prog="%localdict", add_help=False)
    subs = parser.add_subparsers(dest="command", parser_class=MagicArgumentParser,
                                 metavar="SUBCOMMAND")
    for name, (summary, arguments, _) in SUBCOMMANDS.items():
        sub = subs.add_parser(name, help=summary, description=summary, add_help=False,
                              prog=f"%localdict {name}")
        for flags, options in arguments:
            sub.add_argument(*flags, **options)
    return parser


def _cell_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(prog="%%localdict", add_help=False)
    parser.add_argument("name")
    parser.add_argument("--format", default=None)
    parser.add_argument("--json", action="store_true")
    return parser


def _parse(parser: MagicArgumentParser, line: str, command: str, hint: str) -> Any:
    """Parse a magic line; every mistake, even an unclosed quote, is one UsageError line."""
    try:
        return parser.parse_argstring(line)
    except UsageError as exc:
        raise UsageError(f"{command}: {exc} ({hint})") from None
    except ValueError as exc:  # shlex: "No closing quotation", "No escaped character"
        raise UsageError(f"{command}: {exc} in {line[:60]!r}: close the quote or drop it "
                         f"({hint})") from None


def _split_assignment(text: str) -> tuple[str, str]:
    """Split a cell line ``key/path = expression`` at the ``=`` that ends the key.

    A key may contain ``=`` but no spaces, so a spaced `` = `` ends it when there is
    one before the expression; otherwise the first ``=`` does.
    """
    key, sep, expr = text.partition(" = ")
    if not sep or " " in key.strip() or "=" not in key:
        key, _, expr = text.partition("=")
    return key.strip(), expr.strip()


def usage(subcommand: str | None = None) -> str:
    """The help text: every subcommand with an example, or one subcommand in full."""
    parser = _build_parser()
    if subcommand is None:
        lines = ["%localdict SUBCOMMAND ...   (keys are written a/b/c)", ""]
        lines += [f"  {name:<6} {summary}\n         e.g. {example}"
                  for name, (summary, _, example) in SUBCOMMANDS.items()]
        return "\n".join([*lines, "", _CELL_USAGE])
    if subcommand not in SUBCOMMANDS:
        msg = f"%localdict help: no subcommand {subcommand!r}; choose from {', '.join(SUBCOMMANDS)}"
        raise UsageError(msg)
    sub = parser._subparsers._group_actions[0].choices[subcommand]  # type: ignore[union-attr]  # noqa: SLF001
    text = sub.format_help().replace("%%", "%").removeprefix("::").strip()  # undo docstring markup
    return f"{text}\n\nExample:\n  {SUBCOMMANDS[subcommand][2]}"


@magics_class
class LocalDictMagics(Magics):
    """The %localdict line magic and %%localdict cell magic."""

    @no_var_expand
    @line_cell_magic
    def localdict(self, line: str, cell: str | None = None) -> Any:
        line = line.strip()
        quiet = line.endswith(";")  # a trailing ; silences the result, as in Python cells
        line = line.removesuffix(";").rstrip()
        result = self._line(line) if cell is None else self._cell(line, cell)
        return None if quiet else result

    def _line(self, line: str) -> Any:
        tokens = line.split(None, 3) if line.split(None, 1)[:1] == ["set"] else None
        if tokens is not None and len(tokens) == 4:  # keep the expression as written
            return commands.set_value(self, tokens[1], tokens[2], tokens[3])
        args = _parse(_build_parser(), line, "%localdict", "see %localdict help")
        if args.command is None:
            return commands.Help(usage())
        return getattr(commands, f"cmd_{args.command}")(self, args)

    def _cell(self, line: str, cell: str) -> Any:
        args = _parse(_cell_parser(), line, "%%localdict",
                      f"usage: {_CELL_USAGE.splitlines()[0]}")
        store = self.store(args.name)
        if args.format is not None and args.format != store.serialization_format:
            params = {**store.get_params(), "serialization_format": args.format}
            try:
                store = LocalDict(**params)
            except (TypeError, ValueError) as exc:
                raise UsageError(f"%%localdict: {commands.one_line(exc)}") from None
        items = self._parse_json(cell) if args.json else self._parse_lines(cell)
        return commands.write_many(store, items, args.name)

    def _parse_json(self, cell: str) -> list[tuple[tuple[str, ...], Any]]:
        try:
            data = json.loads(cell)
        except json.JSONDecodeError as exc:
            raise UsageError(f"%%localdict --json: the cell is not JSON: {exc}") from None
        except RecursionError:
            raise UsageError("%%localdict --json: the JSON nests too deeply for Python; "
                             "store the nested part as one string instead") from None
        if not isinstance(data, dict):
            raise UsageError(f"%%localdict --json: the cell must be a JSON object, got {type(data).__name__}")
        return [(self.key(k, "%%localdict"), v) for k, v in data.items()]

    def _parse_lines(self, cell: str) -> list[tuple[tuple[str, ...], Any]]:
        items = []
        for number, raw in enumerate(dedent(cell).splitlines(), start=1):
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            key, expr = _split_assignment(text)
            if not key or not expr:
                raise UsageError(f"%%localdict: line {number} is not `key/path = expression`: "
                                 f"{text[:60]!r}")
            items.append((self.key(key, "%%localdict"),
                          self.evaluate(expr, f"%%localdict line {number}")))
        return items

    # --- helpers shared by the commands ----------------------------------------------------

    def store(self, name: str, command: str = "%localdict") -> LocalDict:
        """The LocalDict bound to ``name`` in the user namespace."""
        ns = self.shell.user_ns  # type: ignore[union-attr]
        if name not in ns:
            raise UsageError(f"{command}: no variable {name!r}; create one with %localdict new {name}")
        value = ns[name]
        if not isinstance(value, LocalDict):
            raise UsageError(f"{command}: {name!r} is a {commands.type_name(value)}, not a "
                             f"localdict_nb.LocalDict; create one with %localdict new NAME")
        return value

    def target(self, target: str, command: str) -> tuple[str, LocalDict]:
        """Resolve ``NAME`` or ``NAME/prefix`` to a name and a store or view."""
        name, _, prefix = target.partition("/")
        store = self.store(name, command)
        if not prefix:
            return name, store
        try:
            return name, store.get_subdict(to_prefix(prefix.strip("/").split("/")))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{command}: bad prefix {prefix!r}: {commands.one_line(exc)}") from None

    def key(self, text: str, command: str) -> tuple[str, ...]:
        """Parse ``a/b/c`` into a validated key."""
        try:
            return to_path(tuple(text.strip("/").split("/")))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{command}: bad key {text!r}: {commands.one_line(exc)}") from None

    def evaluate(self, expr: str, command: str) -> Any:
        """Evaluate ``expr`` in the user namespace; one-line UsageError if it raises."""
        shell = self.shell
        try:
            return eval(expr, shell.user_global_ns, shell.user_ns)  # type: ignore[union-attr]  # noqa: S307
        except Exception as exc:
            raise UsageError(f"{command}: the expression {expr[:60]!r} raised "
                             f"{commands.one_line(exc)}") from None

    def bind(self, name: str, value: LocalDict, command: str) -> None:
        """Bind ``value`` to ``name``, refusing to replace anything but a LocalDict."""
        if not name.isidentifier() or keyword.iskeyword(name):
            raise UsageError(f"{command}: {name!r} is not a valid Python name")
        ns = self.shell.user_ns  # type: ignore[union-attr]
        if name in ns and not isinstance(ns[name], LocalDict):
            raise UsageError(f"{command}: {name!r} already holds a {commands.type_name(ns[name])}; "
                             "choose another name or delete it first")
        ns[name] = value



LocalDictMagics.localdict.__doc__ = f"""Create, query, change and show LocalDict stores.

{usage()}

Results are values: ``x = %localdict get d a/b`` keeps the value, and tables
render as HTML in a notebook and as text in a terminal; a trailing ``;``
silences them. ``$x`` and ``{{x}}`` are not expanded: keys are taken literally.
"""


def load(shell: Any) -> None:
    """Register the magics and the completer (again, harmlessly, on a second load)."""
    from .magic_completion import complete_localdict

    shell.register_magics(LocalDictMagics)
    matchers = shell.Completer.custom_matchers
    if complete_localdict not in matchers:
        matchers.append(complete_localdict)


def unload(shell: Any) -> None:
    """Remove the magics and the completer."""
    from .magic_completion import complete_localdict

    magics = shell.magics_manager.magics
    magics["line"].pop("localdict", None)
    magics["cell"].pop("localdict", None)
    shell.magics_manager.registry.pop(LocalDictMagics.__name__, None)
    matchers = shell.Completer.custom_matchers
    while complete_localdict in matchers:
        matchers.remove(complete_localdict)
