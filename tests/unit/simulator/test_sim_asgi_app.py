"""The simulator's ASGI app called in-process (no socket), as a benchmark or a unit test may use it."""

from __future__ import annotations

import httpx

from claimbatch.simulator.app import create_app, simulator_state
from claimbatch.simulator.settings import SimulatorSettings


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_token_expiry_on_an_injected_clock_without_a_server() -> None:
    clock = FakeClock()
    app = create_app(SimulatorSettings(token_ttl_s=60), clock=clock)
    headers = {"providerTaxId": "123456789", "x-optum-consumer-correlation-id": "c-1"}
    body = {
        "query": "query SearchClaim($in: SearchClaimInput!) { searchClaim(searchClaimInput: $in) { claims { claimNumber } } }",
        "variables": {"in": {"payerId": "87726", "claimNumber": "INVALID1"}},
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://simulator") as http:
        token = (
            await http.post(
                "/apip/auth/sntl/v1/token",
                data={"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"},
            )
        ).json()["access_token"]
        headers["Authorization"] = f"Bearer {token}"

        fresh = await http.post("/oihub/claim/inquiry/v1", json=body, headers=headers)
        clock.now += 61
        stale = await http.post("/oihub/claim/inquiry/v1", json=body, headers=headers)

    assert fresh.status_code == 200, fresh.text
    assert fresh.json() == {"data": {"searchClaim": {"claims": []}}}  # exactly the fields asked for
    assert stale.status_code == 401
    assert simulator_state(app).stats.snapshot()["by_status"] == {"200": 1, "401": 1}
