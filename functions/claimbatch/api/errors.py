"""What the job API answers when it cannot do what was asked: a status code and a
JSON body (`ApiError`) that says why. Never a stack trace."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from claimbatch.api.models import ApiError, ErrorDetail
from claimbatch.observability import logger


class ApiProblem(Exception):
    status = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(ApiProblem):
    status = HTTPStatus.UNAUTHORIZED


class Forbidden(ApiProblem):
    status = HTTPStatus.FORBIDDEN


class JobNotFound(ApiProblem):
    status = HTTPStatus.NOT_FOUND

    def __init__(self) -> None:
        super().__init__("no such job")  # also for another tenant's job: its existence is not revealed


class Conflict(ApiProblem):
    status = HTTPStatus.CONFLICT


class TooLarge(ApiProblem):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def error_response(status: int, message: str, details: list[ErrorDetail] | None = None) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == HTTPStatus.UNAUTHORIZED else None
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=ApiError(message=message, details=details or []).model_dump(),
        headers=headers,
    )


def read_json_body(text: str) -> Any:
    """json.loads for request bodies: one nested too deeply for the parser is malformed
    JSON like any other (a 422 saying so), not a server error."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def _detail(error: Any) -> ErrorDetail:
    if error["type"] == "json_invalid":  # where in the text it broke means little to a user
        reason = (error.get("ctx") or {}).get("error") or "malformed"
        return ErrorDetail(location="body", problem=f"not valid JSON ({reason})")
    return ErrorDetail(location=_location(error["loc"]), problem=str(error.get("msg", error["type"])))


def _location(loc: tuple[object, ...]) -> str:
    return ".".join(str(part) for part in loc)


def install_error_handlers(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(ApiProblem)
    def _problem(problem: ApiProblem) -> Response:
        return error_response(problem.status, problem.message)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        # The input values are left out: they may be patient data.
        details = [_detail(e) for e in error.errors()]
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "the request is not valid", details)

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(_: UnicodeDecodeError) -> Response:
        # Powertools decodes the body before validating it: bytes that are not UTF-8 end here.
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "the request is not valid",
            [ErrorDetail(location="body", problem="not UTF-8 text")],
        )

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return error_response(HTTPStatus.NOT_FOUND, "no such route")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("job API request failed", extra={"error_type": type(error).__name__})
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; the details are in the service's log")
