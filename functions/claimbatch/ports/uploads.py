"""Uploads handed out by the job API, and the signed links of each runtime.

A job exists only once its file has landed (its id is a hash of the object
version), so `POST /jobs` records an *upload*: the key the file must be put
at, for whom, and until when. `GET /jobs/{id}` resolves an upload id to the job
its file became.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel


class UploadRecord(BaseModel):
    upload_id: str
    tenant: str
    key: str  # inbox/<tenant>/<upload_id>/<filename>, fixed by the signed form
    filename: str
    created_at: datetime
    expires_at: datetime  # the form's expiry; the file may still be picked up a little later
    job_id: str | None = None  # set once the job made from the file has been found


class UploadStore(Protocol):
    def put_upload(self, upload: UploadRecord) -> None: ...

    def get_upload(self, upload_id: str) -> UploadRecord | None: ...

    def link_upload(self, upload_id: str, job_id: str) -> None:
        """Remember the job the upload's file became (so later look-ups are one read)."""
        ...


@dataclass(frozen=True)
class PresignedPost:
    """An HTML-form upload: POST multipart/form-data to `url` with `fields`, then the file as `file`, last."""

    url: str
    fields: dict[str, str]


class FileLinks(Protocol):
    """What differs per runtime in handing files over HTTP: S3 presigned requests, or
    HMAC-signed URLs served by the local API server."""

    def upload_form(self, key: str, max_bytes: int, expires_at: datetime) -> PresignedPost:
        """A form that can put exactly `key` (1..max_bytes bytes) until `expires_at`."""
        ...

    def download_url(self, bucket: str, key: str, filename: str, expires_at: datetime) -> str:
        """A URL that downloads `key` as `filename` until `expires_at`."""
        ...
