"""POST /jobs: a job begins as an upload form for exactly one key under the tenant's inbox."""

from __future__ import annotations

from http import HTTPStatus

from aws_lambda_powertools.event_handler.api_gateway import Router

from claimbatch.api.errors import ApiProblem
from claimbatch.api.job_views import upload_key
from claimbatch.api.models import CreateJobRequest, CreateJobResponse, UploadForm
from claimbatch.api.request_context import Deps, Tenant
from claimbatch.api.route_docs import AUTH_ERRORS, SECURITY, error_answer
from claimbatch.domain.inbox_rules import skip_reason
from claimbatch.observability import logger
from claimbatch.ports.uploads import UploadRecord

router = Router()


@router.post(
    "/jobs",
    status_code=HTTPStatus.CREATED,
    summary="Create a job: get a form to upload its file to",
    description="Upload the file with the returned form (multipart/form-data: the fields as given, then the "
    "file as `file`, last) before `expires_at`. The file's arrival starts the job.",
    responses={201: {"description": "Upload form issued"}, **AUTH_ERRORS, 422: error_answer("Bad request")},
    security=SECURITY,
    tags=["jobs"],
)
def create_job(request: CreateJobRequest, tenant: Tenant, deps: Deps) -> CreateJobResponse:
    settings = deps.settings
    upload_id = deps.upload_ids()
    key = upload_key(tenant, upload_id, request.filename)
    reason = skip_reason(key, None)
    if reason is not None:
        raise ApiProblem(f"that file name would not become a job: {reason}")
    now = deps.clock()
    expires_at = now + settings.upload_expires
    form = deps.links.upload_form(key, settings.max_upload_bytes, expires_at)
    deps.store.put_upload(
        UploadRecord(
            upload_id=upload_id, tenant=tenant, key=key, filename=request.filename, created_at=now, expires_at=expires_at
        )
    )
    logger.info("upload form issued", extra={"upload_id": upload_id})
    return CreateJobResponse(
        job_id=upload_id,
        upload=UploadForm(url=form.url, fields=form.fields, max_bytes=settings.max_upload_bytes, expires_at=expires_at),
    )
