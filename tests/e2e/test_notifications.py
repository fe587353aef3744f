"""Job-end notifications in both runtimes, end to end: the job API sets the channels,
jobs run (the embedded runtime, or the Lambda handlers on moto), a real HTTP receiver
verifies every webhook with the `standardwebhooks` library, and the emails are read
where they went (an SMTP server on loopback, or SES on moto)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.support.claims_data import member_line
from tests.support.job_api_harness import AwsJobApi, submit, wait_for_results, wait_for_state
from tests.support.notification_checks import assert_no_patient_data, patient_values, wait_until
from tests.support.notification_services import (
    AWS_API_URL,
    NotifyingService,
    aws_notifying,
    embedded_notifying,
    set_channels,
)
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
GOOD = (HEADER + "ZE59426195,CHANTAL,KISA,05/10/1975,057896633\nINVALID123,JOHN,DOE,01/01/1980,123456789\n").encode()
NOT_A_CLAIMS_FILE = b"patient,visit\nMARIA QUINTERO,2024-01-01\n"
AWS_ENV = {
    "ROWS_PER_MESSAGE": "2",
    "LOOKUP_BASE_DELAY_S": "0.001",
    "LOOKUP_MAX_ATTEMPTS": "2",
    "MAX_ROW_RECEIVES": "2",
    "MAX_REDELIVERY_DELAY_S": "0",
}


def slow_file(rows: int = 60) -> bytes:
    lines = [member_line(f"SLOW{uuid.uuid4().hex[:8].upper()}") for _ in range(rows)]
    return (HEADER + "\n".join(lines) + "\n").encode()


@pytest.fixture(params=["aws", "embedded"])
def service(request: pytest.FixtureRequest, monkeypatch, simulator, tmp_path) -> Iterator[NotifyingService]:
    if request.param == "aws":
        with mock_aws(), aws_notifying(monkeypatch, simulator.base_url, AWS_ENV) as notifying:
            yield notifying
    else:
        with embedded_notifying(tmp_path / "data", simulator.base_url) as notifying:
            yield notifying


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


def settled_until(service: NotifyingService, condition, what: str) -> None:
    wait_until(condition, what, tick=service.api.settle)


def test_completed_failed_and_cancelled_jobs_each_notify_every_channel_once(service, receiver):
    # Given a webhook and an email address set up for the tenant
    api = service.api
    set_channels(api, receiver, ["billing@acme.example"])
    slow = slow_file()

    # When one job completes, one fails and one is cancelled
    completed = submit(api, GOOD, "march.csv")
    failed = submit(api, NOT_A_CLAIMS_FILE, "notes.csv")
    cancelled = submit(api, slow, "slow.csv")
    if isinstance(api, AwsJobApi):
        api.pipeline.step("split")
        api.pipeline.step("split")
        api.pipeline.step("split")  # split, and nothing looked up yet
    else:
        wait_for_state(api, cancelled, states=("SPLITTING", "PROCESSING"))
    assert api.call("POST", f"/jobs/{cancelled}/cancel").status == 202
    wait_for_state(api, failed)
    for job in (completed, cancelled):
        wait_for_results(api, job)
    settled_until(service, lambda: len(receiver.received) >= 3 and len(service.emails()) >= 3, "webhooks and emails")
    api.settle()

    # Then each ending came once per channel, signed, saying which job and how it ended
    hooks = receiver.received
    assert len(hooks) == 3 and all(hook.verified for hook in hooks)
    by_type = {hook.json()["type"]: hook.json()["data"] for hook in hooks}
    assert set(by_type) == {"job.completed", "job.failed", "job.cancelled"}
    assert by_type["job.completed"]["file_name"] == "march.csv"
    assert by_type["job.completed"]["counts"]["succeeded"] == 1
    base = AWS_API_URL if service.name == "aws" else api.base_url  # type: ignore[attr-defined]
    assert by_type["job.completed"]["links"]["job"].startswith(base + "/jobs/")
    assert by_type["job.failed"]["error"]
    assert by_type["job.cancelled"]["counts"]["cancelled"] > 0
    emails = service.emails()
    assert sorted(subject for _, subject, _ in emails) == [
        "claimbatch: march.csv COMPLETED",
        "claimbatch: notes.csv FAILED",
        "claimbatch: slow.csv CANCELLED",
    ]
    assert {to for to, _, _ in emails} == {"billing@acme.example"}
    # and no name, date of birth, subscriber id or claim number in any of them
    values = patient_values(GOOD, slow) | {"MARIA QUINTERO"}
    texts = [hook.body.decode() for hook in hooks] + [f"{subject}\n{text}" for _, subject, text in emails]
    assert_no_patient_data(values, texts)


def test_a_receiver_answering_503_twice_gets_the_same_message_three_times(service, receiver):
    set_channels(service.api, receiver, [])
    receiver.statuses = [503, 503]

    job = submit(service.api, GOOD)
    wait_for_results(service.api, job)
    settled_until(service, lambda: len(receiver.received) >= 3, "the third attempt")
    message_id = receiver.received[0].webhook_id
    settled_until(service, lambda: service.webhook_delivery(message_id, receiver.url).attempts == 3, "the record")

    assert [hook.status for hook in receiver.received] == [503, 503, 200]
    assert {hook.webhook_id for hook in receiver.received} == {message_id}
    assert all(hook.verified for hook in receiver.received)
    delivery = service.webhook_delivery(message_id, receiver.url)
    assert (delivery.state.value, delivery.attempts) == ("delivered", 3)


def test_410_stops_the_retries(service, receiver):
    set_channels(service.api, receiver, [])
    receiver.statuses = [410]

    job = submit(service.api, GOOD)
    wait_for_results(service.api, job)
    settled_until(service, lambda: receiver.received, "the first attempt")
    message_id = receiver.received[0].webhook_id
    settled_until(service, lambda: service.webhook_delivery(message_id, receiver.url) is not None, "the record")
    service.api.settle()

    delivery = service.webhook_delivery(message_id, receiver.url)
    assert (delivery.state.value, delivery.attempts, delivery.reason) == ("gave_up", 1, "answered 410")
    assert [hook.status for hook in receiver.received] == [410]


def test_the_test_route_reaches_every_channel(service, receiver):
    set_channels(service.api, receiver, ["billing@acme.example"])

    answer = service.api.call("POST", "/notifications/test")

    assert answer.status == 200 and all(result["delivered"] for result in answer.json()["results"])
    [hook] = receiver.received
    assert hook.verified and hook.json()["type"] == "test"
    assert [subject for _, subject, _ in service.emails()] == ["claimbatch: test notification"]
