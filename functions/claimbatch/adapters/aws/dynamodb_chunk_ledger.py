"""ChunkLedger on the job table: a chunk part's item (its results, marked counted) and
the job's counters change in one transaction, so a chunk is counted once however often
it is delivered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from claimbatch.adapters.aws.dynamodb_chunk_items import chunk_item, chunk_key, is_counted, results_of_item
from claimbatch.adapters.aws.dynamodb_items import ACCEPTING_ROWS, job_pk, to_item
from claimbatch.adapters.aws.dynamodb_row_results import NOT_COUNTED, DynamoRowResults
from claimbatch.domain.job import JobState, OutcomeTally, utc_now
from claimbatch.domain.result_row import ResultRow
from claimbatch.domain.result_rows_codec import without_rows
from claimbatch.ports.chunk_ledger import ChunkId

# A chunk part's item is at most 400 KB, so ten of them stay within a transaction's 4 MB
# (and its 100 actions); the splitter stores the row errors of up to ten chunks at once.
PARTS_PER_TRANSACTION = 10


class DynamoChunkLedger(DynamoRowResults):
    """Counted chunk parts and counters, together."""

    def count_chunk(self, job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> bool:
        """One transaction: the part's item with its results, only if not counted yet, and the counter increments."""
        increments = OutcomeTally.of(results).increments()
        if not increments:
            return False
        transaction = [self._put_counted(job_id, chunk, results), self._add_to_counters(job_id, increments)]
        # False: counted before, or the job stopped accepting rows.
        return self._transact(transaction, f"count chunk {chunk.key} of job {job_id}")

    def count_chunks(self, job_id: str, parts: Sequence[tuple[ChunkId, Sequence[ResultRow]]]) -> list[bool]:
        """Parts counted together, PARTS_PER_TRANSACTION at a time: each part's conditional Put
        and one counter update of their summed tallies. Should any part have been counted
        before (a split going over rows again), the transaction writes nothing and its parts
        are counted one by one, so each adds its tally once."""
        counted = [False] * len(parts)
        tallied = [(index, OutcomeTally.of(results).increments()) for index, (_, results) in enumerate(parts)]
        tallied = [(index, increments) for index, increments in tallied if increments]
        for start in range(0, len(tallied), PARTS_PER_TRANSACTION):
            group = tallied[start : start + PARTS_PER_TRANSACTION]
            if len(group) > 1 and self._count_together(job_id, parts, group):
                for index, _ in group:
                    counted[index] = True
                continue
            for index, _ in group:
                counted[index] = self.count_chunk(job_id, *parts[index])
        return counted

    def _count_together(
        self,
        job_id: str,
        parts: Sequence[tuple[ChunkId, Sequence[ResultRow]]],
        group: Sequence[tuple[int, dict[str, int]]],
    ) -> bool:
        added: Counter[str] = Counter()
        transaction = []
        for index, increments in group:
            transaction.append(self._put_counted(job_id, *parts[index]))
            added.update(increments)
        transaction.append(self._add_to_counters(job_id, dict(added)))
        first, last = parts[group[0][0]][0], parts[group[-1][0]][0]
        return self._transact(transaction, f"count chunks {first.key}..{last.key} of job {job_id}")

    def _put_counted(self, job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": chunk_item(job_id, chunk, results, counted=True),
                "ConditionExpression": NOT_COUNTED,  # absent, or partial: rows of an earlier delivery
            }
        }

    def _add_to_counters(self, job_id: str, increments: dict[str, int]) -> dict[str, Any]:
        """The job's side of a count: the increments, only while the job accepts rows."""
        names = {f"#c{i}": name for i, name in enumerate(increments)}
        values: dict[str, Any] = {f":c{i}": value for i, value in enumerate(increments.values())}
        values.update({":s0": ACCEPTING_ROWS[0].value, ":s1": ACCEPTING_ROWS[1].value})
        values[":now"] = utc_now().isoformat()
        add = "SET updated_at = :now ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(increments)))
        return {
            "Update": {
                "TableName": self._table,
                "Key": to_item({"pk": job_pk(job_id), "sk": "JOB"}),
                "UpdateExpression": add,
                "ConditionExpression": "#state IN (:s0, :s1)",
                "ExpressionAttributeNames": {**names, "#state": "state"},
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def uncount_chunk(self, job_id: str, chunk: ChunkId, forget: Sequence[int]) -> bool:
        item = self._chunk_item(job_id, chunk)
        if item is None or not is_counted(item):
            return False
        stored = results_of_item(item)
        kept = without_rows(stored, forget)
        still_counted = {
            "TableName": self._table,
            "ConditionExpression": "#counted = :yes",
            "ExpressionAttributeNames": {"#counted": "counted"},
            "ExpressionAttributeValues": {":yes": {"BOOL": True}},
        }
        part: dict[str, Any]
        if kept:  # the rows not retried stay, as a partial chunk
            part = {"Put": {"Item": chunk_item(job_id, chunk, kept, counted=False), **still_counted}}
        else:
            part = {"Delete": {"Key": chunk_key(job_id, chunk), **still_counted}}
        transaction = [part, self._take_off(job_id, OutcomeTally.of(stored))]
        # False: uncounted meanwhile, or the job is not being retried.
        return self._transact(transaction, f"uncount chunk {chunk.key} of job {job_id}")

    def _take_off(self, job_id: str, tally: OutcomeTally) -> dict[str, Any]:
        """The job's side of an uncount: the decrements, only while the job is being retried."""
        decrements = tally.increments()
        job_key = to_item({"pk": job_pk(job_id), "sk": "JOB"})
        processing = {":processing": JobState.PROCESSING.value}
        if not decrements:
            return {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": job_key,
                    "ConditionExpression": "#state = :processing",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": to_item(processing),
                }
            }
        names = {f"#c{i}": name for i, name in enumerate(decrements)}
        values: dict[str, Any] = {f":c{i}": -value for i, value in enumerate(decrements.values())}
        return {
            "Update": {
                "TableName": self._table,
                "Key": job_key,
                "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(decrements))),
                "ConditionExpression": "#state = :processing",
                "ExpressionAttributeNames": {**names, "#state": "state"},
                "ExpressionAttributeValues": to_item({**values, **processing}),
            }
        }
