"""The job API's routes (issue 6) on one Powertools resolver, for both runtimes.

    app = build_job_api(deps)          # deps: JobApiDeps, wired per runtime
    app.resolve(http_api_v2_event, context)

Every /jobs route acts for the tenant of the verified identity (api/identity.py),
and only on that tenant's jobs. Bodies are validated against the models of
api/models.py; what goes wrong is answered with a status and an ApiError body.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from claimbatch.api.dependencies import JobApiDeps
from claimbatch.api.errors import ApiProblem, Conflict, TooLarge, install_error_handlers
from claimbatch.api.failed_rows import TooManyFailedRows, failed_rows_csv
from claimbatch.api.identity import tenant_of_event
from claimbatch.api.job_views import Found, find_job, job_view, results_ready, upload_key, view_of
from claimbatch.api.models import (
    ApiError,
    ApiJobState,
    CreateJobRequest,
    CreateJobResponse,
    JobList,
    JobView,
    RetryView,
    UploadForm,
)
from claimbatch.api.notification_routes import include_notification_routes
from claimbatch.api.paging import decode_next, encode_next
from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.domain.job import Job, JobState
from claimbatch.logic.cancel_job import CANCELLABLE_STATES, cancel_job
from claimbatch.logic.retry_job import RetryDeps, RetryRefused, retry_job
from claimbatch.observability import logger
from claimbatch.ports.uploads import UploadRecord

API_TITLE = "claimbatch job API"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "Bulk claim-status jobs: create a job, upload its CSV with the returned form, poll the job, "
    "download the results. Every /jobs route needs a bearer token; the tenant is the token's."
)
SECURITY = [{"bearer": []}]
SECURITY_SCHEMES = {"bearer": HTTPBearer(description="AWS: a Cognito JWT; `claimbatch serve`: its --api-token")}

MAX_PAGE_SIZE = 100

# Parameter types live at module level: the routes' annotations are resolved in this module's globals.
PageSize = Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Jobs per page (default 20)")]
StateFilter = Annotated[JobState | None, Query(description="Only jobs in this state")]
NextToken = Annotated[
    str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_-]+$", description="`next` of the previous page")
]
JobId = Annotated[
    str,
    Path(
        description="A job id, or the id POST /jobs returned", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$"
    ),
]


def _error(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {content_types.APPLICATION_JSON: {"model": ApiError}}}


_AUTH_ERRORS: dict[int, OpenAPIResponse] = {
    401: _error("No valid bearer token"),
    403: _error("The token names no usable tenant"),
}
_JOB_ERRORS: dict[int, OpenAPIResponse] = {**_AUTH_ERRORS, 404: _error("No such job (for this tenant)")}


def build_job_api(deps: JobApiDeps) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    install_error_handlers(app)
    settings = deps.settings

    def tenant() -> str:
        return tenant_of_event(app.current_event.raw_event)

    def finished_job(job_id: str) -> Job:
        found = find_job(tenant(), job_id, deps)
        if found.job is None:
            raise Conflict("the file has not been uploaded yet (or has not become a job yet)")
        return found.job

    @app.post(
        "/jobs",
        status_code=HTTPStatus.CREATED,
        summary="Create a job: get a form to upload its file to",
        description="Upload the file with the returned form (multipart/form-data: the fields as given, then the "
        "file as `file`, last) before `expires_at`. The file's arrival starts the job.",
        responses={201: {"description": "Upload form issued"}, **_AUTH_ERRORS, 422: _error("Bad request")},
        security=SECURITY,
        tags=["jobs"],
    )
    def create_job(request: CreateJobRequest) -> CreateJobResponse:
        who = tenant()
        upload_id = deps.upload_ids()
        key = upload_key(who, upload_id, request.filename)
        reason = skip_reason(key, None)
        if reason is not None:
            raise ApiProblem(f"that file name would not become a job: {reason}")
        now = deps.clock()
        expires_at = now + settings.upload_expires
        form = deps.links.upload_form(key, settings.max_upload_bytes, expires_at)
        deps.store.put_upload(
            UploadRecord(
                upload_id=upload_id,
                tenant=who,
                key=key,
                filename=request.filename,
                created_at=now,
                expires_at=expires_at,
            )
        )
        logger.info("upload form issued", extra={"upload_id": upload_id})
        return CreateJobResponse(
            job_id=upload_id,
            upload=UploadForm(
                url=form.url, fields=form.fields, max_bytes=settings.max_upload_bytes, expires_at=expires_at
            ),
        )

    @app.get(
        "/jobs",
        summary="The tenant's jobs, newest first",
        responses={
            200: {"description": "A page of jobs"},
            **_AUTH_ERRORS,
            400: _error("Bad `next`"),
            422: _error("Bad request"),
        },
        security=SECURITY,
        tags=["jobs"],
    )
    def list_jobs(
        state: StateFilter = None,
        limit: PageSize = None,
        next: NextToken = None,  # noqa: A002  # the query parameter's name
    ) -> JobList:
        page = deps.store.list_tenant_jobs(
            tenant(), state=state, limit=limit or settings.page_size, after=decode_next(next)
        )
        return JobList(jobs=[job_view(job) for job in page.jobs], next=encode_next(page.next_after))

    @app.get(
        "/jobs/<job_id>",
        summary="A job: state, counts, progress, where its results are",
        responses={200: {"description": "The job"}, **_JOB_ERRORS, 422: _error("Bad request")},
        security=SECURITY,
        tags=["jobs"],
    )
    def get_job(job_id: JobId) -> JobView:
        return view_of(find_job(tenant(), job_id, deps), deps)

    @app.get(
        "/jobs/<job_id>/results",
        summary="Download the results file (a redirect to a short-lived URL)",
        responses={
            302: {
                "description": "Redirect to the results CSV",
                "headers": {"Location": {"description": "A short-lived download URL", "schema": {"type": "string"}}},
            },
            **_JOB_ERRORS,
            409: _error("The job has no results file yet"),
            422: _error("Bad request"),
        },
        security=SECURITY,
        tags=["results"],
    )
    def get_results(job_id: JobId):  # type: ignore[no-untyped-def]  # a Response: no body model to validate
        job = finished_job(job_id)
        if not results_ready(job):
            raise Conflict(f"the job is {job.state.value}; its results file is not written yet")
        filename = job.results_key.rsplit("/", 1)[-1]
        url = deps.links.download_url(
            job.source.bucket, job.results_key, filename, deps.clock() + settings.download_expires
        )
        return Response(status_code=HTTPStatus.FOUND, headers={"Location": url, "Cache-Control": "no-store"}, body="")

    @app.get(
        "/jobs/<job_id>/errors",
        summary="The rows that did not succeed, as CSV (the results file's lines with success False)",
        responses={
            200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
            **_JOB_ERRORS,
            409: _error("The job has no results file yet"),
            413: _error("Too many failed rows to answer inline: download the results file"),
            422: _error("Bad request"),
        },
        security=SECURITY,
        tags=["results"],
    )
    def get_errors(job_id: JobId):  # type: ignore[no-untyped-def]  # CSV, not a model
        job = finished_job(job_id)
        if not results_ready(job):
            raise Conflict(f"the job is {job.state.value}; its results file is not written yet")
        chunks = deps.objects.read_chunks(job.source.bucket, job.results_key, None)
        try:
            body = failed_rows_csv(chunks, settings.max_errors_bytes)
        except TooManyFailedRows:
            raise TooLarge(
                f"the failed rows take more than {settings.max_errors_bytes:,} bytes; download the results file"
            ) from None
        return Response(
            status_code=HTTPStatus.OK,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="errors.csv"'},
            body=body.decode("utf-8"),
        )

    @app.post(
        "/jobs/<job_id>/retry",
        status_code=HTTPStatus.ACCEPTED,
        summary="Look up again the rows that failed with a retryable error; the results file is rebuilt",
        responses={
            202: {"description": "Retry started (rows: how many run again; 0: nothing to retry)"},
            **_JOB_ERRORS,
            409: _error("The job is not COMPLETED, or cannot be retried now"),
            422: _error("Bad request"),
        },
        security=SECURITY,
        tags=["jobs"],
    )
    def retry(job_id: JobId) -> RetryView:
        job = finished_job(job_id)
        retry_deps = RetryDeps(
            store=deps.store,
            objects=deps.objects,
            rows=deps.rows,
            signals=deps.signals,
            rows_per_message=settings.rows_per_message,
            limits=settings.limits,
        )
        try:
            started = retry_job(job.job_id, retry_deps)
        except RetryRefused as refused:
            raise Conflict(refused.message) from None
        state = ApiJobState.PROCESSING if started.rows else ApiJobState.COMPLETED
        return RetryView(job_id=job.job_id, state=state, rows=started.rows)

    @app.post(
        "/jobs/<job_id>/cancel",
        status_code=HTTPStatus.ACCEPTED,
        summary="Stop a running job: rows not yet looked up are written as cancelled",
        responses={
            202: {"description": "Cancelled; its results file is being written"},
            **_JOB_ERRORS,
            409: _error("The job is not running"),
            422: _error("Bad request"),
        },
        security=SECURITY,
        tags=["jobs"],
    )
    def cancel(job_id: JobId) -> JobView:
        job = finished_job(job_id)
        if job.state not in CANCELLABLE_STATES or not cancel_job(job.job_id, deps.store, deps.signals):
            current = deps.store.get_job(job.job_id) or job
            raise Conflict(f"the job is {current.state.value}; only a running job can be cancelled")
        cancelled = deps.store.get_job(job.job_id)
        return view_of(Found(job=cancelled or job, upload=None), deps)

    if deps.notifications is not None:
        include_notification_routes(app, deps.notifications)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi():  # type: ignore[no-untyped-def]
        return Response(status_code=HTTPStatus.OK, content_type=content_types.APPLICATION_JSON, body=openapi_json(app))

    app.enable_swagger(
        path="/docs",
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        security_schemes=SECURITY_SCHEMES,
        compress=True,
    )
    return app


def openapi_json(app: APIGatewayHttpResolver) -> str:
    return app.get_openapi_json_schema(
        title=API_TITLE, version=API_VERSION, description=API_DESCRIPTION, security_schemes=SECURITY_SCHEMES
    )


def openapi_document(app: APIGatewayHttpResolver) -> dict[str, Any]:
    return json.loads(openapi_json(app))
