"""The token endpoint and bearer checks, over loopback HTTP."""

from __future__ import annotations

import asyncio
import base64

from sim_http import Connect, SimulatorClient, StartSimulator


async def test_demo_credentials_get_a_bearer_token(shared_api: SimulatorClient) -> None:
    response = await shared_api.request_token()

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert isinstance(body["access_token"], str) and len(body["access_token"]) >= 32


async def test_wrong_secret_or_client_is_invalid_client(shared_api: SimulatorClient) -> None:
    wrong_secret = await shared_api.request_token(client_secret="nope")
    wrong_client = await shared_api.request_token(client_id="someone-else")

    assert (wrong_secret.status_code, wrong_secret.json()) == (401, {"error": "invalid_client"})
    assert (wrong_client.status_code, wrong_client.json()) == (401, {"error": "invalid_client"})


async def test_http_basic_client_authentication_is_accepted(shared_api: SimulatorClient) -> None:
    basic = base64.b64encode(b"demo-client:demo-secret").decode()

    response = await shared_api.http.post(
        "/apip/auth/sntl/v1/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )

    assert response.status_code == 200


async def test_other_grant_types_are_refused(shared_api: SimulatorClient) -> None:
    response = await shared_api.request_token(grant_type="password")

    assert (response.status_code, response.json()) == (400, {"error": "unsupported_grant_type"})


async def test_configured_credentials_replace_the_demo_ones(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(client_id="acme", client_secret="s3cret", token_ttl_s=120))

    assert (await api.request_token()).status_code == 401
    accepted = await api.request_token(client_id="acme", client_secret="s3cret")
    assert accepted.status_code == 200 and accepted.json()["expires_in"] == 120


async def test_inquiry_without_authorization_is_auth_failure(shared_api: SimulatorClient) -> None:
    response = await shared_api.inquire(headers={"Authorization": None})

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "AUTH_FAILURE"


async def test_inquiry_with_unknown_token_is_auth_failure(shared_api: SimulatorClient) -> None:
    response = await shared_api.inquire(token="made-up-token")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "AUTH_FAILURE"


async def test_expired_token_is_refused_and_a_fresh_one_works(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(token_ttl_s=0.2))
    token = await api.access_token()
    assert (await api.inquire(token=token)).status_code == 200

    await asyncio.sleep(0.3)

    expired = await api.inquire(token=token)
    assert expired.status_code == 401
    assert expired.json()["errors"][0]["code"] == "AUTH_FAILURE"
    fresh = (await api.request_token()).json()["access_token"]
    assert (await api.inquire(token=fresh)).status_code == 200


async def test_token_requests_are_counted_apart_from_inquiries(api: SimulatorClient) -> None:
    await api.request_token()
    await api.request_token(client_secret="nope")

    stats = api.simulator.stats()
    assert stats["token_requests"] == 2
    assert stats["token_by_status"] == {"200": 1, "401": 1}
    assert stats["requests"] == 0
