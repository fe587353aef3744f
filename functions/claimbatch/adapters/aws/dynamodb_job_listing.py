"""JobListing on the job table's sparse indexes: `active-jobs` (unfinished jobs)
and `tenant-jobs` (a tenant's jobs, newest first)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from claimbatch.adapters.aws.dynamodb_items import (
    ACTIVE,
    ACTIVE_INDEX,
    TENANT_INDEX,
    DynamoTable,
    from_item,
    job_of_item,
    to_item,
)
from claimbatch.domain.job import Job, JobState
from claimbatch.ports.job_listing import JobPage


class DynamoJobListing(DynamoTable):
    """Jobs found through the indexes."""

    def list_active_jobs(self) -> list[Job]:
        jobs = []
        paginator = self._ddb.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=ACTIVE_INDEX,
            KeyConditionExpression="active_pk = :active",
            ExpressionAttributeValues=to_item({":active": ACTIVE}),
            ProjectionExpression="pk",  # a KEYS_ONLY index holds the table's keys
        ):
            for item in page["Items"]:
                job = self.get_job(from_item(item)["pk"].removeprefix("JOB#"))
                if job is not None and not job.state.is_terminal:
                    jobs.append(job)
        return jobs

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
            "ExpressionAttributeValues": to_item({":tenant": tenant, **values}),
            "ScanIndexForward": False,
            "Limit": page,
        }
        if filter_parts:
            request["FilterExpression"] = " AND ".join(filter_parts)
            request["ExpressionAttributeNames"] = names
        while True:
            answer = self._ddb.query(**request)
            for item in answer["Items"]:
                yield from_item(item)
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
        jobs = [job_of_item(item) for item in items[:limit]]
        return JobPage(jobs=jobs, next_after=items[limit - 1]["tenant_sk"] if len(items) > limit else None)

    def find_job_by_source(self, tenant: str, key: str, created_since: datetime) -> Job | None:
        for item in self._query_tenant_jobs(
            tenant,
            " AND tenant_sk >= :since",
            {":since": created_since.isoformat()},
            filters={"source.key": key},
            page=100,
        ):
            return job_of_item(item)
        return None
