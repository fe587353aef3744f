"""What the job API's routes declare for OpenAPI: the security scheme, the error
answers, and the parameter types with their validation (one place for all routers).

Parameter types are imported by name into each route module: with postponed
annotations, Powertools resolves a route's annotations in its module's globals."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from claimbatch.api.models import ApiError
from claimbatch.domain.job import JobState

SECURITY = [{"bearer": []}]
SECURITY_SCHEMES = {"bearer": HTTPBearer(description="AWS: a Cognito JWT; `claimbatch serve`: its --api-token")}

MAX_PAGE_SIZE = 100

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


def error_answer(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {content_types.APPLICATION_JSON: {"model": ApiError}}}


AUTH_ERRORS: dict[int, OpenAPIResponse] = {
    401: error_answer("No valid bearer token"),
    403: error_answer("The token names no usable tenant"),
}
JOB_ERRORS: dict[int, OpenAPIResponse] = {**AUTH_ERRORS, 404: error_answer("No such job (for this tenant)")}
BAD_REQUEST: dict[int, OpenAPIResponse] = {422: error_answer("Bad request")}
