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


# -- https: the request goes to the checked address, TLS still checks the name ----------------


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on 127.0.0.1 with a certificate for hooks.localtest, from a test authority."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    authority, cert_pem, key_pem = _test_authority_and_certificate("hooks.localtest")
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append({name.lower(): value for name, value in self.headers.items()})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    trust = ssl.create_default_context(cadata=authority.decode())
    try:
        yield server.server_address[1], trust, seen
    finally:
        server.shutdown()
        server.server_close()


def _test_authority_and_certificate(name: str) -> tuple[bytes, bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def build(subject, issuer, key, signer, *, ca: bool, san: str | None):  # type: ignore[no-untyped-def]
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now.replace(year=now.year + 1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "claimbatch test authority")])
    ca = build("claimbatch test authority", ca_name, ca_key, ca_key, ca=True, san=None)
    leaf = build(name, ca_name, leaf_key, ca_key, ca=False, san=name)
    key_pem = leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ca.public_bytes(serialization.Encoding.PEM), leaf.public_bytes(serialization.Encoding.PEM), key_pem


def test_https_goes_to_the_checked_address_and_tls_verifies_the_name(tls_receiver):
    port, trust, seen = tls_receiver
    sender = HttpWebhookSender(local=True, resolve=fake_dns({"hooks.localtest": ["127.0.0.1"]}), verify=trust)

    report = sender.send(f"https://hooks.localtest:{port}/hooks", new_webhook_secret(), a_notification())

    assert report.status == 204
    assert seen[0]["host"] == f"hooks.localtest:{port}"


def test_https_to_a_name_the_certificate_does_not_name_fails(tls_receiver):
    port, trust, seen = tls_receiver
    sender = HttpWebhookSender(local=True, resolve=fake_dns({"other.localtest": ["127.0.0.1"]}), verify=trust)

    report = sender.send(f"https://other.localtest:{port}/hooks", new_webhook_secret(), a_notification())

    assert report.failure is SendFailure.CONNECTION
    assert seen == []


def test_a_file_name_with_a_line_break_still_makes_one_email_with_one_subject_line():
    job = new_job(SourceObject(bucket="b", key="inbox/march\nBcc: x@evil.example.csv", version="v1"))
    job = job.model_copy(update={"state": JobState.FAILED, "completed_at": datetime.now(UTC), "error": "empty file"})
    with smtp_receiver() as smtp:
        report = SmtpEmailSender(SmtpSettings(host="127.0.0.1", port=smtp.port)).send(
            "billing@example.test", job_notification(JobEvent.of(job), None)
        )
    assert report.failure is None
    [message] = smtp.messages
    assert message["Bcc"] is None and message["Subject"].endswith(" FAILED")
