"""The Lambda bundle, built for real: pip from PyPI for arm64 / CPython 3.13, no Docker.

Proves the bundle holds every third-party package the handlers import (followed
through the `claimbatch` modules they import), in the build for the Lambda
platform, and leaves out what only the command line needs.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.bundling import PACKAGE, BundlePlan, build_bundle, runtime_requirements
from infra.settings import Settings

HANDLERS = ("splitter", "worker", "aggregator", "dead_letters", "sweeper")


def _runtime_imports(module: Path) -> Iterator[tuple[str, int]]:
    """(dotted name, level) of each import executed at run time (not under TYPE_CHECKING)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))

    def visit(node: ast.AST) -> Iterator[tuple[str, int]]:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (item for child in node.orelse for item in visit(child))
            return
        if isinstance(node, ast.Import):
            yield from ((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            yield (base, node.level)
            yield from ((f"{base}.{alias.name}" if base else alias.name, node.level) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    yield from visit(tree)


def _module_file(root: Path, dotted: str) -> Path | None:
    path = root.joinpath(*dotted.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def third_party_imports(bundle: Path, entry_modules: list[str]) -> set[str]:
    """Top-level names of non-stdlib, non-claimbatch modules reachable from the entries."""
    seen: set[str] = set()
    outside: set[str] = set()
    pending = list(entry_modules)
    while pending:
        dotted = pending.pop()
        if dotted in seen:
            continue
        seen.add(dotted)
        module = _module_file(bundle, dotted)
        if module is None:
            continue  # a name imported from a module, not a module
        package = dotted if module.name == "__init__.py" else dotted.rpartition(".")[0]
        # A package's __init__ runs before its submodules.
        parents = dotted.split(".")
        pending += [".".join(parents[:i]) for i in range(1, len(parents))]
        for name, level in _runtime_imports(module):
            if level:
                anchor = package.split(".")[: len(package.split(".")) - (level - 1)]
                name = ".".join([*anchor, name]) if name else ".".join(anchor)
            top = name.split(".")[0]
            if top == PACKAGE:
                pending.append(name)
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                outside.add(top)
    return outside


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("bundle")
    build_bundle(BundlePlan.for_settings(Settings()), output)
    return output


@pytest.mark.slow
def test_the_bundle_holds_every_package_the_handlers_import(bundle: Path) -> None:
    handlers = [
        f"{PACKAGE}.handlers.{name}" for name in HANDLERS if (bundle / PACKAGE / "handlers" / f"{name}.py").exists()
    ]
    entries = handlers or [f"{PACKAGE}.handlers.env_vars"]  # the contract module exists from the start

    needed = third_party_imports(bundle, entries)

    assert "pydantic" in needed
    missing = [
        name for name in sorted(needed) if not (bundle / name).is_dir() and not (bundle / f"{name}.py").is_file()
    ]
    assert missing == [], f"imported by the handlers but not in the bundle: {missing}"


@pytest.mark.slow
def test_the_bundle_is_built_for_lambda_arm64_and_cpython_313(bundle: Path) -> None:
    binaries = sorted(path.name for path in (bundle / "pydantic_core").glob("_pydantic_core*.so"))

    assert binaries == ["_pydantic_core.cpython-313-aarch64-linux-gnu.so"]
    assert not list(bundle.rglob("*.pyc")), "no bytecode of the build machine's Python"


@pytest.mark.slow
def test_the_bundle_holds_our_package_and_the_pinned_runtime_dependencies(bundle: Path) -> None:
    assert (bundle / PACKAGE / "handlers" / "env_vars.py").is_file()
    for distribution in ("aws_lambda_powertools-3.37.0", "pydantic-2.14.3", "httpx-0.28.1", "boto3-1.44.5"):
        assert (bundle / f"{distribution}.dist-info").is_dir(), distribution
    assert (bundle / "aws_xray_sdk").is_dir(), "powertools[tracer]"


@pytest.mark.slow
def test_the_command_line_only_packages_stay_out(bundle: Path) -> None:
    assert not [req for req in runtime_requirements() if req.split("=")[0] in {"typer", "rich", "starlette", "uvicorn", "asyncssh"}]
    for name in ("typer", "rich", "starlette", "uvicorn", "asyncssh"):
        assert not (bundle / name).exists(), name
    assert not (bundle / "bin").exists()


def _claimbatch_modules_reached(bundle: Path, entry_modules: list[str]) -> tuple[set[str], set[str]]:
    """(modules found in the bundle, claimbatch modules imported but absent) from the entries."""
    found: set[str] = set()
    absent: set[str] = set()
    pending = list(entry_modules)
    while pending:
        dotted = pending.pop()
        if dotted in found or dotted in absent:
            continue
        module = _module_file(bundle, dotted)
        if module is None:
            parent = dotted.rpartition(".")[0]
            if _module_file(bundle, parent) is None:  # not a name defined in an existing module
                absent.add(dotted)
            continue
        found.add(dotted)
        package = dotted if module.name == "__init__.py" else dotted.rpartition(".")[0]
        parents = dotted.split(".")
        pending += [".".join(parents[:i]) for i in range(1, len(parents))]
        for name, level in _runtime_imports(module):
            if level:
                anchor = package.split(".")[: len(package.split(".")) - (level - 1)]
                name = ".".join([*anchor, name]) if name else ".".join(anchor)
            if name.split(".")[0] == PACKAGE:
                pending.append(name)
    return found, absent


def test_the_lambda_bundle_leaves_out_the_simulator_command_line_and_embedded_runtime(tmp_path: Path) -> None:
    # Given our code bundled as for Lambda (pip skipped: only our own files matter here)
    plan = BundlePlan.for_settings(Settings(skip_dependency_install=True))
    build_bundle(plan, tmp_path)
    # Then the tools around the product are not in it
    for name in ("simulator", "cli", "runtime"):
        assert not (tmp_path / PACKAGE / name).exists(), name
    assert not any("simulator" in path.parts for path in plan.source_files())
    # And every handler, job API included, finds every claimbatch module it imports
    entries = [f"{PACKAGE}.handlers.{name}" for name in (*HANDLERS, "job_api")]
    found, absent = _claimbatch_modules_reached(tmp_path, entries)
    assert set(entries) <= found
    assert absent == set(), f"imported by the handlers but not bundled: {sorted(absent)}"
