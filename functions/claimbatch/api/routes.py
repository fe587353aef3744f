"""The job API for both runtimes: one Powertools resolver, its routes on Routers.

    app = build_job_api(deps)          # deps: JobApiDeps, wired per runtime
    app.resolve(http_api_v2_event, context)

Every /jobs route acts for the tenant of the verified identity, resolved once by
the `Tenant` dependency (api/request_context.py), and only on that tenant's jobs.
Bodies are validated against the models of api/models.py; what goes wrong is
answered with a status and an ApiError body (api/errors.py).

    upload_routes.py   POST /jobs
    job_routes.py      GET /jobs, GET /jobs/{id}, POST /jobs/{id}/retry, POST /jobs/{id}/cancel
    result_routes.py   GET /jobs/{id}/results, GET /jobs/{id}/errors
    notification_routes.py   /notifications (when the runtime sends notifications)
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

from claimbatch.api import job_routes, result_routes, upload_routes
from claimbatch.api.dependencies import JobApiDeps
from claimbatch.api.errors import install_error_handlers, read_json_body
from claimbatch.api.openapi_links import with_job_links
from claimbatch.api.notification_routes import include_notification_routes
from claimbatch.api.request_context import DEPS_KEY, provide
from claimbatch.api.route_docs import SECURITY_SCHEMES

API_TITLE = "claimbatch job API"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "Bulk claim-status jobs: create a job, upload its CSV with the returned form, poll the job, "
    "download the results. Every /jobs route needs a bearer token; the tenant is the token's."
)


def build_job_api(deps: JobApiDeps) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=read_json_body)
    install_error_handlers(app)
    provide(app, DEPS_KEY, deps)
    for module in (upload_routes, job_routes, result_routes):
        app.include_router(module.router)
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
    return json.dumps(openapi_document(app), indent=2)


def openapi_document(app: APIGatewayHttpResolver) -> dict[str, Any]:
    generated = app.get_openapi_json_schema(
        title=API_TITLE, version=API_VERSION, description=API_DESCRIPTION, security_schemes=SECURITY_SCHEMES
    )
    return with_job_links(json.loads(generated))
