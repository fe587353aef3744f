"""SplitProgress on the job table: the split lease and cursor live on the job item."""

from __future__ import annotations

from botocore.exceptions import ClientError

from claimbatch.adapters.aws.dynamodb_items import (
    DynamoTable,
    as_decimal,
    from_item,
    is_condition_failure,
    job_pk,
    plan_of_item,
    to_item,
)
from claimbatch.domain.job import JobState, SplitPlan, utc_now


class DynamoSplitProgress(DynamoTable):
    """The split lease and cursor, conditional updates of the job item."""

    def claim_split(self, job_id: str, now: float, lease_until: float, plan: SplitPlan) -> SplitPlan | None:
        try:
            answer = self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": job_pk(job_id), "sk": "JOB"}),
                UpdateExpression="SET #state = :splitting, started_at = if_not_exists(started_at, :started),"
                " updated_at = :started, split_lease_until = :until, split_plan = if_not_exists(split_plan, :plan)",
                ConditionExpression="#state IN (:received, :splitting)"
                " AND (attribute_not_exists(split_lease_until) OR split_lease_until < :now)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(
                    {
                        ":splitting": JobState.SPLITTING.value,
                        ":received": JobState.RECEIVED.value,
                        ":started": utc_now().isoformat(),
                        ":until": as_decimal(lease_until),
                        ":now": as_decimal(now),
                        ":plan": plan.model_dump(),
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        return plan_of_item(from_item(answer["Attributes"]))

    def save_split_cursor(self, job_id: str, rows_split: int, lease_until: float) -> None:
        self._ddb.update_item(
            TableName=self._table,
            Key=to_item({"pk": job_pk(job_id), "sk": "JOB"}),
            UpdateExpression="SET rows_split = :rows, split_lease_until = :until, updated_at = :now",
            ExpressionAttributeValues=to_item(
                {":rows": rows_split, ":until": as_decimal(lease_until), ":now": utc_now().isoformat()}
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
