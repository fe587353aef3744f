"""RowResults on the job table: one item per chunk part (dynamodb_chunk_items.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import ClientError

from claimbatch.adapters.aws.dynamodb_chunk_items import (
    CHUNK_PREFIX,
    chunk_item,
    chunk_key,
    is_counted,
    results_of_item,
)
from claimbatch.adapters.aws.dynamodb_items import DynamoTable, is_condition_failure, job_pk
from claimbatch.domain.result_row import ResultRow
from claimbatch.domain.result_rows_codec import without_rows
from claimbatch.domain.results_order import rows_of_chunks
from claimbatch.ports.chunk_ledger import ChunkId

NOT_COUNTED = "attribute_not_exists(counted)"


class DynamoRowResults(DynamoTable):
    """Chunk parts' results: read by key, or the job's parts in sort-key (= row) order."""

    def _chunk_item(self, job_id: str, chunk: ChunkId) -> dict[str, Any] | None:
        answer = self._ddb.get_item(TableName=self._table, Key=chunk_key(job_id, chunk), ConsistentRead=True)
        return answer.get("Item")

    def chunk_results(self, job_id: str, chunk: ChunkId) -> dict[int, ResultRow]:
        item = self._chunk_item(job_id, chunk)
        return {} if item is None else {result.row: result for result in results_of_item(item)}

    def put_partial_results(self, job_id: str, chunk: ChunkId, results: Sequence[ResultRow]) -> None:
        if results:
            self._put_if_not_counted(chunk_item(job_id, chunk, results, counted=False))

    def forget_results(self, job_id: str, chunk: ChunkId, rows: Sequence[int]) -> None:
        item = self._chunk_item(job_id, chunk)
        if not rows or item is None or is_counted(item):
            return
        kept = without_rows(results_of_item(item), rows)
        if kept:
            self._put_if_not_counted(chunk_item(job_id, chunk, kept, counted=False))
            return
        try:
            self._ddb.delete_item(TableName=self._table, Key=chunk_key(job_id, chunk), ConditionExpression=NOT_COUNTED)
        except ClientError as error:
            if not is_condition_failure(error):
                raise

    def _put_if_not_counted(self, item: dict[str, Any]) -> None:
        """A partial item never replaces a counted one (a later delivery counted the chunk meanwhile)."""
        try:
            self._ddb.put_item(TableName=self._table, Item=item, ConditionExpression=NOT_COUNTED)
        except ClientError as error:
            if not is_condition_failure(error):
                raise

    def iter_results(self, job_id: str) -> Iterator[ResultRow]:
        return rows_of_chunks(self._parts(job_id))

    def _parts(self, job_id: str) -> Iterator[tuple[int, list[ResultRow]]]:
        paginator = self._ddb.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :chunk)",
            ExpressionAttributeValues={":pk": {"S": job_pk(job_id)}, ":chunk": {"S": CHUNK_PREFIX}},
            ConsistentRead=True,
        ):
            for item in page["Items"]:
                if "results" in item:  # a bare marker of a job counted before results were stored per chunk
                    yield ChunkId.of_key(item["sk"]["S"].removeprefix(CHUNK_PREFIX)).chunk, results_of_item(item)
