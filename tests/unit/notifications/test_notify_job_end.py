"""The notifier function's use case over fakes: each channel keeps its own attempts
and schedule, a message seen again sends nothing twice, and the wait until the
next due channel is what the queue message is deferred by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from claimbatch.domain.delivery_record import DeliveryState, DeliveryStep
from claimbatch.domain.job import JobState, SourceObject, new_job
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_messages import Notification
from claimbatch.domain.notification_settings import EmailChannel, NotificationSettings, WebhookChannel
from claimbatch.logic.deliver_notification import DeliveryContext, Senders
from claimbatch.logic.delivery_policy import RetrySchedule
from claimbatch.logic.notify_job_end import NotifierDeps, notify_job_end
from claimbatch.ports.notifications import SendReport

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class ScriptedSender:
    answers: list[SendReport] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    def check_url(self, url: str) -> None:
        pass

    def send(self, destination: str, *rest: object) -> SendReport:
        assert isinstance(rest[-1], Notification)
        self.sent.append(destination)
        return self.answers.pop(0) if self.answers else SendReport(status=200)


class Tables:
    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings
        self.records: dict[tuple[str, str], DeliveryStep] = {}

    def get_notification_settings(self, tenant: str) -> NotificationSettings:
        return self.settings if tenant == "acme" else NotificationSettings()

    def put_notification_settings(self, tenant: str, settings: NotificationSettings) -> None:
        raise AssertionError("the notifier never changes settings")

    def get_delivery(self, message_id: str, channel_id: str) -> DeliveryStep | None:
        return self.records.get((message_id, channel_id))

    def put_delivery(self, message_id: str, channel_id: str, step: DeliveryStep) -> None:
        self.records[(message_id, channel_id)] = step


class Clock:
    now = T0

    def __call__(self) -> datetime:
        return self.now


def channel_steps(deps: NotifierDeps, kind: str) -> list[DeliveryStep]:
    records = deps.records.records  # type: ignore[attr-defined]  # the Tables fake
    return [step for (_, channel), step in records.items() if channel.startswith(kind)]


def setup(webhook_answers: list[SendReport]):
    hook = WebhookChannel(url="https://hooks.acme.example/", secret="whsec_" + "A" * 32)
    tables = Tables(NotificationSettings(webhooks=[hook], emails=[EmailChannel(address="billing@acme.example")]))
    webhooks, email = ScriptedSender(webhook_answers), ScriptedSender()
    clock = Clock()
    schedule = RetrySchedule(delays=(timedelta(seconds=5), timedelta(minutes=5)))
    deps = NotifierDeps(tables, tables, DeliveryContext(Senders(webhooks, email), schedule), clock)
    job = new_job(SourceObject(bucket="b", key="inbox/acme/claims.csv", version="v1"))
    event = JobEvent.of(job.model_copy(update={"state": JobState.COMPLETED, "completed_at": T0}))
    return deps, event, webhooks, email, clock


def test_a_failing_webhook_is_retried_on_its_schedule_and_the_email_is_not_sent_twice():
    deps, event, webhooks, email, clock = setup([SendReport(status=503), SendReport(status=502)])

    assert notify_job_end(event, deps) == timedelta(seconds=5)
    assert notify_job_end(event, deps) == timedelta(seconds=5)  # back too early: nothing sent
    clock.now += timedelta(seconds=5)
    assert notify_job_end(event, deps) == timedelta(minutes=5)
    clock.now += timedelta(minutes=5)
    assert notify_job_end(event, deps) is None

    assert webhooks.sent == ["https://hooks.acme.example/"] * 3
    assert email.sent == ["billing@acme.example"]
    states = {channel: step.state for (_, channel), step in deps.records.records.items()}  # type: ignore[attr-defined]
    assert set(states.values()) == {DeliveryState.DELIVERED}


def test_a_message_seen_again_after_everything_is_done_sends_nothing():
    deps, event, webhooks, email, _ = setup([])
    assert notify_job_end(event, deps) is None
    assert notify_job_end(event, deps) is None
    assert (len(webhooks.sent), len(email.sent)) == (1, 1)


def test_a_schedule_run_out_gives_up():
    deps, event, webhooks, _, clock = setup([SendReport(status=503)] * 3)
    for _ in range(3):
        notify_job_end(event, deps)
        clock.now += timedelta(hours=1)
    assert notify_job_end(event, deps) is None
    assert len(webhooks.sent) == 3
    [step] = channel_steps(deps, "webhook")
    assert step.state is DeliveryState.GAVE_UP and "gave up after 3 attempts" in step.reason


class BrokenSender(ScriptedSender):
    def send(self, destination: str, *rest: object) -> SendReport:
        raise ValueError("a bug")


def test_a_sender_that_breaks_waits_for_its_retry_and_the_other_channels_still_go():
    deps, event, _, email, _ = setup([])
    deps.context.senders = Senders(BrokenSender(), email)

    wait = notify_job_end(event, deps)

    assert wait == timedelta(seconds=5)  # the webhook's next attempt, on the schedule: no tight loop
    assert email.sent == ["billing@acme.example"]
    [webhook] = channel_steps(deps, "webhook")
    assert (webhook.state, webhook.reason) == (DeliveryState.PENDING, "the sender failed (ValueError)")


def test_without_a_mail_service_an_email_channel_is_given_up_not_retried():
    deps, event, webhooks, _, _ = setup([])
    deps.context.senders = Senders(webhooks, None)

    assert notify_job_end(event, deps) is None
    [email] = channel_steps(deps, "email")
    assert (email.state, email.reason) == (DeliveryState.GAVE_UP, "no mail service is configured")
