"""cdk-nag 3: AwsSolutions, HIPAA.Security and Serverless find nothing we have not
acknowledged, every acknowledgement says why, and none is left over."""

from __future__ import annotations

import pytest
from aws_cdk import App, CfnResource

from infra.app import cdk_json_context
from infra.nag import rule_packs
from infra.settings import STACK_ID, Settings
from infra.stack import ClaimbatchStack
from tests.infrastructure.conftest import Synthesized

MIN_REASON_LENGTH = 100  # a sentence or two of why, not "not needed"


def _findings(app: App) -> dict[str, list[str]]:
    """rule id -> construct paths, over the three packs."""
    found: dict[str, list[str]] = {}
    for pack in rule_packs():
        report = pack.validate_scope(app)
        for violation in report.violations:
            found.setdefault(violation.rule_name, []).extend(r.construct_path for r in violation.violating_resources)
    return found


def _acknowledged(document: dict) -> dict[str, dict[str, str]]:
    """logical id -> {rule id: reason}, from the audit trail written into the template."""
    return {
        name: {rule["id"]: rule["reason"] for rule in resource["Metadata"]["cdk_nag"]["rules_to_suppress"]}
        for name, resource in document["Resources"].items()
        if "cdk_nag" in resource.get("Metadata", {})
    }


def test_synthesis_passes_the_three_rule_packs(synthesized: Synthesized) -> None:
    # The packs are registered as validation plugins: a finding fails the synthesis.
    assert synthesized.validation_failure is None, synthesized.validation_failure


@pytest.mark.parametrize("pack", ["AwsSolutions", "HIPAA.Security", "Serverless"])
def test_no_unacknowledged_finding(synthesized: Synthesized, pack: str) -> None:
    findings = {rule: paths for rule, paths in _findings(synthesized.app).items() if rule.startswith(f"{pack}-")}

    assert findings == {}


def test_every_acknowledgement_gives_a_real_reason(synthesized: Synthesized) -> None:
    acknowledged = _acknowledged(synthesized.document)

    assert acknowledged, "the audit trail is written into the template"
    for resource, rules in acknowledged.items():
        for rule, reason in rules.items():
            assert rule.split("-")[0] in {"AwsSolutions", "HIPAA.Security", "Serverless"}, rule
            assert len(reason) >= MIN_REASON_LENGTH, f"{resource} {rule}: {reason!r}"


def test_every_acknowledgement_answers_a_finding_the_packs_really_make(synthesized: Synthesized) -> None:
    # Given the same stack without any acknowledgement
    bare = App(context=cdk_json_context(), post_cli_context={"skip_dependency_install": "true"})
    ClaimbatchStack(bare, STACK_ID, settings=Settings.from_context(bare.node))

    # When the packs look at it
    findings = _findings(bare)

    # Then each acknowledged (resource, rule) is one of their findings: none is stale
    found = {(_relative(path), rule) for rule, paths in findings.items() for path in paths}
    stack = synthesized.stack
    path_of = {
        stack.resolve(stack.get_logical_id(child)): _relative(child.node.path)
        for child in stack.node.find_all()
        if isinstance(child, CfnResource)
    }
    acknowledged = {
        (path_of[name], rule) for name, rules in _acknowledged(synthesized.document).items() for rule in rules
    }
    assert acknowledged <= found
    assert found <= acknowledged  # and the bare stack has no finding the real one leaves open


def _relative(construct_path: str) -> str:
    return construct_path.split("/", 1)[1]
