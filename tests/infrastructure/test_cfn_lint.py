"""cfn-lint finds no error in the synthesized template."""

from __future__ import annotations

from cfnlint.api import ManualArgs, lint

from tests.infrastructure.conftest import Synthesized

# W3005 "dependency already enforced by a GetAtt": CDK adds an explicit
# DependsOn from each function to its role; harmless and not ours to remove.
TOLERATED_WARNINGS = {"W3005"}


def test_cfn_lint_reports_no_errors(synthesized: Synthesized) -> None:
    matches = lint(
        synthesized.template_path.read_text(encoding="utf-8"),
        config=ManualArgs(regions=["us-east-1", "us-west-2", "eu-west-1"]),
    )
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
    warnings = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id[0] in "WI"]

    assert errors == []
    assert [w for w in warnings if w.split()[0] not in TOLERATED_WARNINGS] == []
