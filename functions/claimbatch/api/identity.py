"""Who is calling: the tenant comes from the verified identity in the event, never
from the request itself.

In AWS the HTTP API's JWT authorizer has verified the token and put its claims in
`requestContext.authorizer.jwt.claims`; the tenant is the `custom:tenant` claim
(a Cognito custom attribute), else the subject (`sub`: each user a tenant of
their own). The local API server checks its bearer token and writes the same
claims into the event it builds, so both runtimes read the tenant alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from claimbatch.api.errors import Forbidden, Unauthorized

TENANT_CLAIM = "custom:tenant"
SUBJECT_CLAIM = "sub"
# A tenant names a folder (inbox/<tenant>/…): one path segment, nothing to escape.
TENANT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def jwt_claims(event: Mapping[str, Any]) -> Mapping[str, Any]:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    return (authorizer.get("jwt") or {}).get("claims") or {}


def tenant_of_event(event: Mapping[str, Any]) -> str:
    claims = jwt_claims(event)
    tenant = claims.get(TENANT_CLAIM) or claims.get(SUBJECT_CLAIM)
    if not tenant:
        raise Unauthorized("a verified bearer token is required")
    if not isinstance(tenant, str) or TENANT_PATTERN.fullmatch(tenant) is None:
        raise Forbidden("the token's tenant is not a valid tenant name (letters, digits, '-' and '_', at most 64)")
    return tenant
