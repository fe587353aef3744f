"""One way to run a file through either runtime, so that a domain test can be
parametrised over the runtime instead of copied."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.claims.settings import ClaimsApiSettings, RetryBudget
from claimbatch.domain.job import INBOX_PREFIX, JobCounts, JobState
from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings
from testkit.aws_pipeline import AwsPipeline


@dataclass
class FinishedJob:
    state: JobState
    error: str | None
    counts: JobCounts
    results: str | None  # the results file's text, None when none was written

    @property
    def lines(self) -> list[list[str]]:
        assert self.results is not None, "no results file"
        import csv

        return list(csv.reader(self.results.splitlines()[1:]))


class FileRunner(Protocol):
    def run(self, data: bytes, name: str = "claims.csv") -> FinishedJob: ...


class AwsRunner:
    def __init__(self, pipeline: AwsPipeline) -> None:
        self._pipeline = pipeline

    def run(self, data: bytes, name: str = "claims.csv") -> FinishedJob:
        job_id = self._pipeline.drop(f"{INBOX_PREFIX}{uuid.uuid4().hex[:8]}/{name}", data)
        self._pipeline.run_until_idle()
        job = self._pipeline.job(job_id)
        results = self._pipeline.results_text(job_id) if job.state is JobState.COMPLETED else None
        return FinishedJob(job.state, job.error, job.counts, results)


def simulator_client_settings(base_url: str) -> ClaimsApiSettings:
    return ClaimsApiSettings(
        base_url=base_url,
        client_id="demo-client",
        client_secret="demo-secret",
        provider_tin="123456789",
        retry=RetryBudget(max_attempts=3, base_delay_s=0.001),
    )


class EmbeddedRunner:
    def __init__(self, data_dir: Path, claims_api_url: str, rows_per_message: int = 10, **settings: object) -> None:
        defaults: dict[str, object] = {"concurrency": 8, "max_deliveries": 3, "redelivery_base_s": 0.001}
        self._settings = EmbeddedSettings(
            data_dir=data_dir, rows_per_message=rows_per_message, **{**defaults, **settings}  # type: ignore[arg-type]
        )
        self._api_url = claims_api_url

    def run(self, data: bytes, name: str = "claims.csv") -> FinishedJob:
        return asyncio.run(self._run(data, name))

    async def _run(self, data: bytes, name: str) -> FinishedJob:
        runtime = EmbeddedRuntime(self._settings, OptumClaimsClient(simulator_client_settings(self._api_url)))
        key = f"{INBOX_PREFIX}{uuid.uuid4().hex[:8]}/{name}"
        path = runtime.objects.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        job = runtime.create_job(key, version=uuid.uuid4().hex, size=len(data))
        assert job is not None
        async with runtime:
            job = await asyncio.wait_for(runtime.run_job(job.job_id), timeout=120)
        results_path = runtime.objects.path_of(job.results_key)
        results = results_path.read_text(encoding="utf-8") if job.state is JobState.COMPLETED else None
        return FinishedJob(job.state, job.error, job.counts, results)
