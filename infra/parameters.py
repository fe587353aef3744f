"""Deploy-time CloudFormation parameters: the claims API and who we are to it.

Declared at stack level, so their names are exactly these
(`cdk deploy --parameters ClaimsApiBaseUrl=https://…`). The credentials themselves
are never a parameter: only the ARN of the Secrets Manager secret that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnParameter, Stack

from claimbatch import defaults


@dataclass(frozen=True)
class ClaimsApiParameters:
    base_url: CfnParameter
    credentials_arn: CfnParameter
    provider_tin: CfnParameter
    payer_id: CfnParameter
    environment: CfnParameter

    @classmethod
    def declare(cls, stack: Stack) -> ClaimsApiParameters:
        return cls(
            base_url=CfnParameter(
                stack,
                "ClaimsApiBaseUrl",
                type="String",
                description=(
                    "Base URL of the payer's claims API, https only "
                    "(Optum: https://apigw.optum.com, sandbox https://sandbox-apigw.optum.com)"
                ),
                allowed_pattern=r"^https://[^\s/]+(/[^\s]*)?$",
                constraint_description="an https:// URL without spaces",
            ),
            credentials_arn=CfnParameter(
                stack,
                "ClaimsApiCredentialsArn",
                type="String",
                description=(
                    "Full ARN of the Secrets Manager secret holding the API client credentials as JSON "
                    '{"client_id": ..., "client_secret": ...}; the worker reads it at run time'
                ),
                allowed_pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$",
                constraint_description="a Secrets Manager secret ARN, including its 6-character suffix",
            ),
            provider_tin=CfnParameter(
                stack,
                "ClaimsProviderTin",
                type="String",
                description="The provider's 9-digit tax id, sent with every claim inquiry",
                allowed_pattern=r"^[0-9]{9}$",
                constraint_description="exactly 9 digits",
            ),
            payer_id=CfnParameter(
                stack,
                "ClaimsPayerId",
                type="String",
                default=defaults.CLAIMS_PAYER_ID,
                description="Payer id of the claim inquiries (87726: UnitedHealthcare)",
                allowed_pattern=r"^[A-Za-z0-9]{1,15}$",
                constraint_description="1-15 letters or digits",
            ),
            environment=CfnParameter(
                stack,
                "ClaimsApiEnvironment",
                type="String",
                default="",
                description=(
                    "Value of the `environment` header of each inquiry (e.g. sandbox: the payer's test data); "
                    "empty: the header is not sent"
                ),
                allowed_pattern=r"^[A-Za-z0-9_-]{0,40}$",
                constraint_description="up to 40 letters, digits, _ or -",
            ),
        )
