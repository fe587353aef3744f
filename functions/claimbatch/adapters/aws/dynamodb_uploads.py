"""UploadStore on the job table: an upload item per form handed out, expiring by TTL."""

from __future__ import annotations

from datetime import datetime

from claimbatch.adapters.aws.dynamodb_items import (
    TTL_ATTRIBUTE,
    UPLOAD_RECORD_KEPT,
    DynamoTable,
    from_item,
    to_item,
)
from claimbatch.ports.uploads import UploadRecord


class DynamoUploads(DynamoTable):
    """The job API's upload records."""

    def put_upload(self, upload: UploadRecord) -> None:
        item = {
            "pk": f"UPLOAD#{upload.upload_id}",
            "sk": "UPLOAD",
            "upload_id": upload.upload_id,
            "tenant": upload.tenant,
            "key": upload.key,
            "filename": upload.filename,
            "created_at": upload.created_at.isoformat(),
            "form_expires_at": upload.expires_at.isoformat(),
            "job_id": upload.job_id,
            TTL_ATTRIBUTE: int((upload.expires_at + UPLOAD_RECORD_KEPT).timestamp()),
        }
        self._ddb.put_item(TableName=self._table, Item=to_item(item))

    def get_upload(self, upload_id: str) -> UploadRecord | None:
        answer = self._ddb.get_item(
            TableName=self._table, Key=to_item({"pk": f"UPLOAD#{upload_id}", "sk": "UPLOAD"}), ConsistentRead=True
        )
        if "Item" not in answer:
            return None
        item = from_item(answer["Item"])
        return UploadRecord(
            upload_id=item["upload_id"],
            tenant=item["tenant"],
            key=item["key"],
            filename=item["filename"],
            created_at=datetime.fromisoformat(item["created_at"]),
            expires_at=datetime.fromisoformat(item["form_expires_at"]),
            job_id=item.get("job_id"),
        )

    def link_upload(self, upload_id: str, job_id: str) -> None:
        self._ddb.update_item(
            TableName=self._table,
            Key=to_item({"pk": f"UPLOAD#{upload_id}", "sk": "UPLOAD"}),
            UpdateExpression="SET job_id = :job",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=to_item({":job": job_id}),
        )
