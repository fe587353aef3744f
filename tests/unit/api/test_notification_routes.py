"""GET/PUT /notifications and POST /notifications/test, tenant by tenant, over a
SQLite settings store and senders that record what they were asked to send."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from claimbatch.adapters.embedded.sqlite_notification_store import SqliteNotificationStore
from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.api.notification_deps import NotificationApiDeps
from claimbatch.api.routes import build_job_api, openapi_document
from claimbatch.domain.notification_messages import Notification
from claimbatch.domain.notification_settings import is_webhook_secret
from claimbatch.logic.deliver_notification import Senders
from claimbatch.ports.notifications import SendReport

from tests.unit.api.conftest import ApiUnderTest

DNS = {"hooks.acme.example": ["93.184.216.34"], "inside.acme.example": ["10.1.1.1"], "b.example": ["93.184.216.35"]}


def fake_dns(host: str, port: int) -> list[str]:
    if host not in DNS:
        raise OSError("no such name")
    return DNS[host]


GUARD = HttpWebhookSender(local=False, resolve=fake_dns)  # the real address rules, over the DNS above


@dataclass
class RecordingSender:
    status: int = 200
    sent: list[tuple[str, str]] = field(default_factory=list)  # (destination, message id)

    def check_url(self, url: str) -> None:
        GUARD.check_url(url)

    def send(self, destination: str, *args: object) -> SendReport:
        notification = args[-1]
        assert isinstance(notification, Notification)
        self.sent.append((destination, notification.message_id))
        return SendReport(status=self.status) if self.status else SendReport(detail="accepted")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[ApiUnderTest, RecordingSender, RecordingSender]]:
    under_test = ApiUnderTest(tmp_path)
    webhooks, emails = RecordingSender(), RecordingSender(status=0)
    store = SqliteNotificationStore(tmp_path / "jobs.db")
    senders = Senders(webhooks=webhooks, email=emails)
    under_test.deps.notifications = NotificationApiDeps(settings=store, senders=senders)
    under_test.app = build_job_api(under_test.deps)
    yield under_test, webhooks, emails
    store.close()
    under_test.store.close()


SETTINGS = {"webhooks": [{"url": "https://hooks.acme.example/claims"}], "emails": ["billing@acme.example"]}


def test_put_shows_each_new_secret_once_and_get_never(api):
    app, _, _ = api
    put = app.call("PUT", "/notifications", body=SETTINGS)
    assert put.status == 200, put.body
    [hook] = put.json()["webhooks"]
    assert is_webhook_secret(hook["secret"])
    assert put.json()["emails"] == ["billing@acme.example"]
    got = app.call("GET", "/notifications").json()
    assert got == {
        "webhooks": [{"url": "https://hooks.acme.example/claims", "secret": None}],
        "emails": ["billing@acme.example"],
    }
    more = {**SETTINGS, "webhooks": [*SETTINGS["webhooks"], {"url": "https://b.example/"}]}
    again = app.call("PUT", "/notifications", body=more)
    assert [hook["secret"] is None for hook in again.json()["webhooks"]] == [True, False]


def test_settings_belong_to_the_callers_tenant(api):
    app, _, _ = api
    app.call("PUT", "/notifications", body=SETTINGS)
    assert app.call("GET", "/notifications", tenant="beta").json() == {"webhooks": [], "emails": []}
    assert app.call("GET", "/notifications", tenant=None).status == 401


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("http://hooks.acme.example/", "must start with https://"),
        ("https://169.254.169.254/latest/meta-data/", "link-local or metadata"),
        ("https://10.0.0.1/", "private or reserved"),
        ("https://inside.acme.example/", "private or reserved"),
        ("https://nowhere.example/", "does not resolve"),
    ],
)
def test_a_refused_url_is_one_sentence_and_nothing_changes(api, url: str, sentence: str):
    app, _, _ = api
    answer = app.call("PUT", "/notifications", body={"webhooks": [{"url": url}]})
    assert answer.status == 400
    assert sentence in answer.json()["message"]
    assert app.call("GET", "/notifications").json()["webhooks"] == []


def test_bad_bodies_are_refused(api):
    app, _, _ = api
    assert app.call("PUT", "/notifications", body={"emails": ["not an address"]}).status == 422
    assert app.call("PUT", "/notifications", body={"webhooks": [{"url": "https://b.example/"}] * 11}).status == 422
    assert app.call("PUT", "/notifications", body={"hooks": []}).status == 422


def test_the_test_route_sends_a_test_message_to_every_channel(api):
    app, webhooks, emails = api
    assert app.call("POST", "/notifications/test").status == 409
    app.call("PUT", "/notifications", body=SETTINGS)
    answer = app.call("POST", "/notifications/test")
    assert answer.status == 200, answer.body
    body = answer.json()
    assert [result["delivered"] for result in body["results"]] == [True, True]
    assert webhooks.sent == [("https://hooks.acme.example/claims", body["message_id"])]
    assert emails.sent == [("billing@acme.example", body["message_id"])]


def test_a_failing_channel_is_reported_not_hidden(api):
    app, webhooks, _ = api
    app.call("PUT", "/notifications", body=SETTINGS)
    webhooks.status = 404
    results = app.call("POST", "/notifications/test").json()["results"]
    assert results[0] == {
        "channel": "webhook https://hooks.acme.example/claims",
        "delivered": False,
        "detail": "answered 404",
    }


def test_email_needs_a_mail_service(api):
    app, webhooks, _ = api
    app.deps.notifications.senders = Senders(webhooks=webhooks, email=None)
    answer = app.call("PUT", "/notifications", body=SETTINGS)
    assert answer.status == 409
    assert "mail server" in answer.json()["message"]


def test_the_routes_are_in_the_openapi_document(api):
    app, _, _ = api
    paths = openapi_document(app.app)["paths"]
    assert {"get", "put"} <= set(paths["/notifications"])
    assert "post" in paths["/notifications/test"]
