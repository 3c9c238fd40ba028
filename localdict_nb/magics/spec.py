"""The %localdict subcommands, defined once: arguments, help, example, handler, completion.

Each ``Subcommand`` in ``SUBCOMMANDS`` is the whole truth about one subcommand:
the argument parser, ``%localdict help``, the magic's docstring and tab completion
are all built from it, so adding a subcommand means adding one entry. An
argument's ``role`` says what completion offers for it: a store name (``store``),
a store or ``store/prefix`` (``target``), a key of the store named before it
(``key``), a subcommand (``subcommand``) or a local directory (``path``). A
subcommand marked ``persidict`` also works on persidict's stores (``stores``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

from . import commands
from .results import Help
from .session import Session

__all__ = ["CELL_USAGE", "PERSIDICT_USAGE", "SUBCOMMANDS", "Arg", "Role", "Subcommand",
           "build_parser", "parse", "usage"]

Role = Literal["store", "target", "key", "subcommand", "path"]
Handler = Callable[[Session, argparse.Namespace], Any]


@dataclass(frozen=True)
class Arg:
    """One argument: its flags (or positional name), argparse options, completion role."""

    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    role: Role | None = None


@dataclass(frozen=True)
class Subcommand:
    """Everything about one subcommand."""

    name: str
    summary: str
    args: tuple[Arg, ...]
    example: str
    handler: Handler
    rest: bool = False
    """The last positional argument takes the rest of the line as written (``set``'s EXPR)."""
    persidict: bool = False
    """It also works on persidict's stores (FileDirDict, BasicS3Dict, S3Dict, LocalDict)."""

    def positional_roles(self) -> list[Role | None]:
        """The completion role of each positional argument, in order."""
        return [a.role for a in self.args if not a.flags[0].startswith("-")]


def _help(session: Session, args: argparse.Namespace) -> Help:
    return Help(usage(args.subcommand))


def _name(help_text: str = "store name") -> Arg:
    return Arg(("name",), {"help": help_text}, "store")


_TARGET = Arg(("target",), {"help": "NAME or NAME/prefix"}, "target")
_KEY = Arg(("key",), {"help": "key path a/b/c"}, "key")

SUBCOMMANDS: dict[str, Subcommand] = {s.name: s for s in [
    Subcommand("new", "create a store bound to NAME", (
        Arg(("name",), {"help": "variable name"}, "store"),
        Arg(("--format",), {"default": "pkl", "help": "serialization format (pkl or json)"}),
        Arg(("--append-only",), {"action": "store_true",
                                 "help": "refuse changes after the first write"}),
        Arg(("--prune-interval",), {"type": int, "default": 64,
                                    "help": "prune every N deletions (0: never)"}),
    ), "%localdict new cache --format json --prune-interval 16", commands.cmd_new),
    Subcommand("open", "bind persidict's store in a directory or at s3://bucket/prefix", (
        Arg(("name",), {"help": "variable name"}, "store"),
        Arg(("location",), {"help": "a directory (FileDirDict) or s3://bucket/prefix (S3Dict)"},
            "path"),
        Arg(("--format",), {"default": None,
                            "help": "serialization format (default: the files' own, else pkl)"}),
    ), "%localdict open runs ~/experiments/runs", commands.cmd_open, persidict=True),
    Subcommand("list", "every store in the namespace, with key counts per format", (),
               "%localdict list", commands.cmd_list, persidict=True),
    Subcommand("ls", "the children of a prefix, with counts", (
        _TARGET,
        Arg(("--depth",), {"type": int, "default": 1, "help": "levels to descend (default 1)"}),
    ), "%localdict ls d/users --depth 2", commands.cmd_ls, persidict=True),
    Subcommand("get", "the value at a key", (_name(), _KEY),
               "x = %localdict get d users/u1/profile", commands.cmd_get, persidict=True),
    Subcommand("set", "write EXPR (evaluated in the user namespace) at a key", (
        _name(), _KEY, Arg(("expr",), {"nargs": "+", "help": "a Python expression"}),
    ), "%localdict set d users/u1/score 0.5 * 3", commands.cmd_set, rest=True, persidict=True),
    Subcommand("del", "delete a key", (_name(), _KEY),
               "%localdict del d users/u1/score", commands.cmd_del, persidict=True),
    Subcommand("keys", "keys under a prefix, optionally filtered by a glob", (
        _TARGET,
        Arg(("pattern",), {"nargs": "?", "default": None,
                           "help": "glob over the keys below the prefix"}),
    ), "%localdict keys d/users */score", commands.cmd_keys, persidict=True),
    Subcommand("find", "keys of every format whose whole path matches a glob (or a substring)", (
        _name(), Arg(("pattern",), {"help": "glob such as user_1*/*/item_4?"}),
    ), "%localdict find d user_1*/session_2/*", commands.cmd_find, persidict=True),
    Subcommand("stats", "keys per format, nodes, depth, write counter, prune state, memory",
               (_name(),), "%localdict stats d", commands.cmd_stats, persidict=True),
    Subcommand("show", "display the live tree view", (_TARGET,),
               "%localdict show d/users", commands.cmd_show, persidict=True),
    Subcommand("prune", "remove empty subtrees now", (_name(),),
               "%localdict prune d", commands.cmd_prune),
    Subcommand("clear", "delete every key (of the store's format) under a prefix", (_TARGET,),
               "%localdict clear d/tmp", commands.cmd_clear),
    Subcommand("sub", "bind a view of a prefix to a new name", (
        _name(), Arg(("prefix",), {"help": "prefix a/b"}, "key"),
        Arg(("--as",), {"dest": "as_name", "required": True, "help": "the new variable name"}),
    ), "%localdict sub d users/u1 --as u1", commands.cmd_sub),
    Subcommand("help", "explain a subcommand", (
        Arg(("subcommand",), {"nargs": "?", "default": None, "help": "a subcommand"},
            "subcommand"),
    ), "%localdict help set", _help),
]}

PERSIDICT_USAGE = f"""On persidict's stores: {", ".join(
    s.name for s in SUBCOMMANDS.values() if s.persidict and s.name != "open")}
    A FileDirDict, BasicS3Dict, S3Dict or persidict LocalDict in the namespace (or one
    bound with `open`) takes these too. What is costly to know there is read within a
    budget and marked: a count that stopped shows as `≥10,000`, a search says how many
    keys it looked at. Reading never writes; set and del use the store's own API."""

CELL_USAGE = """%%localdict NAME [--format F] [--json]
    Each line of the cell is `key/path = python-expression` (blank lines and # comments
    are skipped), or with --json the cell is one JSON object {"key/path": value}. Every
    expression is evaluated and every key checked first; then all are written in one go.
    A key may contain `=`: then put spaces around the `=` that ends it (`a=b = 1`)."""


def build_parser() -> MagicArgumentParser:
    """The parser of ``%localdict SUBCOMMAND ...``, one subparser per table entry."""
    parser = MagicArgumentParser(  # type: ignore[no-untyped-call]  # untyped in IPython
        prog="%localdict", add_help=False)
    subs = parser.add_subparsers(dest="command", parser_class=MagicArgumentParser,
                                 metavar="SUBCOMMAND")
    for sub in SUBCOMMANDS.values():
        sub_parser = subs.add_parser(sub.name, help=sub.summary, description=sub.summary,
                                     add_help=False, prog=f"%localdict {sub.name}")
        for arg in sub.args:
            sub_parser.add_argument(*arg.flags, **arg.options)
    return parser


def cell_parser() -> MagicArgumentParser:
    """The parser of the ``%%localdict`` line."""
    parser = MagicArgumentParser(  # type: ignore[no-untyped-call]  # untyped in IPython
        prog="%%localdict", add_help=False)
    parser.add_argument("name")
    parser.add_argument("--format", default=None)
    parser.add_argument("--json", action="store_true")
    return parser


def parse(parser: MagicArgumentParser, line: str, command: str, hint: str) -> Any:
    """Parse a magic line; every mistake, even an unclosed quote, is one UsageError line."""
    try:
        return parser.parse_argstring(line)  # type: ignore[no-untyped-call]  # untyped in IPython
    except UsageError as exc:
        msg = f"{command}: {exc} ({hint})"
        raise UsageError(msg) from None
    except ValueError as exc:  # shlex: "No closing quotation", "No escaped character"
        msg = f"{command}: {exc} in {line[:60]!r}: close the quote or drop it ({hint})"
        raise UsageError(msg) from None


def usage(subcommand: str | None = None) -> str:
    """The help text: every subcommand with an example, or one subcommand in full."""
    if subcommand is None:
        lines = ["%localdict SUBCOMMAND ...   (keys are written a/b/c)", ""]
        lines += [f"  {s.name:<6} {s.summary}\n         e.g. {s.example}"
                  for s in SUBCOMMANDS.values()]
        return "\n".join([*lines, "", PERSIDICT_USAGE, "", CELL_USAGE])
    if subcommand not in SUBCOMMANDS:
        msg = (f"%localdict help: no subcommand {subcommand!r}; "
               f"choose from {', '.join(SUBCOMMANDS)}")
        raise UsageError(msg)
    sub = SUBCOMMANDS[subcommand]
    parser = MagicArgumentParser(  # type: ignore[no-untyped-call]  # untyped in IPython
        prog=f"%localdict {sub.name}", description=sub.summary, add_help=False)
    for arg in sub.args:
        parser.add_argument(*arg.flags, **arg.options)
    text = parser.format_help().replace("%%", "%").removeprefix("::").strip()  # undo markup
    return f"{text}\n\nExample:\n  {sub.example}"
