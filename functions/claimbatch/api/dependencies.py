"""What the job API's routes need, wired differently per runtime (handlers/wiring.py
for Lambda, runtime/job_api_app.py for `claimbatch serve`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from claimbatch import defaults
from claimbatch.api.notification_deps import NotificationApiDeps
from claimbatch.domain.input_reader import InputLimits
from claimbatch.domain.job import utc_now
from claimbatch.ports.job_store import JobStore
from claimbatch.ports.object_store import ObjectStore
from claimbatch.ports.queues import RowQueue, StageSignals
from claimbatch.ports.uploads import FileLinks, UploadStore


class ApiJobStore(JobStore, UploadStore, Protocol):
    """Both stores keep jobs and uploads in one place (a DynamoDB table, a SQLite file)."""


def new_upload_id() -> str:
    return "up-" + secrets.token_hex(10)


@dataclass(frozen=True)
class JobApiSettings:
    upload_bucket: str
    max_upload_bytes: int = defaults.MAX_UPLOAD_BYTES
    upload_expires: timedelta = timedelta(seconds=defaults.UPLOAD_URL_EXPIRES_S)
    download_expires: timedelta = timedelta(seconds=defaults.DOWNLOAD_URL_EXPIRES_S)
    # After its form expired, an upload's file may still be on its way to becoming a job
    # (S3 event → queue → splitter; the inbox's settle time): wait this long before saying so.
    pickup_grace: timedelta = timedelta(minutes=15)
    rows_per_message: int = defaults.ROWS_PER_MESSAGE  # the splitter's: a retry re-sends chunks by their row ranges
    limits: InputLimits = field(default_factory=InputLimits)
    max_errors_bytes: int = 5 * 1024**2  # GET /jobs/{id}/errors answers inline (Lambda: 6 MB at most)
    page_size: int = 20  # jobs per page of GET /jobs when no limit is asked for


@dataclass
class JobApiDeps:
    store: ApiJobStore
    objects: ObjectStore
    links: FileLinks
    rows: RowQueue
    signals: StageSignals
    settings: JobApiSettings
    clock: Callable[[], datetime] = utc_now
    upload_ids: Callable[[], str] = new_upload_id
    notifications: NotificationApiDeps | None = None  # None: no /notifications routes
