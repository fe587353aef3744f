"""The job API's users: a Cognito user pool, its one app client, and the JWT
authorizer that checks their tokens on every route.

- Users are created by an administrator (no self sign-up), each with the custom
  attribute `tenant`; Cognito puts it into the user's ID token as the claim
  `custom:tenant`, which the job API reads (claimbatch.api.identity). The app
  client may read it but not write it: a user cannot move to another tenant, only
  an administrator can (AdminUpdateUserAttributes).
- Sign-in: the user name (an e-mail address) and a password of at least 14
  characters with all four character classes, then a TOTP code: MFA is required.
- The app client is public (no secret: the command line and scripts use it) and
  has no OAuth/hosted UI; tokens come from InitiateAuth (USER_PASSWORD_AUTH or SRP).
- The web page has an app client of its own (`add_web_client`): Cognito's hosted
  sign-in on the pool's domain `<prefix>-<account>.auth.<region>.amazoncognito.com`,
  the authorization code flow only (the page uses PKCE; a public client has no
  secret), back to the page's URL only, scopes openid and email.
- The authorizer accepts ID tokens of this pool (issuer) issued to either client
  (audience). Access tokens carry no `custom:tenant` and no `aud`: use the ID token.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.settings import TENANT_ATTRIBUTE, Settings

TENANT_CLAIM = f"custom:{TENANT_ATTRIBUTE}"
MIN_PASSWORD_LENGTH = 14
# The tenant names a folder (inbox/<tenant>/…): claimbatch.api.identity allows at most 64 characters.
MAX_TENANT_LENGTH = 64


class ApiUsers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.pool = cognito.UserPool(
            self,
            "Pool",
            user_pool_name=f"{settings.name_prefix}-api-users",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            custom_attributes={
                TENANT_ATTRIBUTE: cognito.StringAttribute(min_len=1, max_len=MAX_TENANT_LENGTH, mutable=True)
            },
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=MIN_PASSWORD_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,  # the users and their tenants outlive a stack update gone wrong
        )
        self.client = self.pool.add_client(
            "Client",
            user_pool_client_name=f"{settings.name_prefix}-api",
            disable_o_auth=True,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            **_client_options(settings),
        )
        self.issuer = f"https://cognito-idp.{Aws.REGION}.{Aws.URL_SUFFIX}/{self.pool.user_pool_id}"
        # The hosted sign-in's domain: a prefix unique in the region (the account id makes it so).
        self.domain = self.pool.add_domain(
            "SignIn",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"{settings.name_prefix}-{Aws.ACCOUNT_ID}"),
        )
        self._settings = settings
        self.web_client: cognito.UserPoolClient | None = None

    @property
    def sign_in_url(self) -> str:
        """https://<prefix>.auth.<region>.amazoncognito.com: the hosted sign-in and its /oauth2 endpoints."""
        return self.domain.base_url()

    def add_web_client(self, page_url: str) -> cognito.UserPoolClient:
        """The web page's app client: hosted sign-in, authorization code (with PKCE), back to `page_url`."""
        settings = self._settings
        self.web_client = self.pool.add_client(
            "WebClient",
            user_pool_client_name=f"{settings.name_prefix}-web",
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=[page_url],
                logout_urls=[page_url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            **_client_options(settings),
        )
        return self.web_client

    def jwt_authorizer(self) -> authorizers.HttpJwtAuthorizer:
        """The authorizer of every job API route: ID tokens of this pool, from either client."""
        audience = [self.client.user_pool_client_id]
        if self.web_client is not None:
            audience.append(self.web_client.user_pool_client_id)
        return authorizers.HttpJwtAuthorizer(
            "CognitoJwt",
            self.issuer,
            jwt_audience=audience,
            authorizer_name=f"{self._settings.name_prefix}-cognito",
            identity_source=["$request.header.Authorization"],
        )


def _client_options(settings: Settings) -> dict[str, Any]:
    """What both app clients share: no secret (neither a command line nor a page can keep
    one; the page's code is bound to it by PKCE), the token lifetimes, revocation, no
    hint whether a user exists, and the attributes a user may read and write."""
    token_validity = Duration.minutes(settings.token_validity_minutes)
    return {
        "generate_secret": False,
        "prevent_user_existence_errors": True,
        "enable_token_revocation": True,
        "id_token_validity": token_validity,
        "access_token_validity": token_validity,
        "refresh_token_validity": Duration.days(settings.refresh_token_validity_days),
        "read_attributes": cognito.ClientAttributes()
        .with_standard_attributes(email=True, email_verified=True)
        .with_custom_attributes(TENANT_ATTRIBUTE),
        # Never the tenant (nor the e-mail address a user signs in with).
        "write_attributes": cognito.ClientAttributes().with_standard_attributes(fullname=True),
    }
