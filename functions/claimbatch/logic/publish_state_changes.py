"""Every state change of a job, published for others (the stack's event bus).
Fed by the job table's change stream: an update that only moved counters is not
a state change and is not published."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from claimbatch.domain.job import Job, JobState
from claimbatch.domain.job_event import JobEvent
from claimbatch.observability import logger
from claimbatch.ports.notifications import JobEventBus


@dataclass(frozen=True)
class JobChange:
    before: JobState | None  # None: the job was just created
    after: Job


def state_changes(changes: Iterable[JobChange]) -> list[JobEvent]:
    return [JobEvent.of(change.after) for change in changes if change.before is not change.after.state]


def publish_state_changes(changes: Iterable[JobChange], bus: JobEventBus) -> int:
    events = state_changes(changes)
    if events:
        bus.publish(events)
        logger.info("job state changes published", extra={"events": len(events)})
    return len(events)
