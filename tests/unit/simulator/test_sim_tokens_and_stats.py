"""Access tokens (issue, expiry) and the served counters."""

from __future__ import annotations

from claimbatch.simulator.stats import ServerStats
from claimbatch.simulator.tokens import TokenIssuer


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_only_the_configured_credentials_are_accepted() -> None:
    issuer = TokenIssuer("demo-client", "demo-secret", 3600, FakeClock())

    assert issuer.accepts("demo-client", "demo-secret")
    assert not issuer.accepts("demo-client", "wrong")
    assert not issuer.accepts("other", "demo-secret")
    assert not issuer.accepts("", "")


def test_token_is_valid_until_its_ttl_and_unknown_tokens_never() -> None:
    clock = FakeClock()
    issuer = TokenIssuer("c", "s", ttl_s=60, clock=clock)
    token = issuer.issue()

    assert issuer.is_valid(token)
    assert not issuer.is_valid("not-a-token")
    clock.now += 59.9
    assert issuer.is_valid(token)
    clock.now += 0.2
    assert not issuer.is_valid(token)


def test_tokens_are_distinct_and_expires_in_is_whole_seconds() -> None:
    issuer = TokenIssuer("c", "s", ttl_s=0.2, clock=FakeClock())

    assert issuer.issue() != issuer.issue()
    assert issuer.expires_in == 1
    assert TokenIssuer("c", "s", ttl_s=3600, clock=FakeClock()).expires_in == 3600


def test_stats_count_inquiries_by_status_with_peak_concurrency() -> None:
    stats = ServerStats()
    stats.inquiry_started()
    stats.inquiry_started()
    stats.inquiry_started()
    stats.inquiry_finished(200)
    stats.inquiry_finished(429)
    stats.inquiry_finished(503)
    stats.inquiry_started()
    stats.inquiry_finished(500)
    stats.token_request(200)
    stats.rejected("rate_limit")
    stats.scenario("found")

    snapshot = stats.snapshot()

    assert snapshot["requests"] == 4
    assert snapshot["token_requests"] == 1
    assert snapshot["by_status"] == {"200": 1, "429": 1, "500": 1, "503": 1}
    assert snapshot["throttled"] == 1
    assert snapshot["errors"] == 2
    assert snapshot["peak_concurrency"] == 3
    assert snapshot["current_concurrency"] == 0
    assert snapshot["rejected"] == {"rate_limit": 1}
    assert snapshot["scenarios"] == {"found": 1}


def test_reset_zeroes_counters_but_keeps_what_is_in_flight() -> None:
    stats = ServerStats()
    stats.inquiry_started()
    stats.inquiry_started()
    stats.inquiry_finished(200)

    stats.reset()

    snapshot = stats.snapshot()
    assert snapshot["requests"] == 0 and snapshot["by_status"] == {}
    assert snapshot["current_concurrency"] == 1 and snapshot["peak_concurrency"] == 1
    stats.inquiry_finished(200)
    assert stats.snapshot()["current_concurrency"] == 0
