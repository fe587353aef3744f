"""The summary JSON written beside every results file (docs/results-file.md), failed jobs included."""

from __future__ import annotations

import json

from claimbatch.domain.job import Job


def job_summary(job: Job, results_location: str | None) -> dict[str, object]:
    counts = job.counts
    return {
        "job_id": job.job_id,
        "source": {
            "bucket": job.source.bucket,
            "key": job.source.key,
            "version": job.source.version,
            "etag": job.source.etag,
        },
        "status": job.state.value,
        "counts": {
            "total": counts.total,
            "succeeded": counts.succeeded,
            "not_found": counts.not_found,
            "invalid": counts.invalid,
            "failed": counts.failed,
            "cancelled": counts.cancelled,
        },
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "completed_at": job.completed_at.isoformat() if job.completed_at else None,
        "results": results_location,
    }


def summary_json_bytes(job: Job, results_location: str | None) -> bytes:
    return (json.dumps(job_summary(job, results_location), indent=2) + "\n").encode()
