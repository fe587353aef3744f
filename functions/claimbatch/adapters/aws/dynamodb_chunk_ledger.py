"""ChunkLedger on the job table: a chunk's marker item and the job's counters change
in one transaction, so a chunk is counted once however often it is delivered."""

from __future__ import annotations

from typing import Any

from claimbatch.adapters.aws.dynamodb_items import ACCEPTING_ROWS, DynamoTable, job_pk, to_item
from claimbatch.domain.job import JobState, OutcomeTally, utc_now


class DynamoChunkLedger(DynamoTable):
    """Chunk markers and counters, together."""

    def count_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        """One transaction: the chunk's marker (only if absent) and the counter increments."""
        increments = tally.increments()
        if not increments:
            return False
        names = {f"#c{i}": name for i, name in enumerate(increments)}
        values: dict[str, Any] = {f":c{i}": value for i, value in enumerate(increments.values())}
        values.update({":s0": ACCEPTING_ROWS[0].value, ":s1": ACCEPTING_ROWS[1].value})
        values[":now"] = utc_now().isoformat()
        add = "SET updated_at = :now ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(increments)))
        transaction = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({"pk": job_pk(job_id), "sk": f"CHUNK#{chunk_id}", "rows": tally.done}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item({"pk": job_pk(job_id), "sk": "JOB"}),
                    "UpdateExpression": add,
                    "ConditionExpression": "#state IN (:s0, :s1)",
                    "ExpressionAttributeNames": {**names, "#state": "state"},
                    "ExpressionAttributeValues": to_item(values),
                }
            },
        ]
        # False: counted before, or the job stopped accepting rows.
        return self._transact(transaction, f"count chunk {chunk_id} of job {job_id}")

    def uncount_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        decrements = tally.increments()
        job_key = to_item({"pk": job_pk(job_id), "sk": "JOB"})
        guard: dict[str, Any]
        if decrements:
            names = {f"#c{i}": name for i, name in enumerate(decrements)}
            values: dict[str, Any] = {f":c{i}": -value for i, value in enumerate(decrements.values())}
            guard = {
                "Update": {
                    "TableName": self._table,
                    "Key": job_key,
                    "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(decrements))),
                    "ConditionExpression": "#state = :processing",
                    "ExpressionAttributeNames": {**names, "#state": "state"},
                    "ExpressionAttributeValues": to_item({**values, ":processing": JobState.PROCESSING.value}),
                }
            }
        else:
            guard = {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": job_key,
                    "ConditionExpression": "#state = :processing",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": to_item({":processing": JobState.PROCESSING.value}),
                }
            }
        transaction = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": to_item({"pk": job_pk(job_id), "sk": f"CHUNK#{chunk_id}"}),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            guard,
        ]
        # False: not counted (any more), or the job is not being retried.
        return self._transact(transaction, f"uncount chunk {chunk_id} of job {job_id}")
