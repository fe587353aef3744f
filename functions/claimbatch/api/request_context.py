"""What every route of the job API gets through `Depends`: the caller's tenant,
resolved once from the verified identity (api/identity.py), and the runtime's
dependencies, put in each request's context by `provide`.

    def get_job(job_id: JobId, tenant: Tenant, deps: Deps) -> JobView: ...
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Request
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from claimbatch.api.dependencies import JobApiDeps
from claimbatch.api.errors import Conflict
from claimbatch.api.identity import tenant_of_event
from claimbatch.api.job_views import find_job
from claimbatch.domain.job import Job

DEPS_KEY = "job_api_deps"


def caller_tenant(request: Request) -> str:
    return tenant_of_event(request.resolved_event.raw_event)


def job_api_deps(request: Request) -> JobApiDeps:
    return request.context[DEPS_KEY]


Tenant = Annotated[str, Depends(caller_tenant)]
Deps = Annotated[JobApiDeps, Depends(job_api_deps)]


def provide(app: APIGatewayHttpResolver, key: str, value: Any) -> None:
    """Put `value` into every request's context under `key`, for a dependency to take."""

    def add_to_context(resolver: APIGatewayHttpResolver, next_middleware: NextMiddleware):  # type: ignore[no-untyped-def]
        resolver.append_context(**{key: value})
        return next_middleware(resolver)

    app.use(middlewares=[add_to_context])


def job_of_upload(tenant: str, job_id: str, deps: JobApiDeps) -> Job:
    """The tenant's job by its id or its upload's; 409 while the file has not become a job."""
    found = find_job(tenant, job_id, deps)
    if found.job is None:
        raise Conflict("the file has not been uploaded yet (or has not become a job yet)")
    return found.job
