"""Entry point of the CDK app: `python -m infra.app` (what cdk.json and `make synth` run).

Environment-agnostic: no account, no region, no credentials and no Docker are
needed to synthesize. cdk.json's "context" (feature flags) is read as the
default context here too, so that `make synth` and `cdk deploy` build the same
template; context given on the command line (`cdk … -c key=value`) wins.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App

from infra.nag import acknowledge_accepted_findings, register_rule_packs
from infra.settings import STACK_ID, Settings
from infra.stack import ClaimbatchStack

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = REPO_ROOT / "cdk.json"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")).get("context", {}))


def build_app(
    *,
    context: Mapping[str, Any] | None = None,
    outdir: str | None = None,
    with_rule_packs: bool = True,
) -> tuple[App, ClaimbatchStack]:
    """The app and its one stack. `context` overrides everything else (tests use it)."""
    app = App(context=cdk_json_context(), post_cli_context=dict(context or {}), outdir=outdir)
    stack = ClaimbatchStack(app, STACK_ID, settings=Settings.from_context(app.node))
    acknowledge_accepted_findings(stack)
    if with_rule_packs:
        register_rule_packs(app)
    return app, stack


def main() -> None:
    # The CDK CLI says where to write (CDK_OUTDIR); run directly, we write ./cdk.out.
    outdir = None if "CDK_OUTDIR" in os.environ else str(REPO_ROOT / "cdk.out")
    app, stack = build_app(outdir=outdir)
    assembly = app.synth()
    print(f"synthesized {stack.stack_name}: {assembly.directory}/{stack.template_file}")


if __name__ == "__main__":
    main()
