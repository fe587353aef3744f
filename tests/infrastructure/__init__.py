"""Tests of the CDK app in infra/: template assertions, cdk-nag, cfn-lint, the bundle."""

import infra  # noqa: F401  (sets jsii's environment before any test module loads aws_cdk)
