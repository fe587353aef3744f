"""JobStore on one DynamoDB table (design in README "Table design").

  job item    pk=JOB#<job>              sk=JOB           state, counters, cursor, lease
  chunk mark  pk=JOB#<job>              sk=CHUNK#<id>    exists once a chunk is counted
  row result  pk=ROWS#<job>#<shard>     sk=<row:09d>     one item per input row

Row items are spread over shards of 1,000 rows so that a large job's writes do
not all land on one partition; a query per shard, in shard order, reads the
rows back in input order.

Two sparse global secondary indexes hold job items only:
  active-jobs   active_pk="ACTIVE", active_sk=<created_at>#<job>   while the job is not terminal
  tenant-jobs   tenant_pk=<tenant>,  tenant_sk=<created_at>#<job>  every job, newest first per tenant
                (projection ALL: a listing page is one query)

The job API's uploads live beside them:
  upload      pk=UPLOAD#<upload>        sk=UPLOAD        tenant, key, filename, times, job (once found)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from claimbatch.adapters.aws.retrying import PartialFailureError, PartialRetry
from claimbatch.domain.job import Job, JobCounts, JobState, OutcomeTally, SourceObject, utc_now
from claimbatch.domain.result_row import ResultRow
from claimbatch.ports.job_store import JobPage
from claimbatch.ports.uploads import UploadRecord

ROWS_PER_SHARD = 1_000
BATCH_WRITE_LIMIT = 25
COUNTER_FIELDS = ("done", "succeeded", "not_found", "invalid", "failed", "cancelled", "retryable")
ACCEPTING_ROWS = (JobState.SPLITTING, JobState.PROCESSING)
ACTIVE_INDEX = "active-jobs"
TENANT_INDEX = "tenant-jobs"
ACTIVE = "ACTIVE"
TTL_ATTRIBUTE = "expires_at"  # epoch seconds; DynamoDB's TTL deletes the item after it
UPLOAD_RECORD_KEPT = timedelta(days=30)  # how long an upload id resolves after its form expired

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def job_pk(job_id: str) -> str:
    return f"JOB#{job_id}"


def row_key(job_id: str, row: int) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"ROWS#{job_id}#{row // ROWS_PER_SHARD:06d}"}, "sk": {"S": f"{row:09d}"}}


def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _is_condition_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


class DynamoJobStore:
    def __init__(self, table_name: str, client: Any, retry: PartialRetry | None = None) -> None:
        self._table = table_name
        self._ddb = client
        self._retry = retry or PartialRetry()

    # -- jobs -----------------------------------------------------------------

    def create_job(self, job: Job) -> bool:
        item = {
            "pk": job_pk(job.job_id),
            "sk": "JOB",
            "job_id": job.job_id,
            "state": job.state.value,
            "source": job.source.model_dump(),
            "created_at": job.created_at.isoformat(),
            "results_key": job.results_key,
            "summary_key": job.summary_key,
            "updated_at": job.created_at.isoformat(),
            "rows_split": 0,
            "active_pk": ACTIVE,
            "active_sk": f"{job.created_at.isoformat()}#{job.job_id}",
            "tenant_pk": job.tenant,
            "tenant_sk": f"{job.created_at.isoformat()}#{job.job_id}",
            **{name: 0 for name in COUNTER_FIELDS},
        }
        try:
            self._ddb.put_item(
                TableName=self._table, Item=_to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def _job_item(self, job_id: str) -> dict[str, Any] | None:
        answer = self._ddb.get_item(
            TableName=self._table, Key=_to_item({"pk": job_pk(job_id), "sk": "JOB"}), ConsistentRead=True
        )
        return _from_item(answer["Item"]) if "Item" in answer else None

    def get_job(self, job_id: str) -> Job | None:
        item = self._job_item(job_id)
        return None if item is None else _job_of(item)

    def _conditional_update(
        self, job_id: str, update: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> bool:
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=_to_item({"pk": job_pk(job_id), "sk": "JOB"}),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=_to_item(values),
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def transition(
        self,
        job_id: str,
        from_states: Iterable[JobState],
        to_state: JobState,
        *,
        error: str | None = None,
        at: datetime | None = None,
    ) -> bool:
        sources = list(from_states)
        values: dict[str, Any] = {":to": to_state.value, ":now": utc_now().isoformat()}
        values.update({f":from{i}": state.value for i, state in enumerate(sources)})
        sets = ["#state = :to", "updated_at = :now"]
        if error is not None:
            sets.append("#error = :error")
            values[":error"] = error
        if at is not None:
            stamp = "started_at" if to_state is JobState.SPLITTING else "completed_at"
            sets.append(f"{stamp} = :at")
            values[":at"] = at.isoformat()
        condition = "#state IN (" + ", ".join(f":from{i}" for i in range(len(sources))) + ")"
        names = {"#state": "state", **({"#error": "error"} if error is not None else {})}
        update = "SET " + ", ".join(sets) + (" REMOVE active_pk" if to_state.is_terminal else "")
        return self._conditional_update(job_id, update, condition, names, values)

    def claim_split(self, job_id: str, now: float, lease_until: float) -> bool:
        return self._conditional_update(
            job_id,
            "SET #state = :splitting, started_at = if_not_exists(started_at, :started), updated_at = :started,"
            " split_lease_until = :until",
            "#state IN (:received, :splitting) AND (attribute_not_exists(split_lease_until) OR split_lease_until < :now)",
            {"#state": "state"},
            {
                ":splitting": JobState.SPLITTING.value,
                ":received": JobState.RECEIVED.value,
                ":started": utc_now().isoformat(),
                ":until": _decimal(lease_until),
                ":now": _decimal(now),
            },
        )

    def save_split_cursor(self, job_id: str, rows_split: int, lease_until: float) -> None:
        self._ddb.update_item(
            TableName=self._table,
            Key=_to_item({"pk": job_pk(job_id), "sk": "JOB"}),
            UpdateExpression="SET rows_split = :rows, split_lease_until = :until, updated_at = :now",
            ExpressionAttributeValues=_to_item(
                {":rows": rows_split, ":until": _decimal(lease_until), ":now": utc_now().isoformat()}
            ),
        )

    def split_cursor(self, job_id: str) -> int:
        item = self._job_item(job_id)
        return int(item.get("rows_split", 0)) if item else 0

    def finish_split(self, job_id: str, total: int) -> bool:
        return self._conditional_update(
            job_id,
            "SET #total = :total, #state = :processing, updated_at = :now REMOVE split_lease_until",
            "#state = :splitting",
            {"#state": "state", "#total": "total"},
            {
                ":total": total,
                ":processing": JobState.PROCESSING.value,
                ":splitting": JobState.SPLITTING.value,
                ":now": utc_now().isoformat(),
            },
        )

    def reopen_split(self, job_id: str) -> bool:
        return self._conditional_update(
            job_id,
            "SET #state = :splitting, rows_split = :zero, updated_at = :now REMOVE split_lease_until"
            " ADD redrives :one",
            "#state IN (:received, :splitting, :processing)",
            {"#state": "state"},
            {
                ":splitting": JobState.SPLITTING.value,
                ":received": JobState.RECEIVED.value,
                ":processing": JobState.PROCESSING.value,
                ":zero": 0,
                ":one": 1,
                ":now": utc_now().isoformat(),
            },
        )

    def force_aggregation(self, job_id: str) -> bool:
        return self._conditional_update(
            job_id,
            "SET #state = :aggregating, updated_at = :now",
            "#state IN (:splitting, :processing)",
            {"#state": "state"},
            {
                ":aggregating": JobState.AGGREGATING.value,
                ":splitting": JobState.SPLITTING.value,
                ":processing": JobState.PROCESSING.value,
                ":now": utc_now().isoformat(),
            },
        )

    def list_active_jobs(self) -> list[Job]:
        jobs = []
        paginator = self._ddb.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=ACTIVE_INDEX,
            KeyConditionExpression="active_pk = :active",
            ExpressionAttributeValues=_to_item({":active": ACTIVE}),
            ProjectionExpression="pk",  # a KEYS_ONLY index holds the table's keys
        ):
            for item in page["Items"]:
                job = self.get_job(_from_item(item)["pk"].removeprefix("JOB#"))
                if job is not None and not job.state.is_terminal:
                    jobs.append(job)
        return jobs

    def try_begin_aggregation(self, job_id: str) -> bool:
        return self._conditional_update(
            job_id,
            "SET #state = :aggregating",
            "#state = :processing AND #done = #total",
            {"#state": "state", "#done": "done", "#total": "total"},
            {":aggregating": JobState.AGGREGATING.value, ":processing": JobState.PROCESSING.value},
        )

    # -- counting ---------------------------------------------------------------

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
                    "Item": _to_item({"pk": job_pk(job_id), "sk": f"CHUNK#{chunk_id}", "rows": tally.done}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _to_item({"pk": job_pk(job_id), "sk": "JOB"}),
                    "UpdateExpression": add,
                    "ConditionExpression": "#state IN (:s0, :s1)",
                    "ExpressionAttributeNames": {**names, "#state": "state"},
                    "ExpressionAttributeValues": _to_item(values),
                }
            },
        ]
        # False: counted before, or the job stopped accepting rows.
        return self._transact(transaction, f"count chunk {chunk_id} of job {job_id}")

    def _transact(self, transaction: list[dict[str, Any]], what: str) -> bool:
        """Run a conditional transaction: True when it was written, False when a condition
        failed; a conflict with another transaction is retried with backoff."""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                self._ddb.transact_write_items(TransactItems=transaction)
                return True
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons or not reasons:
                    return False
                self._retry.pause(attempt)  # TransactionConflict and the like: try again
        raise PartialFailureError(f"could not {what}")

    # -- row results --------------------------------------------------------------

    def put_results(self, job_id: str, results: Sequence[ResultRow]) -> None:
        for start in range(0, len(results), BATCH_WRITE_LIMIT):
            requests = [
                {"PutRequest": {"Item": {**row_key(job_id, result.row), **_to_item(result.to_record())}}}
                for result in results[start : start + BATCH_WRITE_LIMIT]
            ]
            self._batch_write(requests)

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        pending = {self._table: requests}
        for attempt in range(1, self._retry.attempts + 1):
            answer = self._ddb.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                return
            self._retry.pause(attempt)
        raise PartialFailureError(f"{len(pending[self._table])} row results still unprocessed after retries")

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

    def _query(
        self, pk: str, between: tuple[str, str] | None = None, consistent: bool = False
    ) -> Iterator[dict[str, Any]]:
        condition = "pk = :pk" + (" AND sk BETWEEN :low AND :high" if between else "")
        values: dict[str, Any] = {":pk": pk}
        if between:
            values.update({":low": between[0], ":high": between[1]})
        paginator = self._ddb.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=_to_item(values),
            ConsistentRead=consistent,
        ):
            for item in page["Items"]:
                yield _from_item(item)

    # -- the job API ------------------------------------------------------------------

    def _query_tenant_jobs(
        self, tenant: str, condition: str, values: dict[str, Any], *, filters: dict[str, Any], page: int
    ) -> Iterator[dict[str, Any]]:
        """Job items of the tenant, newest first, that match `filters` (attribute path → value)."""
        names: dict[str, str] = {}
        filter_parts = []
        for i, (path, value) in enumerate(filters.items()):
            parts = path.split(".")
            names.update({f"#f{i}_{j}": part for j, part in enumerate(parts)})
            filter_parts.append(".".join(f"#f{i}_{j}" for j in range(len(parts))) + f" = :f{i}")
            values = {**values, f":f{i}": value}
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": TENANT_INDEX,
            "KeyConditionExpression": "tenant_pk = :tenant" + condition,
            "ExpressionAttributeValues": _to_item({":tenant": tenant, **values}),
            "ScanIndexForward": False,
            "Limit": page,
        }
        if filter_parts:
            request["FilterExpression"] = " AND ".join(filter_parts)
            request["ExpressionAttributeNames"] = names
        while True:
            answer = self._ddb.query(**request)
            for item in answer["Items"]:
                yield _from_item(item)
            if "LastEvaluatedKey" not in answer:
                return
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def list_tenant_jobs(
        self, tenant: str, *, state: JobState | None = None, limit: int = 20, after: str | None = None
    ) -> JobPage:
        condition, values = ("", {}) if after is None else (" AND tenant_sk < :after", {":after": after})
        filters = {} if state is None else {"state": state.value}
        # A filtered query reads a page, then filters it: read wider pages then.
        page = limit + 1 if state is None else max(100, limit + 1)
        items = []
        for item in self._query_tenant_jobs(tenant, condition, values, filters=filters, page=page):
            items.append(item)
            if len(items) > limit:
                break
        jobs = [_job_of(item) for item in items[:limit]]
        return JobPage(jobs=jobs, next_after=items[limit - 1]["tenant_sk"] if len(items) > limit else None)

    def find_job_by_source(self, tenant: str, key: str, created_since: datetime) -> Job | None:
        for item in self._query_tenant_jobs(
            tenant,
            " AND tenant_sk >= :since",
            {":since": created_since.isoformat()},
            filters={"source.key": key},
            page=100,
        ):
            return _job_of(item)
        return None

    def uncount_chunk(self, job_id: str, chunk_id: str, tally: OutcomeTally) -> bool:
        decrements = tally.increments()
        job_key = _to_item({"pk": job_pk(job_id), "sk": "JOB"})
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
                    "ExpressionAttributeValues": _to_item({**values, ":processing": JobState.PROCESSING.value}),
                }
            }
        else:
            guard = {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": job_key,
                    "ConditionExpression": "#state = :processing",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": _to_item({":processing": JobState.PROCESSING.value}),
                }
            }
        transaction = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": _to_item({"pk": job_pk(job_id), "sk": f"CHUNK#{chunk_id}"}),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            guard,
        ]
        # False: not counted (any more), or the job is not being retried.
        return self._transact(transaction, f"uncount chunk {chunk_id} of job {job_id}")

    def delete_results(self, job_id: str, rows: Sequence[int]) -> None:
        for start in range(0, len(rows), BATCH_WRITE_LIMIT):
            self._batch_write(
                [{"DeleteRequest": {"Key": row_key(job_id, row)}} for row in rows[start : start + BATCH_WRITE_LIMIT]]
            )

    def reopen_for_retry(self, job_id: str) -> int | None:
        try:
            answer = self._ddb.update_item(
                TableName=self._table,
                Key=_to_item({"pk": job_pk(job_id), "sk": "JOB"}),
                # Active again, so the sweeper watches the retry as it watches a first run.
                UpdateExpression="SET #state = :processing, updated_at = :now, active_pk = :active"
                " REMOVE completed_at, #error ADD retries :one",
                ConditionExpression="#state = :completed",
                ExpressionAttributeNames={"#state": "state", "#error": "error"},
                ExpressionAttributeValues=_to_item(
                    {
                        ":processing": JobState.PROCESSING.value,
                        ":completed": JobState.COMPLETED.value,
                        ":now": utc_now().isoformat(),
                        ":active": ACTIVE,
                        ":one": 1,
                    }
                ),
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return None
            raise
        return int(_from_item(answer["Attributes"])["retries"])

    def record_counts(self, job_id: str, counts: JobCounts, state: JobState) -> bool:
        values: dict[str, Any] = {f":{name}": getattr(counts, name) for name in COUNTER_FIELDS}
        names = {f"#{name}": name for name in COUNTER_FIELDS}
        sets = [f"#{name} = :{name}" for name in COUNTER_FIELDS]
        if counts.total is not None:
            sets.append("#total = :total")
            names["#total"] = "total"
            values[":total"] = counts.total
        return self._conditional_update(
            job_id,
            "SET " + ", ".join(sets),
            "#state = :state",
            {**names, "#state": "state"},
            {**values, ":state": state.value},
        )

    # -- uploads ---------------------------------------------------------------------------

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
        self._ddb.put_item(TableName=self._table, Item=_to_item(item))

    def get_upload(self, upload_id: str) -> UploadRecord | None:
        answer = self._ddb.get_item(
            TableName=self._table, Key=_to_item({"pk": f"UPLOAD#{upload_id}", "sk": "UPLOAD"}), ConsistentRead=True
        )
        if "Item" not in answer:
            return None
        item = _from_item(answer["Item"])
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
            Key=_to_item({"pk": f"UPLOAD#{upload_id}", "sk": "UPLOAD"}),
            UpdateExpression="SET job_id = :job",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=_to_item({":job": job_id}),
        )


def job_of_item(item: dict[str, Any]) -> Job:
    """A job from its item, deserialized (the table's, or a stream record's image)."""
    return _job_of(item)


def _job_of(item: dict[str, Any]) -> Job:
    counts = {name: int(item.get(name, 0)) for name in COUNTER_FIELDS}
    total = item.get("total")
    return Job(
        job_id=item["job_id"],
        source=SourceObject.model_validate({k: (int(v) if k == "size" else v) for k, v in item["source"].items()}),
        state=JobState(item["state"]),
        counts=JobCounts(total=None if total is None else int(total), **counts),
        error=item.get("error"),
        created_at=datetime.fromisoformat(item["created_at"]),
        started_at=datetime.fromisoformat(item["started_at"]) if item.get("started_at") else None,
        completed_at=datetime.fromisoformat(item["completed_at"]) if item.get("completed_at") else None,
        updated_at=datetime.fromisoformat(item["updated_at"]) if item.get("updated_at") else None,
        redrives=int(item.get("redrives", 0)),
        results_key=item["results_key"],
        summary_key=item["summary_key"],
    )


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))  # DynamoDB numbers go through Decimal, not float
