"""The Lambda code asset, bundled without Docker.

One asset for the three functions: the `claimbatch` package plus its runtime
dependencies, installed by pip for the Lambda platform (manylinux wheels for
the target architecture and CPython 3.13, `--only-binary=:all:`, so nothing is
compiled on this machine). CDK's local bundling runs it; the Docker image in the
bundling options is only the documented fallback, never used by this app.

The asset hash is computed here from what goes into the bundle (our sources,
the pinned requirements, the target platform), so an unchanged bundle is taken
from `cdk.out/` instead of being rebuilt.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.settings import CLI_ONLY_DEPENDENCIES, PYTHON_VERSION, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_ROOT = REPO_ROOT / "functions"
PACKAGE = "claimbatch"
PYPROJECT = REPO_ROOT / "pyproject.toml"

# Parts of the package that never run in Lambda: the command line, the embedded
# runtime and the claims API simulator (a test double and demo aid). They need
# the CLI-only dependencies, which the bundle leaves out too.
NOT_FOR_LAMBDA = ("cli", "runtime", "simulator")
_DIST_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(pyproject: Path = PYPROJECT) -> tuple[str, ...]:
    """`[project].dependencies` of pyproject.toml, minus what only the CLI uses."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = []
    for spec in project["dependencies"]:
        match = _DIST_NAME.match(spec)
        if match is None:
            raise ValueError(f"cannot read the package name of requirement {spec!r} in {pyproject}")
        if _normalized(match.group(1)) not in CLI_ONLY_DEPENDENCIES:
            requirements.append(spec.strip())
    return tuple(requirements)


@dataclass(frozen=True)
class BundlePlan:
    """What goes into the bundle, and for which platform."""

    package_dir: Path
    requirements: tuple[str, ...]
    python_version: str
    platforms: tuple[str, ...]
    skip_dependency_install: bool = False

    @classmethod
    def for_settings(cls, settings: Settings) -> BundlePlan:
        return cls(
            package_dir=SOURCE_ROOT / PACKAGE,
            requirements=runtime_requirements(),
            python_version=PYTHON_VERSION,
            platforms=settings.pip_platforms,
            skip_dependency_install=settings.skip_dependency_install,
        )

    def pip_command(self, target: Path) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "--no-compile",  # .pyc of this interpreter would be useless on 3.13
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--python-version",
            self.python_version,
        ]
        for platform in self.platforms:
            command += ["--platform", platform]
        return [*command, "--target", str(target), *self.requirements]

    def source_files(self) -> Iterator[Path]:
        for path in sorted(self.package_dir.rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and path.suffix not in {".pyc", ".pyo"}
                and path.name != ".DS_Store"
                and path.relative_to(self.package_dir).parts[0] not in NOT_FOR_LAMBDA
            ):
                yield path

    def asset_hash(self) -> str:
        digest = hashlib.sha256()
        for line in (
            f"python={self.python_version}",
            f"platforms={','.join(self.platforms)}",
            f"skip_dependency_install={self.skip_dependency_install}",
            *self.requirements,
        ):
            digest.update(line.encode() + b"\n")
        for path in self.source_files():
            digest.update(path.relative_to(self.package_dir).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()


class BundlingError(RuntimeError):
    pass


def build_bundle(plan: BundlePlan, output_dir: Path) -> None:
    """Fill `output_dir` with the dependencies (unless skipped) and our package."""
    output_dir.mkdir(parents=True, exist_ok=True)
    if not plan.skip_dependency_install:
        finished = subprocess.run(plan.pip_command(output_dir), capture_output=True, text=True, check=False)
        if finished.returncode != 0:
            detail = (finished.stderr or finished.stdout).strip()[-4000:]
            raise BundlingError(
                f"pip could not install the Lambda dependencies (exit {finished.returncode}):\n{detail}"
            )
        # Console scripts are of no use in Lambda.
        shutil.rmtree(output_dir / "bin", ignore_errors=True)
    for path in plan.source_files():
        target = output_dir / PACKAGE / path.relative_to(plan.package_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """CDK local bundling: builds the asset on this machine, no Docker."""

    def __init__(self, plan: BundlePlan) -> None:
        self._plan = plan

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        build_bundle(self._plan, Path(output_dir))
        return True  # never fall back to Docker


def docker_fallback_command(plan: BundlePlan) -> Sequence[str]:
    """The same bundle in the SAM build image; only for CDK's API, never run by this app."""
    requirements = " ".join(f"'{requirement}'" for requirement in plan.requirements)
    left_out = " ".join(f"/asset-output/{PACKAGE}/{name}" for name in NOT_FOR_LAMBDA)
    script = (
        f"pip install --no-compile --target /asset-output {requirements}"
        f" && cp -r /asset-input/{PACKAGE} /asset-output/ && rm -rf {left_out}"
    )
    return ["bash", "-c", script]


def lambda_code(settings: Settings) -> lambda_.Code:
    """The one code asset shared by every function of the stack (bundled once per synth)."""
    plan = BundlePlan.for_settings(settings)
    return lambda_.Code.from_asset(
        str(SOURCE_ROOT),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=plan.asset_hash(),
        bundling=BundlingOptions(
            image=DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
            platform="linux/arm64" if settings.architecture == "arm64" else "linux/amd64",
            command=list(docker_fallback_command(plan)),
            local=PipLocalBundling(plan),
        ),
    )
