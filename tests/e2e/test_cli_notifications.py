"""Notifications through the real command line: `claimbatch serve --port` with
channels set by PUT /notifications, and `claimbatch run --notify-…`. The webhook
receiver verifies signatures with the `standardwebhooks` library; the email goes
to an SMTP server (aiosmtpd) named by CLAIMBATCH_SMTP_HOST/_PORT/_FROM."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from claimbatch.domain.notification_settings import new_webhook_secret
from tests.e2e.cli_support import EXAMPLE_FILE, ServeProcess, assert_no_phi, claimbatch, cli_env, phi_values, wait_until
from tests.support.notification_checks import assert_no_patient_data, notification_texts, patient_values
from tests.support.smtp_receiver import SmtpReceiver, smtp_receiver
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver

FAST = ("--concurrency", "4")


def _base_url(serve: ServeProcess) -> str:
    found = wait_until(lambda: re.search(r"job API at (http://\S+) ", serve.stdout), 30, "the job API")
    return found.group(1)


def _set_channels(serve: ServeProcess, receiver: WebhookReceiver) -> None:
    body = {"webhooks": [{"url": receiver.url}], "emails": ["billing@acme.example"]}
    answer = httpx.put(f"{_base_url(serve)}/notifications", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    receiver.secret = answer.json()["webhooks"][0]["secret"]


def _serve(data: Path, smtp: SmtpReceiver, log_name: str = "serve") -> ServeProcess:
    return ServeProcess(data, "--port", "0", *FAST, log_name=log_name, env=cli_env(**smtp.env()))


def test_a_file_dropped_into_serves_inbox_brings_a_signed_webhook_and_an_email(tmp_path):
    data = tmp_path / "data"
    with webhook_receiver() as receiver, smtp_receiver() as smtp, _serve(data, smtp) as serve:
        # Given a loopback receiver and an email address set through the job API
        _set_channels(serve, receiver)

        # When a file is dropped into the inbox
        (data / "inbox" / "claims.csv").write_bytes(EXAMPLE_FILE.read_bytes())

        # Then a verified job.completed webhook and an email arrive within seconds
        wait_until(lambda: receiver.verified() and smtp.messages, 30, "the webhook and the email")
        [hook] = receiver.verified()
        assert hook.json()["type"] == "job.completed"
        assert hook.json()["data"]["counts"]["total"] == 50
        assert smtp.messages[0]["Subject"] == "claimbatch: claims.csv COMPLETED"
        output = serve.output
    phi = phi_values(EXAMPLE_FILE)
    texts = notification_texts(receiver.received, smtp.messages)
    assert_no_patient_data(patient_values(EXAMPLE_FILE.read_bytes()), texts)
    assert_no_phi(output, phi, "serve's output")
    assert_no_phi((data / "claimbatch.log").read_text(), phi, "claimbatch.log")


def test_a_restart_of_serve_mid_retry_still_delivers_the_same_message(tmp_path):
    data = tmp_path / "data"
    with webhook_receiver() as receiver, smtp_receiver() as smtp:
        receiver.statuses = [503]
        with _serve(data, smtp) as serve:
            _set_channels(serve, receiver)
            (data / "inbox" / "claims.csv").write_bytes(EXAMPLE_FILE.read_bytes())
            wait_until(lambda: receiver.received, 30, "the first attempt")
            serve.kill()  # the retry (due 5 s after the first attempt) is only in the database
        assert [hook.status for hook in receiver.received] == [503]

        with _serve(data, smtp, log_name="serve2"):
            wait_until(lambda: len(receiver.received) >= 2, 30, "the retry after the restart")

    first, second = receiver.received[:2]
    assert (first.status, second.status) == (503, 200)
    assert first.webhook_id == second.webhook_id and second.verified


def test_run_tells_a_webhook_and_an_email_when_its_job_ends(tmp_path):
    secret = new_webhook_secret()
    with webhook_receiver(secret) as receiver, smtp_receiver() as smtp:
        done = claimbatch(
            "run", EXAMPLE_FILE, "--data-dir", tmp_path / "data", "--notify-url", receiver.url,
            "--notify-secret", secret, "--notify-email", "ops@acme.example",
            env=cli_env(**smtp.env()),
        )  # fmt: skip
    assert done.code == 0, done.output
    assert "notifications: 2 delivered, 0 refused, 0 pending" in done.stdout
    [hook] = receiver.verified()
    assert hook.json()["type"] == "job.completed"
    assert smtp.messages[0]["To"] == "ops@acme.example"


def test_run_refuses_unusable_notify_options_in_one_sentence(tmp_path):
    data = ("--data-dir", tmp_path / "data")
    cases = [
        (("--notify-url", "http://10.0.0.1/hooks", "--notify-secret", new_webhook_secret()), "private or reserved"),
        (("--notify-url", "http://169.254.169.254/", "--notify-secret", new_webhook_secret()), "metadata"),
        (("--notify-url", "http://127.0.0.1:9/hooks"), "needs --notify-secret"),
        (("--notify-url", "http://127.0.0.1:9/", "--notify-secret", "hunter2"), "whsec_"),
        (("--notify-email", "ops@acme.example"), "CLAIMBATCH_SMTP_HOST"),
    ]
    for options, sentence in cases:
        done = claimbatch("run", EXAMPLE_FILE, *data, *options)
        assert done.code == 2, done.output
        assert sentence in done.stderr and "Traceback" not in done.output
        assert len(done.stderr.strip().splitlines()) == 1
