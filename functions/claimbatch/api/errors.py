"""What the job API answers when it cannot do what was asked: a status code and a
JSON body (`ApiError`) that says why. Never a stack trace."""

from __future__ import annotations

import json
import traceback
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

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


def _raised_reading_the_body(error: BaseException) -> bool:
    """Raised by the request validation's body parsing (`_parse_multipart_data`, …)."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].name.startswith("_parse_") and "openapi_validation" in frames[-1].filename


def _methods_of(app: APIGatewayHttpResolver, path: str) -> list[str]:
    """The methods of the routes whose path matches `path`, sorted."""
    routes = app._static_routes + app._dynamic_routes  # noqa: SLF001 - the resolver has no public route list
    return sorted({route.method for route in routes if route.rule.match(path)})


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

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response:
        return error_response(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "the request body must be JSON",
            [ErrorDetail(location="body", problem="send it with Content-Type: application/json")],
        )

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
        method, allowed = app.current_event.http_method.upper(), _methods_of(app, app.current_event.path)
        if not allowed:
            return error_response(HTTPStatus.NOT_FOUND, "no such route")
        # A known path asked with a method it does not have: 405, saying which it has (RFC 9110).
        listed = ", ".join(allowed)
        answer = error_response(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed here; allowed: {listed}")
        answer.headers["Allow"] = listed
        return answer

    @app.exception_handler(ValueError)
    def _body_unreadable(error: ValueError) -> Response:
        if not _raised_reading_the_body(error):
            return _unexpected(error)
        # Powertools reads a form body it cannot parse (multipart without a boundary) this way.
        return error_response(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "the request body must be JSON",
            [ErrorDetail(location="body", problem="send it with Content-Type: application/json")],
        )

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("job API request failed", extra={"error_type": type(error).__name__})
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; the details are in the service's log")
