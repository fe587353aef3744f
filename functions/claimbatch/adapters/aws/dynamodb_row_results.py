"""RowResults on the job table: one item per row, in shards of ROWS_PER_SHARD rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from claimbatch.adapters.aws.dynamodb_items import (
    BATCH_WRITE_LIMIT,
    ROWS_PER_SHARD,
    DynamoTable,
    row_key,
    to_item,
)
from claimbatch.domain.result_row import ResultRow


class DynamoRowResults(DynamoTable):
    """Per-row result items: batch-written, read by range or shard after shard."""

    def put_results(self, job_id: str, results: Sequence[ResultRow]) -> None:
        for start in range(0, len(results), BATCH_WRITE_LIMIT):
            requests = [
                {"PutRequest": {"Item": {**row_key(job_id, result.row), **to_item(result.to_record())}}}
                for result in results[start : start + BATCH_WRITE_LIMIT]
            ]
            self._batch_write(requests)

    def get_results(self, job_id: str, rows: Sequence[int]) -> dict[int, ResultRow]:
        wanted = set(rows)
        found: dict[int, ResultRow] = {}
        for shard in sorted({row // ROWS_PER_SHARD for row in wanted}):
            in_shard = [row for row in wanted if row // ROWS_PER_SHARD == shard]
            low, high = min(in_shard), max(in_shard)
            for item in self._query(
                row_key(job_id, low)["pk"]["S"], between=(f"{low:09d}", f"{high:09d}"), consistent=True
            ):
                if int(item["row"]) in wanted:
                    result = ResultRow.from_record(item)
                    found[result.row] = result
        return found

    def iter_results(self, job_id: str) -> Iterator[ResultRow]:
        job = self.get_job(job_id)
        total = job.counts.total if job and job.counts.total else 0
        for shard in range(0, total // ROWS_PER_SHARD + 1):
            for item in self._query(row_key(job_id, shard * ROWS_PER_SHARD)["pk"]["S"]):
                yield ResultRow.from_record(item)

    def delete_results(self, job_id: str, rows: Sequence[int]) -> None:
        for start in range(0, len(rows), BATCH_WRITE_LIMIT):
            self._batch_write(
                [{"DeleteRequest": {"Key": row_key(job_id, row)}} for row in rows[start : start + BATCH_WRITE_LIMIT]]
            )
