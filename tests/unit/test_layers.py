"""Arrows point down: the core and the adapters never import the layers above them,
and nothing that ships to Lambda imports the simulator (a tool around the product)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "functions" / "claimbatch"
ABOVE = ("handlers", "runtime", "cli", "simulator")

# layer -> the claimbatch subpackages it may not import (lazily or not)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": ABOVE,
    "logic": ABOVE,
    "ports": ABOVE,
    "claims": ABOVE,
    "api": ABOVE,
    "adapters": ABOVE,
    "web": ABOVE,
    "handlers": ("runtime", "cli", "simulator"),
    "runtime": ("handlers", "cli", "simulator"),
}


def _claimbatch_imports(path: Path) -> set[str]:
    """Every claimbatch subpackage a module imports, wherever the import statement stands."""
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "claimbatch" and len(parts) > 1:
                imported.add(parts[1])
    return imported


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_import_runs_back_up(layer: str) -> None:
    # Given every module of the layer
    modules = sorted((PACKAGE_DIR / layer).rglob("*.py"))
    assert modules, layer
    # Then none imports a layer it must not know
    wrong = {
        str(module.relative_to(PACKAGE_DIR)): sorted(_claimbatch_imports(module) & set(FORBIDDEN[layer]))
        for module in modules
    }
    assert {name: layers for name, layers in wrong.items() if layers} == {}


def _top_level_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("bench", {"tests"}),  # shared drivers live in testkit/
        ("testkit", {"tests", "bench"}),
        ("functions/claimbatch", {"tests", "bench", "testkit", "infra"}),
    ],
)
def test_tools_and_product_stay_apart(folder: str, forbidden: set[str]) -> None:
    root = PACKAGE_DIR.parents[1] / folder
    wrong = {
        str(module.relative_to(root)): sorted(_top_level_imports(module) & forbidden)
        for module in sorted(root.rglob("*.py"))
    }
    assert {name: names for name, names in wrong.items() if names} == {}
