"""The ASGI app of the local job API: each request that is not an upload or a
download becomes an API Gateway HTTP API event for the *same* resolver as the
Lambda function's, and its answer goes back as HTTP. Uploads and downloads (what
S3 does in AWS) are answered by runtime/local_file_routes.py, outside the
resolver, so they run concurrently with each other and with API requests.
"""

from __future__ import annotations

import asyncio
import threading
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET
from claimbatch.adapters.embedded.signed_file_links import DOWNLOAD_PATH, UPLOAD_PATH, SignedFileLinks
from claimbatch.api.dependencies import JobApiDeps, JobApiSettings
from claimbatch.api.identity import SUBJECT_CLAIM, TENANT_CLAIM
from claimbatch.api.routes import build_job_api
from claimbatch.domain.job import DEFAULT_TENANT
from claimbatch.observability import logger
from claimbatch.runtime.api_gateway_events import HttpRequest, http_answer, http_api_event
from claimbatch.runtime.api_tokens import ApiTokens
from claimbatch.runtime.embedded import EmbeddedRuntime
from claimbatch.runtime.local_file_routes import download, json_error, upload
from claimbatch.web.page import SignIn, install_web_page, is_page_path

PUBLIC_PATHS = frozenset({"/openapi.json", "/docs"})  # no data in them: readable without a token
MAX_API_BODY = 1024 * 1024  # API Gateway takes 10 MB; the job API's requests are a few hundred bytes


def embedded_api_deps(runtime: EmbeddedRuntime, links: SignedFileLinks) -> JobApiDeps:
    settings = runtime.settings
    # The routes run in threads, as the splitters do: they reach the queues the same way.
    queues = runtime.queues
    return JobApiDeps(
        store=runtime.store,
        objects=runtime.objects,
        links=links,
        rows=queues,
        signals=queues,
        settings=JobApiSettings(
            upload_bucket=LOCAL_BUCKET,
            max_upload_bytes=settings.limits.max_bytes,
            rows_per_message=settings.rows_per_message,
            limits=settings.limits,
        ),
        notifications=runtime.notifier.api_deps() if runtime.notifier is not None else None,
    )


class _Resolver:
    """One resolver call at a time: Powertools keeps the event being resolved on the
    resolver's class (`BaseRouter.current_event`), shared by every thread. Uploads and
    downloads do not go through it, so they are not held up by it."""

    def __init__(self, app: APIGatewayHttpResolver) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        context = SimpleNamespace(function_name="claimbatch-serve", aws_request_id=event["requestContext"]["requestId"])
        with self._lock:
            return self._app.resolve(event, context)  # type: ignore[arg-type]


def create_api_app(runtime: EmbeddedRuntime, links: SignedFileLinks, tokens: ApiTokens | None) -> ASGIApp:
    job_api = build_job_api(embedded_api_deps(runtime, links))
    install_web_page(job_api, SignIn.local(token_required=tokens is not None))
    resolve = _Resolver(job_api)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # Dispatched by hand, not by a router: every path and method the upload and download
        # URLs do not claim goes to the job API, which answers it (JSON 404 and all) as in AWS.
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path, method = scope["path"], request.method
        if path == UPLOAD_PATH and method == "POST":
            response = await upload(request, links, runtime.objects)
        elif path.startswith(DOWNLOAD_PATH) and method in ("GET", "HEAD"):
            response = await download(request, links, runtime.objects)
        else:
            response = await _answer_from_resolver(request, resolve, tokens)
        await response(scope, receive, send)

    return app


def _claims_of(request: Request, tokens: ApiTokens | None) -> dict[str, str] | None | Response:
    """The JWT claims API Gateway would pass on; None on a public path; a 401 answer for a bad token."""
    path = request.scope["path"]
    if path in PUBLIC_PATHS or is_page_path(path):
        return None
    tenant = DEFAULT_TENANT if tokens is None else tokens.tenant_of(request.headers.get("authorization"))
    if tenant is None:
        return json_error(HTTPStatus.UNAUTHORIZED, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"})
    return {SUBJECT_CLAIM: f"local:{tenant}", TENANT_CLAIM: tenant}


async def _answer_from_resolver(request: Request, resolve: _Resolver, tokens: ApiTokens | None) -> Response:
    claims = _claims_of(request, tokens)
    if isinstance(claims, Response):
        return claims
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_API_BODY:
            return json_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the request body is too large")
    client = request.client.host if request.client else "127.0.0.1"
    query = request.scope["query_string"].decode("latin-1")
    path = request.scope["path"]  # decoded, as API Gateway gives rawPath
    http = HttpRequest(request.method, path, query, request.headers.items(), body, client)
    try:
        answer = http_answer(await asyncio.to_thread(resolve, http_api_event(http, claims)))
    except Exception:  # the resolver answers every error itself; this is the last guard
        logger.exception("job API request failed")
        return json_error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; the details are in the service's log")
    headers = {name: value for name, value in answer.headers if name.lower() != "content-length"}
    return Response(answer.body, status_code=answer.status, headers=headers)
