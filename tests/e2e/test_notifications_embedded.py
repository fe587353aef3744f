"""Job-end notifications of `claimbatch serve`, end to end: the job API sets the
channels, jobs run through the embedded runtime, a real HTTP receiver verifies
every webhook with the `standardwebhooks` library and a real SMTP server takes
the emails. Retries run on a short schedule instead of Standard Webhooks' day."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from claimbatch.adapters.embedded.sqlite_notification_store import DeliveryRecord, SqliteNotificationStore
from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.adapters.notify.smtp_email_sender import SmtpEmailSender, SmtpSettings
from claimbatch.logic.deliver_notification import Senders
from claimbatch.logic.delivery_policy import DeliveryState, RetrySchedule
from claimbatch.runtime.local_notifier import LocalNotifier, LocalNotifierSettings

from tests.support.job_api_harness import EmbeddedJobApi, embedded_job_api, submit, wait_for_results, wait_for_state
from tests.support.notification_checks import assert_no_patient_data, patient_values, wait_until
from tests.support.smtp_receiver import SmtpReceiver, smtp_receiver
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
GOOD = (HEADER + "ZE59426195,CHANTAL,KISA,05/10/1975,057896633\nINVALID123,JOHN,DOE,01/01/1980,123456789\n").encode()
NOT_A_CLAIMS_FILE = b"patient,visit\nMARIA QUINTERO,2024-01-01\n"
QUICK = RetrySchedule(delays=(timedelta(seconds=0.05),) * 3)


def slow_file(rows: int = 60) -> bytes:
    lines = [f"SLOW{uuid.uuid4().hex[:8].upper()},ANA,LIMA,01/02/1975,{40000 + n}" for n in range(rows)]
    return (HEADER + "\n".join(lines) + "\n").encode()


class Served:
    def __init__(self, api: EmbeddedJobApi, receiver: WebhookReceiver, smtp: SmtpReceiver, data_dir: Path) -> None:
        self.api, self.receiver, self.smtp, self.data_dir = api, receiver, smtp, data_dir

    def set_channels(self) -> None:
        channels = {"webhooks": [{"url": self.receiver.url}], "emails": ["billing@acme.example"]}
        answer = self.api.call("PUT", "/notifications", body=channels)
        assert answer.status == 200, answer.text
        self.receiver.secret = answer.json()["webhooks"][0]["secret"]

    def webhook_delivery(self) -> DeliveryRecord:
        [webhook] = [record for record in self.deliveries() if record.channel_id.startswith("webhook")]
        return webhook

    def deliveries(self) -> list[DeliveryRecord]:
        store = SqliteNotificationStore(self.data_dir / "claimbatch.db")
        try:
            return store.deliveries()
        finally:
            store.close()


def notifier_factory(smtp: SmtpReceiver):
    def make(db_path: Path) -> LocalNotifier:
        senders = Senders(
            webhooks=HttpWebhookSender(local=True),
            email=SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=smtp.port, sender="claimbatch@example.test")),
        )
        return LocalNotifier.open(db_path, senders, LocalNotifierSettings(schedule=QUICK, poll_s=0.05))

    return make


@pytest.fixture
def served(simulator, tmp_path) -> Iterator[Served]:
    data_dir = tmp_path / "data"
    with webhook_receiver() as receiver, smtp_receiver() as smtp:
        with embedded_job_api(data_dir, simulator.base_url, concurrency=2, notifier=notifier_factory(smtp)) as api:
            yield Served(api, receiver, smtp, data_dir)


def test_completed_failed_and_cancelled_jobs_each_notify_every_channel_once(served: Served):
    # Given a webhook and an email address set up for the tenant
    served.set_channels()
    slow = slow_file()

    # When one job completes, one fails and one is cancelled
    completed = submit(served.api, GOOD, "march.csv")
    failed = submit(served.api, NOT_A_CLAIMS_FILE, "notes.csv")
    cancelled = submit(served.api, slow, "slow.csv")
    wait_for_state(served.api, cancelled, states=("SPLITTING", "PROCESSING"))
    assert served.api.call("POST", f"/jobs/{cancelled}/cancel").status == 202
    wait_for_state(served.api, failed)
    for job in (completed, cancelled):
        wait_for_results(served.api, job)
    wait_until(lambda: len(served.receiver.received) >= 3 and len(served.smtp.messages) >= 3, "webhooks and emails")
    wait_until(lambda: all(d.state is DeliveryState.DELIVERED for d in served.deliveries()), "every delivery done")

    # Then each ending came once per channel, signed, saying which job and how it ended
    hooks = served.receiver.received
    assert len(hooks) == 3 and all(hook.verified for hook in hooks)
    by_type = {hook.json()["type"]: hook.json()["data"] for hook in hooks}
    assert set(by_type) == {"job.completed", "job.failed", "job.cancelled"}
    assert by_type["job.completed"]["file_name"] == "march.csv"
    assert by_type["job.completed"]["counts"]["succeeded"] == 1
    assert by_type["job.completed"]["links"]["job"].startswith(served.api.base_url + "/jobs/")
    assert by_type["job.failed"]["error"]
    assert by_type["job.cancelled"]["counts"]["cancelled"] > 0
    subjects = sorted(message["Subject"] for message in served.smtp.messages)
    assert subjects == [
        "claimbatch: march.csv COMPLETED",
        "claimbatch: notes.csv FAILED",
        "claimbatch: slow.csv CANCELLED",
    ]
    assert len(served.deliveries()) == 6
    # and no name, date of birth, subscriber id or claim number in any of them
    assert_no_patient_data(patient_values(GOOD, slow) | {"MARIA QUINTERO"}, hooks, served.smtp.messages)


def test_a_receiver_answering_503_twice_gets_the_same_message_three_times(served: Served):
    served.set_channels()
    served.receiver.statuses = [503, 503]

    job = submit(served.api, GOOD)
    wait_for_results(served.api, job)
    wait_until(lambda: len(served.receiver.received) >= 3, "the third attempt")
    wait_until(lambda: served.webhook_delivery().state is DeliveryState.DELIVERED, "the delivery")

    hooks = served.receiver.received
    assert [hook.status for hook in hooks] == [503, 503, 200]
    assert len({hook.webhook_id for hook in hooks}) == 1
    assert all(hook.verified for hook in hooks)
    assert served.webhook_delivery().attempts == 3


def test_410_stops_the_retries(served: Served):
    served.set_channels()
    served.receiver.statuses = [410]

    job = submit(served.api, GOOD)
    wait_for_results(served.api, job)
    wait_until(lambda: served.webhook_delivery().state is DeliveryState.GAVE_UP, "the delivery to stop")

    webhook = served.webhook_delivery()
    assert (webhook.state, webhook.attempts, webhook.reason) == (DeliveryState.GAVE_UP, 1, "answered 410")
    assert [hook.status for hook in served.receiver.received] == [410]


def test_the_test_route_reaches_the_receiver_and_the_mailbox(served: Served):
    served.set_channels()
    answer = served.api.call("POST", "/notifications/test")
    assert answer.status == 200 and all(result["delivered"] for result in answer.json()["results"])
    [hook] = served.receiver.received
    assert hook.verified and hook.json()["type"] == "test"
    assert served.smtp.messages[0]["Subject"] == "claimbatch: test notification"
