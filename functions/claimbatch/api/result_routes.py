"""A job's results: a redirect to the results file, or its failed rows inline."""

from __future__ import annotations

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from claimbatch.api.dependencies import JobApiDeps
from claimbatch.api.errors import Conflict, TooLarge
from claimbatch.api.failed_rows import TooManyFailedRows, failed_rows_csv
from claimbatch.api.job_views import results_ready
from claimbatch.api.request_context import Deps, Tenant, job_of_upload
from claimbatch.api.route_docs import BAD_REQUEST, JOB_ERRORS, SECURITY, JobId, error_answer
from claimbatch.domain.job import Job, job_results_key

router = Router()

NOT_WRITTEN = {409: error_answer("The job has no results file yet")}


def _job_with_results(tenant: str, job_id: str, deps: JobApiDeps) -> Job:
    job = job_of_upload(tenant, job_id, deps)
    if not results_ready(job):
        raise Conflict(f"the job is {job.state.value}; its results file is not written yet")
    return job


@router.get(
    "/jobs/<job_id>/results",
    summary="Download the results file (a redirect to a short-lived URL)",
    responses={
        302: {
            "description": "Redirect to the results CSV",
            "headers": {"Location": {"description": "A short-lived download URL", "schema": {"type": "string"}}},
        },
        **JOB_ERRORS,
        **NOT_WRITTEN,
        **BAD_REQUEST,
    },
    security=SECURITY,
    tags=["results"],
)
def get_results(job_id: JobId, tenant: Tenant, deps: Deps):  # type: ignore[no-untyped-def]  # a Response: no model
    job = _job_with_results(tenant, job_id, deps)
    filename = job.results_key.rsplit("/", 1)[-1]  # the name users know; the bytes are the job's own copy
    url = deps.links.download_url(
        job.source.bucket, job_results_key(job), filename, deps.clock() + deps.settings.download_expires
    )
    return Response(status_code=HTTPStatus.FOUND, headers={"Location": url, "Cache-Control": "no-store"}, body="")


@router.get(
    "/jobs/<job_id>/errors",
    summary="The rows that did not succeed, as CSV (the results file's lines with success False)",
    responses={
        200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **JOB_ERRORS,
        **NOT_WRITTEN,
        413: error_answer("Too many failed rows to answer inline: download the results file"),
        **BAD_REQUEST,
    },
    security=SECURITY,
    tags=["results"],
)
def get_errors(job_id: JobId, tenant: Tenant, deps: Deps):  # type: ignore[no-untyped-def]  # CSV, not a model
    job = _job_with_results(tenant, job_id, deps)
    limit = deps.settings.max_errors_bytes
    chunks = deps.objects.read_chunks(job.source.bucket, job_results_key(job), None)
    try:
        body = failed_rows_csv(chunks, limit)
    except TooManyFailedRows:
        raise TooLarge(f"the failed rows take more than {limit:,} bytes; download the results file") from None
    return Response(
        status_code=HTTPStatus.OK,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="errors.csv"'},
        body=body.decode("utf-8"),
    )
