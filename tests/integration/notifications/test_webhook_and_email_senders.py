"""The senders against real servers on loopback: an HTTP receiver that verifies
signatures with the `standardwebhooks` library, and an SMTP server (aiosmtpd).
DNS is answered by the test: no real network."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.adapters.notify.smtp_email_sender import SmtpEmailSender, SmtpSettings
from claimbatch.domain.job import JobCounts, JobState, SourceObject, new_job
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_messages import job_notification
from claimbatch.domain.notification_settings import new_webhook_secret
from claimbatch.domain.webhook_address_rules import WebhookUrlRefused
from claimbatch.ports.notifications import SendFailure
from tests.support.smtp_receiver import bodies, smtp_receiver
from tests.support.webhook_receiver import webhook_receiver


def a_notification():
    job = new_job(SourceObject(bucket="b", key="inbox/claims.csv", version="v1"))
    job = job.model_copy(
        update={"state": JobState.COMPLETED, "completed_at": datetime.now(UTC), "counts": JobCounts(total=1, done=1)}
    )
    return job_notification(JobEvent.of(job), "http://127.0.0.1:1")


def fake_dns(answers: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such name")
        return answers[host]

    return resolve


def test_a_webhook_arrives_signed_and_verifies_with_standardwebhooks():
    secret = new_webhook_secret()
    notification = a_notification()
    with webhook_receiver(secret) as receiver:
        report = HttpWebhookSender(local=True).send(receiver.url, secret, notification)
    assert report.status == 200
    [hook] = receiver.received
    assert hook.verified
    assert hook.webhook_id == notification.message_id
    assert hook.json()["type"] == "job.completed"


def test_a_name_is_sent_to_the_address_it_resolved_to_with_its_own_host_header():
    secret = new_webhook_secret()
    with webhook_receiver(secret) as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        sender = HttpWebhookSender(local=True, resolve=fake_dns({"hooks.localtest": ["127.0.0.1"]}))
        report = sender.send(f"http://hooks.localtest:{port}/hooks", secret, a_notification())
    assert report.status == 200
    assert receiver.received[0].headers["host"] == f"hooks.localtest:{port}"
    assert receiver.received[0].verified


@pytest.mark.parametrize(
    ("url", "dns"),
    [
        ("http://169.254.169.254/latest/meta-data/", {}),
        ("http://10.0.0.1/", {}),
        ("https://hooks.example.com/", {"hooks.example.com": ["10.20.30.40"]}),
        ("http://rebound.localtest/", {"rebound.localtest": ["127.0.0.1", "192.168.0.1"]}),
    ],
)
def test_the_guard_refuses_before_any_connection(url: str, dns: dict[str, list[str]]):
    sender = HttpWebhookSender(local=True, resolve=fake_dns(dns))
    report = sender.send(url, new_webhook_secret(), a_notification())
    assert report.failure is SendFailure.REFUSED_ADDRESS
    with pytest.raises(WebhookUrlRefused):
        sender.check_url(url)


def test_in_aws_loopback_is_refused_too():
    report = HttpWebhookSender(local=False).send("https://127.0.0.1/", new_webhook_secret(), a_notification())
    assert report.failure is SendFailure.REFUSED_ADDRESS


def test_a_redirect_to_a_private_address_is_not_followed():
    secret = new_webhook_secret()
    with webhook_receiver(secret) as receiver:
        receiver.redirect_to = "http://10.0.0.1/steal"
        report = HttpWebhookSender(local=True).send(receiver.url, secret, a_notification())
    assert report.status == 302
    assert len(receiver.received) == 1  # nothing else was asked for


def test_a_closed_port_is_a_connection_failure():
    report = HttpWebhookSender(local=True).send("http://127.0.0.1:9/hooks", new_webhook_secret(), a_notification())
    assert report.failure is SendFailure.CONNECTION


def test_a_name_that_does_not_resolve_is_a_connection_failure():
    sender = HttpWebhookSender(local=True, resolve=fake_dns({}))
    report = sender.send("https://nowhere.example/", new_webhook_secret(), a_notification())
    assert report.failure is SendFailure.CONNECTION


def test_an_email_arrives_as_text_and_html_with_the_file_name_and_state_in_the_subject():
    notification = a_notification()
    with smtp_receiver() as smtp:
        sender = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=smtp.port, sender="claimbatch@example.test"))
        report = sender.send("billing@example.test", notification)
    assert report.failure is None
    [message] = smtp.messages
    assert message["Subject"] == "claimbatch: claims.csv COMPLETED"
    assert message["To"] == "billing@example.test"
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}
    assert "is COMPLETED" in bodies(message)


def test_a_mail_server_saying_try_later_is_transient_and_a_refusal_is_permanent():
    with smtp_receiver() as smtp:
        sender = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=smtp.port))
        smtp.inbox.refuse_with = "451 try again later"
        assert sender.send("a@example.test", a_notification()).failure is SendFailure.TRANSIENT
        smtp.inbox.refuse_with = "554 no"
        assert sender.send("a@example.test", a_notification()).failure is SendFailure.PERMANENT


def test_no_mail_server_is_a_connection_failure():
    sender = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=9, timeout_s=2))
    assert sender.send("a@example.test", a_notification()).failure is SendFailure.CONNECTION
