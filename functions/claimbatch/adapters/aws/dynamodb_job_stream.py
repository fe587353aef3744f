"""Job state changes read from the job table's stream (NEW_AND_OLD_IMAGES): a job
item's state before and after. Items of other kinds (rows, chunk marks, uploads,
notifications) and deletions are not job changes."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from claimbatch.adapters.aws.dynamodb_job_store import job_of_item
from claimbatch.domain.job import JobState
from claimbatch.logic.publish_state_changes import JobChange

_deserializer = TypeDeserializer()


def job_change(record: dict[str, Any]) -> JobChange | None:
    change = record.get("dynamodb") or {}
    keys, new, old = change.get("Keys") or {}, change.get("NewImage"), change.get("OldImage")
    if keys.get("sk", {}).get("S") != "JOB" or not new:
        return None
    job = job_of_item({name: _deserializer.deserialize(value) for name, value in new.items()})
    before = JobState(old["state"]["S"]) if old and "state" in old else None
    return JobChange(before=before, after=job)
