"""The package's layers, checked on its source: arrows point down, no cycles, no reach-ins.

Every import of every module is read from the source with ``ast``, also those inside
functions (``if TYPE_CHECKING:`` blocks, which never run, excepted). The layers, top to
bottom: the package root (``localdict_nb/__init__.py``), ``magics``, ``view``, ``sources``,
``engine``.
A module may import its own layer and the layers below it; the graph of imports between
the package's modules has no cycle; and no code outside the engine, tests included, uses a
private (underscore) name that the engine defines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "localdict_nb"
LAYERS = {"engine": 0, "sources": 1, "view": 2, "magics": 3, "": 4}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p) for p in PACKAGE.rglob("*.py")}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1]] if len(parts) > 1 and parts[1] in LAYERS else LAYERS[""]


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(path: Path) -> set[str]:
    """The package modules that ``path`` imports, anywhere in it."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    skip = _type_checking_blocks(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else (
                base if node.level else node.module or "")
            submodules = {f"{target}.{a.name}" for a in node.names} & MODULES
            found.update(submodules or {target})  # `from . import model` imports the module
    return {m for m in found if m in MODULES and m != module}


GRAPH = {_module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_the_layers_are_folders() -> None:
    assert {m.split(".")[1] for m in GRAPH if m.count(".")} == {"engine", "sources", "view",
                                                                "magics"}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module: str) -> None:
    upward = sorted(m for m in GRAPH[module] if _layer(m) > _layer(module))
    assert upward == [], f"{module} imports from a layer above it"


def test_no_import_cycles() -> None:
    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in GRAPH[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted(m for m in GRAPH if m in reach(m))
    assert cycles == []


def test_the_engine_imports_nothing_of_ipython_or_widgets() -> None:
    for path in (PACKAGE / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        heavy = {m for m in names if m.split(".")[0] in
                 {"IPython", "ipywidgets", "anywidget", "traitlets", "ipykernel"}}
        assert heavy == set(), path.name


def _engine_private_names() -> set[str]:
    """Underscore names the engine defines: functions, classes, attributes, slots."""
    names: set[str] = set()
    for path in (PACKAGE / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)  # __slots__ entries
    return {n for n in names if n.startswith("_") and not n.endswith("_")}  # not _repr_html_


def _outside_the_engine() -> list[Path]:
    return sorted(p for p in [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
                  if "engine" not in p.relative_to(ROOT).parts)


@pytest.mark.parametrize("path", _outside_the_engine(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_outside_the_engine_touches_its_private_names(path: Path) -> None:
    private = _engine_private_names()
    tree = ast.parse(path.read_text())
    used = sorted({f"{ast.unparse(node.value)}.{node.attr}" for node in ast.walk(tree)
                   if isinstance(node, ast.Attribute) and node.attr in private
                   and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})})
    used += sorted(f"from {node.module} import {a.name}" for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and "engine" in (node.module or "")
                   for a in node.names if a.name in private)
    assert used == []
