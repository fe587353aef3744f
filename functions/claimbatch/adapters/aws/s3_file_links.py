"""FileLinks on S3: presigned POST forms for uploads, presigned GETs for downloads.

The POST policy pins everything a browser or curl could otherwise change: the
exact key (under the caller's inbox prefix), the size (content-length-range),
server-side encryption with the stack's KMS key, and a short expiry. S3 itself
enforces it; the job API never sees the file.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from claimbatch.domain.job import INBOX_PREFIX, utc_now
from claimbatch.ports.uploads import PresignedPost

SSE = "x-amz-server-side-encryption"
SSE_KEY = "x-amz-server-side-encryption-aws-kms-key-id"


def _seconds_until(expires_at: datetime) -> int:
    return max(1, math.ceil((expires_at - utc_now()).total_seconds()))


class S3FileLinks:
    """`client` must sign with Signature Version 4 (`Config(signature_version="s3v4")`):
    S3 refuses other signatures for objects encrypted with KMS."""

    def __init__(self, client: Any, bucket: str, kms_key_id: str) -> None:
        self._s3 = client
        self._bucket = bucket
        self._kms_key_id = kms_key_id

    def upload_form(self, key: str, max_bytes: int, expires_at: datetime) -> PresignedPost:
        fields = {SSE: "aws:kms", SSE_KEY: self._kms_key_id}
        conditions: list[Any] = [
            {"key": key},
            ["content-length-range", 1, max_bytes],
            {SSE: "aws:kms"},
            {SSE_KEY: self._kms_key_id},
        ]
        answer = self._s3.generate_presigned_post(
            Bucket=self._bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=_seconds_until(expires_at)
        )
        return PresignedPost(url=answer["url"], fields={name: str(value) for name, value in answer["fields"].items()})

    def origin(self) -> str:
        """Scheme and host of the forms and links handed out: the web page sends uploads and
        downloads there (its Content-Security-Policy and the bucket's CORS name it)."""
        url = self._s3.generate_presigned_post(Bucket=self._bucket, Key=INBOX_PREFIX, ExpiresIn=60)["url"]
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def download_url(self, bucket: str, key: str, filename: str, expires_at: datetime) -> str:
        return self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{_quoted(filename)}"',
                "ResponseContentType": "text/csv; charset=utf-8",
            },
            ExpiresIn=_seconds_until(expires_at),
        )


def _quoted(filename: str) -> str:
    return filename.replace("\\", "_").replace('"', "_")
