"""The delivery policy both runtimes share: what is retried, when, and when it stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claimbatch.logic.delivery_policy import (
    DeliveryState,
    RetrySchedule,
    Verdict,
    after_attempt,
    judge,
)
from claimbatch.ports.notifications import SendFailure, SendReport

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_throttling_and_server_errors_are_retried(status: int):
    assert judge(SendReport(status=status)).verdict is Verdict.RETRY


@pytest.mark.parametrize("failure", [SendFailure.TIMEOUT, SendFailure.CONNECTION, SendFailure.TRANSIENT])
def test_timeouts_and_connection_errors_are_retried(failure: SendFailure):
    assert judge(SendReport(failure=failure)).verdict is Verdict.RETRY


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413, 422])
def test_other_client_errors_stop(status: int):
    assert judge(SendReport(status=status)).verdict is Verdict.GIVE_UP


def test_a_redirect_is_not_followed_and_stops():
    judgement = judge(SendReport(status=302))
    assert judgement.verdict is Verdict.GIVE_UP
    assert "redirects are not followed" in judgement.reason


def test_refused_addresses_and_permanent_mail_errors_stop():
    assert judge(SendReport(failure=SendFailure.REFUSED_ADDRESS)).verdict is Verdict.GIVE_UP
    assert judge(SendReport(failure=SendFailure.PERMANENT)).verdict is Verdict.GIVE_UP


@pytest.mark.parametrize("status", [200, 201, 204])
def test_any_2xx_and_a_mail_service_that_took_it_are_delivered(status: int):
    assert judge(SendReport(status=status)).verdict is Verdict.DELIVERED
    assert judge(SendReport(detail="accepted")).verdict is Verdict.DELIVERED


def test_the_default_schedule_keeps_trying_for_more_than_a_day_with_growing_waits():
    schedule = RetrySchedule()
    assert sum(schedule.delays, timedelta()) >= timedelta(hours=24)
    assert list(schedule.delays) == sorted(schedule.delays)
    assert schedule.longest <= timedelta(hours=12)  # an SQS visibility timeout can express each wait


def test_a_retry_is_due_after_the_scheduled_wait_until_the_schedule_runs_out():
    schedule = RetrySchedule(delays=(timedelta(seconds=5), timedelta(minutes=5)))
    retry = judge(SendReport(status=503))
    first = after_attempt(retry, 1, schedule, NOW)
    assert (first.state, first.next_attempt_at) == (DeliveryState.PENDING, NOW + timedelta(seconds=5))
    second = after_attempt(retry, 2, schedule, NOW)
    assert second.next_attempt_at == NOW + timedelta(minutes=5)
    last = after_attempt(retry, 3, schedule, NOW)
    assert last.state is DeliveryState.GAVE_UP
    assert "gave up after 3 attempts" in last.reason


def test_delivered_and_stopped_deliveries_are_not_due_again():
    schedule = RetrySchedule()
    assert after_attempt(judge(SendReport(status=200)), 1, schedule, NOW).state is DeliveryState.DELIVERED
    stopped = after_attempt(judge(SendReport(status=410)), 1, schedule, NOW)
    assert (stopped.state, stopped.next_attempt_at) == (DeliveryState.GAVE_UP, None)
