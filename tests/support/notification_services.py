"""The job API of either runtime with notifications switched on, a real webhook
receiver and a mailbox: `claimbatch serve`'s pieces (SMTP to aiosmtpd), or the
Lambda handlers on moto (the notifier function fed by its queue; SES on moto).

Both reach the loopback receiver: the AWS address rules (https, public
addresses) are tested on their own, here the notifier uses the local ones. The
retry schedule is a short one, so a test never waits for Standard Webhooks' day.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import boto3
from claimbatch.adapters.aws.dynamodb_notification_store import DynamoNotificationStore
from claimbatch.adapters.aws.ses_email_sender import SesEmailSender
from claimbatch.adapters.embedded.sqlite_notification_store import SqliteNotificationStore
from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.adapters.notify.smtp_email_sender import SmtpEmailSender, SmtpSettings
from claimbatch.domain.delivery_record import DeliveryState
from claimbatch.domain.notification_settings import WebhookChannel
from claimbatch.handlers import notification_wiring, notifier, wiring
from claimbatch.logic.deliver_notification import Senders
from claimbatch.logic.delivery_policy import RetrySchedule
from claimbatch.runtime.local_notifier import LocalNotifier, LocalNotifierSettings
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tests.support.job_api_harness import JobApi, aws_job_api, embedded_job_api
from tests.support.smtp_receiver import bodies, smtp_receiver
from tests.support.webhook_receiver import WebhookReceiver

QUICK = RetrySchedule(delays=(timedelta(0),) * 3)  # three retries, each due at once
SES_SENDER = "claimbatch@acme.example"
AWS_API_URL = "https://api.claimbatch.example"


@dataclass(frozen=True)
class Delivery:
    state: DeliveryState
    attempts: int
    reason: str


class NotifyingService(Protocol):
    name: str
    api: JobApi

    def emails(self) -> list[tuple[str, str, str]]:
        """(to, subject, every text part) of each email sent."""
        ...

    def webhook_delivery(self, message_id: str, url: str) -> Delivery | None: ...


def webhook_channel_id(url: str) -> str:
    return WebhookChannel(url=url, secret="whsec_x").channel_id


class EmbeddedNotifying:
    name = "embedded"

    def __init__(self, api: JobApi, data_dir: Path, smtp: Any) -> None:
        self.api, self._data_dir, self._smtp = api, data_dir, smtp

    def emails(self) -> list[tuple[str, str, str]]:
        return [(m["To"], m["Subject"], bodies(m)) for m in self._smtp.messages]

    def webhook_delivery(self, message_id: str, url: str) -> Delivery | None:
        store = SqliteNotificationStore(self._data_dir / "claimbatch.db")
        try:
            records = [r for r in store.deliveries(message_id) if r.channel_id == webhook_channel_id(url)]
        finally:
            store.close()
        return Delivery(records[0].state, records[0].attempts, records[0].reason) if records else None


class AwsNotifying:
    name = "aws"

    def __init__(self, api: JobApi) -> None:
        self.api = api

    def emails(self) -> list[tuple[str, str, str]]:
        sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        return [(", ".join(m.destinations.get("ToAddresses", [])), m.subject, m.body) for m in sent]

    def webhook_delivery(self, message_id: str, url: str) -> Delivery | None:
        step = DynamoNotificationStore("claimbatch-jobs", boto3.client("dynamodb")).get_delivery(
            message_id, webhook_channel_id(url)
        )
        return Delivery(step.state, step.attempts, step.reason) if step else None


def _loopback_senders(email_sender: str | None) -> Senders:
    email = SesEmailSender(boto3.client("sesv2"), email_sender) if email_sender else None
    return Senders(webhooks=HttpWebhookSender(local=True), email=email)


@contextmanager
def aws_notifying(monkeypatch: Any, claims_api_url: str, env: dict[str, str]) -> Iterator[AwsNotifying]:
    """Inside mock_aws(): the job API and pipeline of aws_job_api, plus the notify queue and notifier."""
    api = aws_job_api(monkeypatch, claims_api_url, env)
    pipeline = api.pipeline
    queue_url = pipeline.sqs.create_queue(QueueName="claimbatch-notify")["QueueUrl"]
    pipeline.queues["notify"] = queue_url
    pipeline.invocations["notify"] = 0
    pipeline.handlers["notify"] = notifier.handler
    for name, value in {"NOTIFY_QUEUE_URL": queue_url, "NOTIFY_EMAIL_SENDER": SES_SENDER, "JOB_API_URL": AWS_API_URL}.items():
        monkeypatch.setenv(name, value)
    boto3.client("sesv2").create_email_identity(EmailIdentity=SES_SENDER)
    monkeypatch.setattr(notification_wiring, "aws_senders", _loopback_senders)
    wiring.reset()
    notification_wiring.notifier_deps().context.schedule = QUICK
    yield AwsNotifying(api)


@contextmanager
def embedded_notifying(data_dir: Path, claims_api_url: str) -> Iterator[EmbeddedNotifying]:
    with smtp_receiver() as smtp:

        def make(db_path: Path) -> LocalNotifier:
            senders = Senders(
                webhooks=HttpWebhookSender(local=True),
                email=SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=smtp.port, sender=SES_SENDER)),
            )
            return LocalNotifier.open(db_path, senders, LocalNotifierSettings(schedule=QUICK, poll_s=0.05))

        with embedded_job_api(data_dir, claims_api_url, concurrency=2, notifier=make) as api:
            yield EmbeddedNotifying(api, data_dir, smtp)


def set_channels(api: JobApi, receiver: WebhookReceiver, emails: list[str]) -> None:
    answer = api.call("PUT", "/notifications", body={"webhooks": [{"url": receiver.url}], "emails": emails})
    assert answer.status == 200, answer.text
    receiver.secret = answer.json()["webhooks"][0]["secret"]
