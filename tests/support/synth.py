"""The stack synthesized as `python -m infra.app` does it (feature flags of cdk.json,
acknowledgements, the three cdk-nag packs registered as validation plugins),
except that the bundle skips pip: the real bundling has its own test.

jsii is slow to start and to synthesize, so a test session synthesizes once
(the `synthesized` fixture of tests/conftest.py) and every test that needs the
template reads it from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # aws_cdk starts a jsii process on import: only tests that synthesize pay for it
    from aws_cdk import App
    from aws_cdk.assertions import Template

    from infra.settings import Settings
    from infra.stack import ClaimbatchStack


@dataclass
class Synthesized:
    app: App
    stack: ClaimbatchStack
    template: Template
    resources: dict[str, dict[str, Any]]
    document: dict[str, Any]
    template_path: Path
    validation_failure: str | None

    @property
    def settings(self) -> Settings:
        return self.stack.settings

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res["Type"] == resource_type}

    def logical_id(self, construct: Any) -> str:
        return self.stack.resolve(self.stack.get_logical_id(construct.node.default_child))


def synthesize(outdir: Path, **context: str) -> Synthesized:
    from aws_cdk.assertions import Template

    from infra.app import build_app

    app, stack = build_app(context={"skip_dependency_install": "true", **context}, outdir=str(outdir))
    failure = None
    try:
        app.synth()
    except Exception as error:  # the rule packs' report; templates are written before validation
        failure = str(error)
    template_path = outdir / stack.template_file
    document = json.loads(template_path.read_text(encoding="utf-8"))
    return Synthesized(
        app=app,
        stack=stack,
        template=Template.from_json(document),
        resources=document["Resources"],
        document=document,
        template_path=template_path,
        validation_failure=failure,
    )
