"""The sweeper: no job stays unfinished. Jobs without progress past a deadline
are re-driven (split again: chunks already counted are dropped by the
workers, rows already answered are not looked up again); a job that still
makes no progress after a few re-drives is completed with its missing rows
failed and retryable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from claimbatch import defaults
from claimbatch.domain.job import JobState
from claimbatch.observability import logger
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.queues import StageSignals


@dataclass(frozen=True)
class SweepSettings:
    # Longer than a row's patience plus its last redelivery delay: a job riding out
    # an outage is waiting, not stuck.
    stall_after: timedelta = timedelta(seconds=defaults.STALL_AFTER_S)
    max_redrives: int = defaults.MAX_REDRIVES


@dataclass
class SweepReport:
    redriven: list[str] = field(default_factory=list)
    reaggregated: list[str] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)


def sweep_jobs(store: JobStore, signals: StageSignals, settings: SweepSettings, now: datetime) -> SweepReport:
    report = SweepReport()
    for job in store.list_active_jobs():
        last_progress = job.updated_at or job.created_at
        if now - last_progress < settings.stall_after:
            continue
        job_id = job.job_id
        if job.state is JobState.AGGREGATING:
            signals.request_aggregation(job_id)
            report.reaggregated.append(job_id)
        elif job.redrives >= settings.max_redrives and job.state is not JobState.RECEIVED:
            if store.force_aggregation(job_id):
                signals.request_aggregation(job_id)
                report.forced.append(job_id)
        elif store.reopen_split(job_id):
            signals.continue_split(job_id)
            report.redriven.append(job_id)
    if report.redriven or report.reaggregated or report.forced:
        logger.warning(
            "sweeper acted on stalled jobs",
            extra={"redriven": report.redriven, "reaggregated": report.reaggregated, "forced": report.forced},
        )
    return report
