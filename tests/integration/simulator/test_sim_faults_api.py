"""Fault prefixes over loopback HTTP: each answers as docs/claims-api.md's simulator table says."""

from __future__ import annotations

import time

from sim_http import Connect, SimulatorClient, StartSimulator


async def statuses(api: SimulatorClient, claim_number: str, times: int) -> list[int]:
    return [(await api.inquire(claim_number)).status_code for _ in range(times)]


async def test_e500_is_always_500(api: SimulatorClient) -> None:
    assert await statuses(api, "E500001", 3) == [500, 500, 500]
    assert api.simulator.stats()["errors"] == 3


async def test_e503x2_is_503_503_then_the_answer(api: SimulatorClient) -> None:
    responses = [await api.inquire("E503X2001") for _ in range(3)]

    assert [r.status_code for r in responses] == [503, 503, 200]
    assert responses[0].json()["errors"][0]["code"] == "SERVICE_UNAVAILABLE"
    (claim,) = responses[2].json()["data"]["searchClaim"]["claims"]
    assert claim["claimNumber"] == "E503X2001"


async def test_e429x2_is_429_with_retry_after_twice_then_the_answer(api: SimulatorClient) -> None:
    responses = [await api.inquire("E429X2001") for _ in range(3)]

    assert [r.status_code for r in responses] == [429, 429, 200]
    assert all(r.headers["Retry-After"] == "1" for r in responses[:2])
    assert responses[0].json()["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    assert api.simulator.stats()["throttled"] == 2


async def test_fault_attempts_are_counted_per_claim_number(api: SimulatorClient) -> None:
    assert await statuses(api, "E503X2AAA", 2) == [503, 503]

    assert await statuses(api, "E503X2BBB", 1) == [503]
    assert await statuses(api, "E503X2AAA", 1) == [200]


async def test_e400_is_graphql_validation_failed(api: SimulatorClient) -> None:
    response = await api.inquire("E400001")

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["description"]


async def test_slow_answers_after_slow_s(start: StartSimulator, connect: Connect) -> None:
    api = connect(start(slow_s=0.25))
    await api.access_token()

    started = time.monotonic()
    response = await api.inquire("SLOW001")

    assert time.monotonic() - started >= 0.24
    assert response.status_code == 200
    assert response.json()["data"]["searchClaim"]["claims"][0]["claimNumber"] == "SLOW001"


async def test_eunav_is_200_with_payer_system_unavailable(api: SimulatorClient) -> None:
    for _ in range(2):
        response = await api.inquire("EUNAV001")
        assert response.status_code == 200
        (claim,) = response.json()["data"]["searchClaim"]["claims"]
        assert claim["claimStatusCrosswalkData"][0]["claim507Code"] == "E1"


async def test_eunavx1_is_unavailable_once_then_the_answer(api: SimulatorClient) -> None:
    first = (await api.claims("EUNAVX1001"))[0]
    second = (await api.claims("EUNAVX1001"))[0]

    assert first["claimStatusCrosswalkData"][0]["claim507Code"] == "E1"
    assert second["claimStatusCrosswalkData"][0]["claim507Code"] != "E1"


async def test_faults_are_counted_by_scenario(api: SimulatorClient) -> None:
    await api.inquire("E500")
    await api.inquire("E503X1")
    await api.inquire("E503X1")
    await api.inquire("INVALID1")

    scenarios = api.simulator.stats()["scenarios"]
    assert scenarios == {"fault_e500": 1, "fault_e503": 1, "found": 1, "not_found": 1}
