"""ObjectStore on S3: streamed reads of a pinned version, multipart writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from claimbatch.adapters.aws.s3_events import is_version_id

READ_CHUNK = 1 << 20
PART_SIZE = 8 << 20  # S3 parts are at least 5 MiB, except the last


class S3ObjectStore:
    def __init__(self, client: Any, kms_key_id: str | None = None) -> None:
        self._s3 = client
        self._kms_key_id = kms_key_id

    def read_chunks(self, bucket: str, key: str, version: str | None) -> Iterator[bytes]:
        request: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version and is_version_id(version):
            request["VersionId"] = version
        body = self._s3.get_object(**request)["Body"]
        try:
            yield from body.iter_chunks(READ_CHUNK)
        finally:
            body.close()

    def _encryption(self) -> dict[str, str]:
        if self._kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self._kms_key_id}
        return {}

    def write_stream(self, bucket: str, key: str, chunks: Iterable[bytes], content_type: str) -> None:
        """One PutObject for small outputs; a multipart upload (aborted on error) for large ones."""
        buffer = bytearray()
        iterator = iter(chunks)
        for chunk in iterator:
            buffer += chunk
            if len(buffer) >= PART_SIZE:
                self._multipart(bucket, key, buffer, iterator, content_type)
                return
        self._s3.put_object(Bucket=bucket, Key=key, Body=bytes(buffer), ContentType=content_type, **self._encryption())

    def _multipart(
        self, bucket: str, key: str, first: bytearray, rest: Iterator[bytes], content_type: str
    ) -> None:
        upload_id = self._s3.create_multipart_upload(
            Bucket=bucket, Key=key, ContentType=content_type, **self._encryption()
        )["UploadId"]
        parts: list[dict[str, Any]] = []
        try:
            buffer = first
            for chunk in rest:
                buffer += chunk
                if len(buffer) >= PART_SIZE:
                    parts.append(self._upload_part(bucket, key, upload_id, len(parts) + 1, buffer))
                    buffer = bytearray()
            if buffer or not parts:
                parts.append(self._upload_part(bucket, key, upload_id, len(parts) + 1, buffer))
            self._s3.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self._s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
            raise

    def _upload_part(self, bucket: str, key: str, upload_id: str, number: int, data: bytearray) -> dict[str, Any]:
        answer = self._s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=bytes(data))
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def copy(self, bucket: str, source_key: str, target_key: str) -> None:
        """Server-side CopyObject (one call up to 5 GB; a results file of the 1,000,000-row limit is far below)."""
        self._s3.copy_object(
            Bucket=bucket, Key=target_key, CopySource={"Bucket": bucket, "Key": source_key}, **self._encryption()
        )

    def location(self, bucket: str, key: str) -> str:
        return f"s3://{bucket}/{key}"

