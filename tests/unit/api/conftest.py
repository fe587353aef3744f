"""The job API's routes over fakes that record what they were asked: links, queues, a clock.
Jobs and uploads sit in a real SQLite store (the embedded runtime's) in a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from claimbatch.api.dependencies import JobApiDeps, JobApiSettings
from claimbatch.api.routes import build_job_api
from claimbatch.domain.job import Job, JobState, SourceObject, new_job
from claimbatch.ports.uploads import PresignedPost

from tests.support.job_api_harness import http_api_event
from tests.support.recording_queues import RecordingQueues
from testkit.lambda_context import FakeLambdaContext

T0 = datetime(2025, 8, 8, 17, 0, tzinfo=UTC)


class FakeLinks:
    def __init__(self) -> None:
        self.forms: list[tuple[str, int, datetime]] = []

    def upload_form(self, key: str, max_bytes: int, expires_at: datetime) -> PresignedPost:
        self.forms.append((key, max_bytes, expires_at))
        return PresignedPost(url="https://uploads.example/", fields={"key": key, "policy": "p", "signature": "s"})

    def download_url(self, bucket: str, key: str, filename: str, expires_at: datetime) -> str:
        return f"https://downloads.example/{bucket}/{key}?as={filename}&until={int(expires_at.timestamp())}"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class ApiUnderTest:
    def __init__(self, tmp_path: Path) -> None:
        self.store = SqliteJobStore(tmp_path / "jobs.db")
        self.objects = LocalObjectStore(tmp_path / "data")
        self.links = FakeLinks()
        self.queues = RecordingQueues()
        self.clock = Clock()
        self._ids = iter(f"up-{n:020x}" for n in range(1, 1000))
        self.deps = JobApiDeps(
            store=self.store,
            objects=self.objects,
            links=self.links,
            rows=self.queues,
            signals=self.queues,
            settings=JobApiSettings(upload_bucket=LOCAL_BUCKET, max_upload_bytes=1000, rows_per_message=2),
            clock=self.clock,
            upload_ids=lambda: next(self._ids),
        )
        self.app = build_job_api(self.deps)

    def configure(self, **settings: Any) -> None:
        """Rebuild the API with other settings."""
        self.deps.settings = replace(self.deps.settings, **settings)
        self.app = build_job_api(self.deps)

    def call(
        self,
        method: str,
        path: str,
        *,
        tenant: str | None = "acme",
        body: Any = None,
        params: dict[str, Any] | None = None,
        claims: dict[str, str] | None = None,
    ) -> Answer:
        claims = claims if claims is not None else (None if tenant is None else {"custom:tenant": tenant})
        event = http_api_event(method, path, claims=claims, body=body, params=params)
        result = self.app.resolve(event, FakeLambdaContext())
        return Answer(
            result["statusCode"],
            {k.lower(): v for k, v in (result.get("headers") or {}).items()},
            result.get("body") or "",
        )

    def add_job(self, key: str, state: JobState = JobState.PROCESSING, created_at: datetime | None = None) -> Job:
        job = new_job(SourceObject(bucket=LOCAL_BUCKET, key=key, version=key + str(created_at)))
        job = job.model_copy(update={"created_at": created_at or self.clock.now})
        assert self.store.create_job(job)
        if state is not JobState.RECEIVED:
            self.store.transition(job.job_id, [JobState.RECEIVED], state)
        return job


@pytest.fixture
def api(tmp_path: Path) -> Iterator[ApiUnderTest]:
    under_test = ApiUnderTest(tmp_path)
    yield under_test
    under_test.store.close()


def later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)
