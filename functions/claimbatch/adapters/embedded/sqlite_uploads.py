"""UploadStore on SQLite: the job API's upload records."""

from __future__ import annotations

from claimbatch.adapters.embedded.sqlite_tables import SqliteTables
from claimbatch.ports.uploads import UploadRecord


class SqliteUploads(SqliteTables):
    """The job API's upload records."""

    def put_upload(self, upload: UploadRecord) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO uploads (upload_id, record) VALUES (?, ?)",
                (upload.upload_id, upload.model_dump_json()),
            )

    def get_upload(self, upload_id: str) -> UploadRecord | None:
        with self._lock:
            row = self._db.execute("SELECT record FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
        return None if row is None else UploadRecord.model_validate_json(row["record"])

    def link_upload(self, upload_id: str, job_id: str) -> None:
        upload = self.get_upload(upload_id)
        if upload is not None:
            self.put_upload(upload.model_copy(update={"job_id": job_id}))
