"""When a notification counts as delivered, when it is tried again, and when it
stops: one policy for the notifier Lambda and for `claimbatch serve`.

Retries follow the schedule Standard Webhooks suggests (5 s, 5 min, 30 min, 2 h,
5 h, 10 h, 10 h: about 27.5 hours in all) on timeouts, connection errors, 429 and
5xx. A redirect is not followed, and any other 4xx stops at once: the receiver
has said it will not take this message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from http import HTTPStatus

from claimbatch.domain.delivery_record import DeliveryState, DeliveryStep
from claimbatch.ports.notifications import SendFailure, SendReport

STANDARD_WEBHOOKS_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
RETRYABLE_FAILURES = frozenset({SendFailure.TIMEOUT, SendFailure.CONNECTION, SendFailure.TRANSIENT})


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GIVE_UP = "gave_up"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str


def judge(report: SendReport) -> Judgement:
    if report.failure is not None:
        verdict = Verdict.RETRY if report.failure in RETRYABLE_FAILURES else Verdict.GIVE_UP
        return Judgement(verdict, report.detail or report.failure.value)
    if report.status is None:  # a mail service that took the message
        return Judgement(Verdict.DELIVERED, report.detail or "sent")
    status = report.status
    if 200 <= status < 300:
        return Judgement(Verdict.DELIVERED, f"answered {status}")
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= 500:
        return Judgement(Verdict.RETRY, f"answered {status}")
    if 300 <= status < 400:
        return Judgement(Verdict.GIVE_UP, f"answered {status}: redirects are not followed")
    return Judgement(Verdict.GIVE_UP, f"answered {status}")


@dataclass(frozen=True)
class RetrySchedule:
    """delays[n-1] is the wait after the n-th failed attempt; past the last one it stops."""

    delays: tuple[timedelta, ...] = STANDARD_WEBHOOKS_DELAYS

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, attempts: int) -> timedelta | None:
        return self.delays[attempts - 1] if 1 <= attempts <= len(self.delays) else None

    @property
    def longest(self) -> timedelta:
        return max(self.delays, default=timedelta(0))


def after_attempt(judgement: Judgement, attempts: int, schedule: RetrySchedule, now: datetime) -> DeliveryStep:
    """`attempts`: how many have been made, this one included."""
    if judgement.verdict is Verdict.DELIVERED:
        return DeliveryStep(DeliveryState.DELIVERED, attempts, None, judgement.reason)
    delay = schedule.delay_after(attempts) if judgement.verdict is Verdict.RETRY else None
    if delay is None:
        reason = judgement.reason
        if judgement.verdict is Verdict.RETRY:
            reason = f"{reason}; gave up after {attempts} attempts"
        return DeliveryStep(DeliveryState.GAVE_UP, attempts, None, reason)
    return DeliveryStep(DeliveryState.PENDING, attempts, now + delay, judgement.reason)
