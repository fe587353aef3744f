"""JobLifecycle on the job table: a job's item and its guarded state moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from claimbatch.adapters.aws.dynamodb_items import (
    ACTIVE,
    COUNTER_FIELDS,
    DynamoTable,
    from_item,
    is_condition_failure,
    job_of_item,
    job_pk,
    to_item,
)
from claimbatch.domain.job import Job, JobCounts, JobState, utc_now


class DynamoJobLifecycle(DynamoTable):
    """Jobs by id: conditional puts and updates on the job item."""

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
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def get_job(self, job_id: str) -> Job | None:
        item = self._job_item(job_id)
        return None if item is None else job_of_item(item)

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

    def try_begin_aggregation(self, job_id: str) -> bool:
        return self._conditional_update(
            job_id,
            "SET #state = :aggregating",
            "#state = :processing AND #done = #total",
            {"#state": "state", "#done": "done", "#total": "total"},
            {":aggregating": JobState.AGGREGATING.value, ":processing": JobState.PROCESSING.value},
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

    def reopen_for_retry(self, job_id: str) -> int | None:
        try:
            answer = self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": job_pk(job_id), "sk": "JOB"}),
                # Active again, so the sweeper watches the retry as it watches a first run.
                UpdateExpression="SET #state = :processing, updated_at = :now, active_pk = :active"
                " REMOVE completed_at, #error ADD retries :one",
                ConditionExpression="#state = :completed",
                ExpressionAttributeNames={"#state": "state", "#error": "error"},
                ExpressionAttributeValues=to_item(
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
            if is_condition_failure(error):
                return None
            raise
        return int(from_item(answer["Attributes"])["retries"])

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
