"""The tenant's jobs: list, read, retry the retryable rows, cancel."""

from __future__ import annotations

from http import HTTPStatus

from aws_lambda_powertools.event_handler.api_gateway import Router

from claimbatch.api.errors import Conflict
from claimbatch.api.job_views import Found, find_job, job_view, view_of
from claimbatch.api.models import ApiJobState, JobList, JobView, RetryView
from claimbatch.api.paging import UnknownToken, decode_next, encode_next
from claimbatch.api.request_context import Deps, Tenant, job_of_upload
from claimbatch.api.route_docs import (
    AUTH_ERRORS,
    BAD_REQUEST,
    JOB_ERRORS,
    SECURITY,
    JobId,
    NextToken,
    PageSize,
    StateFilter,
    error_answer,
)
from claimbatch.logic.cancel_job import CANCELLABLE_STATES, cancel_job
from claimbatch.logic.retry_job import RetryDeps, RetryRefused, retry_job

router = Router()


@router.get(
    "/jobs",
    summary="The tenant's jobs, newest first",
    responses={
        200: {"description": "A page of jobs (an empty last page for a `next` token this API did not return)"},
        **AUTH_ERRORS,
        **BAD_REQUEST,
    },
    security=SECURITY,
    tags=["jobs"],
)
def list_jobs(
    tenant: Tenant,
    deps: Deps,
    state: StateFilter = None,
    limit: PageSize = None,
    next: NextToken = None,  # noqa: A002  # the query parameter's name
) -> JobList:
    try:
        after = decode_next(next)
    except UnknownToken:
        return JobList(jobs=[], next=None)
    page = deps.store.list_tenant_jobs(tenant, state=state, limit=limit or deps.settings.page_size, after=after)
    return JobList(jobs=[job_view(job) for job in page.jobs], next=encode_next(page.next_after))


@router.get(
    "/jobs/<job_id>",
    summary="A job: state, counts, progress, where its results are",
    responses={200: {"description": "The job"}, **JOB_ERRORS, **BAD_REQUEST},
    security=SECURITY,
    tags=["jobs"],
)
def get_job(job_id: JobId, tenant: Tenant, deps: Deps) -> JobView:
    return view_of(find_job(tenant, job_id, deps), deps)


@router.post(
    "/jobs/<job_id>/retry",
    status_code=HTTPStatus.ACCEPTED,
    summary="Look up again the rows that failed with a retryable error; the results file is rebuilt",
    responses={
        202: {"description": "Retry started (rows: how many run again; 0: nothing to retry)"},
        **JOB_ERRORS,
        409: error_answer("The job is not COMPLETED, or cannot be retried now"),
        **BAD_REQUEST,
    },
    security=SECURITY,
    tags=["jobs"],
)
def retry(job_id: JobId, tenant: Tenant, deps: Deps) -> RetryView:
    job = job_of_upload(tenant, job_id, deps)
    retry_deps = RetryDeps(
        store=deps.store,
        objects=deps.objects,
        rows=deps.rows,
        signals=deps.signals,
        rows_per_message=deps.settings.rows_per_message,
        limits=deps.settings.limits,
    )
    try:
        started = retry_job(job.job_id, retry_deps)
    except RetryRefused as refused:
        raise Conflict(refused.message) from None
    state = ApiJobState.PROCESSING if started.rows else ApiJobState.COMPLETED
    return RetryView(job_id=job.job_id, state=state, rows=started.rows)


@router.post(
    "/jobs/<job_id>/cancel",
    status_code=HTTPStatus.ACCEPTED,
    summary="Stop a running job: rows not yet looked up are written as cancelled",
    responses={
        202: {"description": "Cancelled; its results file is being written"},
        **JOB_ERRORS,
        409: error_answer("The job is not running"),
        **BAD_REQUEST,
    },
    security=SECURITY,
    tags=["jobs"],
)
def cancel(job_id: JobId, tenant: Tenant, deps: Deps) -> JobView:
    job = job_of_upload(tenant, job_id, deps)
    if job.state not in CANCELLABLE_STATES or not cancel_job(job.job_id, deps.store, deps.signals):
        current = deps.store.get_job(job.job_id) or job
        raise Conflict(f"the job is {current.state.value}; only a running job can be cancelled")
    cancelled = deps.store.get_job(job.job_id)
    return view_of(Found(job=cancelled or job, upload=None), deps)
