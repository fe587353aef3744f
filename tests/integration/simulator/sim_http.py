"""A small hand-written client for the simulator's API, used by these tests.

Deliberately not claimbatch's own client: these tests pin the wire contract,
as curl would see it, with the query shape of the payer's published SearchClaim example.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from claimbatch.simulator.server import RunningSimulator

TOKEN_PATH = "/apip/auth/sntl/v1/token"
INQUIRY_PATH = "/oihub/claim/inquiry/v1"
SEARCH_CLAIM_QUERY = (
    "query SearchClaim($searchClaimInput: SearchClaimInput!) { searchClaim(searchClaimInput: $searchClaimInput) "
    "{ claims { claimNumber claimStatus member { firstName lastName dateOfBirth subscriberId memberId } "
    "claimEvents { statusEffectiveDate } claimStatusCrosswalkData { claim507Code } } "
    "pagination { hasMoreRecords nextPageToken } } }"
)
PROVIDER_TIN = "123456789"


def search_input(claim_number: str, **fields: str) -> dict[str, str]:
    return {"payerId": "87726", "claimNumber": claim_number, **fields}


def graphql_body(search: dict[str, Any]) -> dict[str, Any]:
    return {"operationName": "SearchClaim", "query": SEARCH_CLAIM_QUERY, "variables": {"searchClaimInput": search}}


class SimulatorClient:
    """Speaks the payer API to one simulator, with a token fetched on first use."""

    def __init__(self, simulator: RunningSimulator, http: httpx.AsyncClient) -> None:
        self.simulator = simulator
        self.http = http
        self._token: str | None = None

    async def request_token(
        self, client_id: str = "demo-client", client_secret: str = "demo-secret", grant_type: str = "client_credentials"
    ) -> httpx.Response:
        form = {"grant_type": grant_type, "client_id": client_id, "client_secret": client_secret}
        return await self.http.post(TOKEN_PATH, data=form)

    async def access_token(self) -> str:
        if self._token is None:
            response = await self.request_token()
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    async def inquire(
        self,
        claim_number: str = "ZE59426195",
        *,
        token: str | None = None,
        headers: dict[str, str | None] | None = None,
        body: Any = None,
        **member: str,
    ) -> httpx.Response:
        all_headers: dict[str, str | None] = {
            "Authorization": f"Bearer {token if token is not None else await self.access_token()}",
            "providerTaxId": PROVIDER_TIN,
            "x-optum-consumer-correlation-id": str(uuid.uuid4()),
        }
        all_headers.update(headers or {})
        sent = {name: value for name, value in all_headers.items() if value is not None}
        payload = body if body is not None else graphql_body(search_input(claim_number, **member))
        return await self.http.post(INQUIRY_PATH, json=payload, headers=sent)

    async def claims(self, claim_number: str, **member: str) -> list[dict[str, Any]]:
        response = await self.inquire(claim_number, **member)
        assert response.status_code == 200, response.text
        return response.json()["data"]["searchClaim"]["claims"]


StartSimulator = Callable[..., RunningSimulator]
Connect = Callable[[RunningSimulator], SimulatorClient]
