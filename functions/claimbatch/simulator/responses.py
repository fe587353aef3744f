"""The error answers of the simulated gateway, in its documented shape
`{"errors": [{"code": …, "description": …}]}`, and GraphQL's own error shape."""

from __future__ import annotations

from starlette.responses import JSONResponse

from claimbatch.simulator.limits import retry_after_header


def api_error(status: int, code: str, description: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "description": description}]}, status, headers=headers)


def validation_failed(description: str) -> JSONResponse:
    return api_error(400, "GRAPHQL_VALIDATION_FAILED", description)


def unavailable() -> JSONResponse:
    return api_error(503, "SERVICE_UNAVAILABLE", "The claims service is temporarily unavailable.")


def too_many_requests(wait_s: float, description: str) -> JSONResponse:
    return api_error(429, "TOO_MANY_REQUESTS", description, headers={"Retry-After": retry_after_header(wait_s)})


def graphql_errors(message: str, code: str) -> JSONResponse:
    """HTTP 200 with GraphQL's error shape and no data (as the payer answers some plans it does not serve)."""
    return JSONResponse({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})
