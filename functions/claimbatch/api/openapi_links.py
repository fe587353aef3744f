"""Touches to the generated OpenAPI document: links from the answers that hold job
ids to the routes that take one, so a client (or a stateful test tool) knows
`POST /jobs` and `GET /jobs` lead there; and no body for redirects (the
generator gives every answer a JSON body)."""

from __future__ import annotations

import re
from typing import Any

JOB_ROUTES = "/jobs/{job_id}"
_FROM = (  # (path, method, status, where the answer holds a job id)
    ("/jobs", "post", "201", "$response.body#/job_id"),
    ("/jobs", "get", "200", "$response.body#/jobs/0/job_id"),
)


def with_job_links(document: dict[str, Any]) -> dict[str, Any]:
    """The document, its job-creating and job-listing answers linked to every /jobs/{job_id} route."""
    paths = document.get("paths", {})
    targets = {
        _link_name(method, path): operation["operationId"]
        for path, operations in paths.items()
        if path.startswith(JOB_ROUTES)
        for method, operation in operations.items()
        if "operationId" in operation
    }
    for path, method, status, job_id in _FROM:
        answer = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if answer is not None:
            answer["links"] = {
                name: {"operationId": operation_id, "parameters": {"job_id": job_id}}
                for name, operation_id in targets.items()
            }
    _redirects_without_body(paths)
    return document


def _redirects_without_body(paths: dict[str, Any]) -> None:
    for operations in paths.values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                if status.startswith("3"):
                    answer.pop("content", None)


def _link_name(method: str, path: str) -> str:
    """'post', '/jobs/{job_id}/retry' → 'POST_jobs_job_id_retry' (names allow [A-Za-z0-9._-])."""
    return method.upper() + re.sub(r"[^A-Za-z0-9]+", "_", path).rstrip("_")


__all__ = ["with_job_links"]
