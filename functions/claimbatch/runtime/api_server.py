"""The job API of `claimbatch serve`: an ASGI app (Starlette, served by uvicorn on
the runtime's event loop) that turns each HTTP request into an API Gateway HTTP
API event, has the *same* resolver as the Lambda function answer it, and turns
the answer back into HTTP.

It plays API Gateway's part too: with a token configured, every route but the
OpenAPI document and the docs page needs `Authorization: Bearer <token>` (401
otherwise), and the tenant the token stands for goes into the event as a JWT
authorizer's claims. And it plays S3's: it answers the upload forms and the
download links the API hands out (runtime/local_uploads.py, signed_file_links.py).

    async with serve_job_api(runtime, "127.0.0.1", 8080, api_token="T") as api:
        print(api.base_url)
        ...   # the service runs until the block ends
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any

import uvicorn
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET
from claimbatch.adapters.embedded.signed_file_links import DOWNLOAD_PATH, UPLOAD_PATH, LinkRejected, SignedFileLinks
from claimbatch.api.dependencies import JobApiDeps, JobApiSettings
from claimbatch.api.identity import SUBJECT_CLAIM, TENANT_CLAIM
from claimbatch.api.routes import build_job_api
from claimbatch.domain.job import DEFAULT_TENANT, RESULTS_PREFIX
from claimbatch.observability import logger
from claimbatch.runtime.api_gateway_events import HttpRequest, http_answer, http_api_event
from claimbatch.runtime.embedded import EmbeddedRuntime
from claimbatch.runtime.listening_socket import base_url_of, bind_socket
from claimbatch.runtime.local_uploads import UploadFailed, receive_upload
from claimbatch.web.page import SignIn, install_web_page, is_page_path

PUBLIC_PATHS = frozenset({"/openapi.json", "/docs"})  # no data in them: readable without a token
MAX_API_BODY = 1024 * 1024  # API Gateway takes 10 MB; the job API's requests are a few hundred bytes
_SHUTDOWN_S = 5.0


class JobApiUnavailable(Exception):
    """The job API cannot be served as asked: the port is taken, or no token guards a non-loopback address."""


def api_token_problem(token: str) -> str | None:
    """Why `token` cannot be a bearer token, or None. A header value is trimmed and
    split on spaces, so a token of visible ASCII characters is the only kind a
    client can send back as it was given."""
    if not token.strip():
        return "--api-token is empty: give a token of visible characters, or leave the option out"
    if not (token.isascii() and token.isprintable()) or any(char.isspace() for char in token):
        return "--api-token may hold only visible ASCII characters (no spaces)"
    return None


class ApiTokens:
    """Bearer tokens and the tenant each stands for."""

    def __init__(self, tenants_by_token: Mapping[str, str]) -> None:
        if not tenants_by_token:
            raise ValueError("no API token given")
        for token in tenants_by_token:
            if (problem := api_token_problem(token)) is not None:
                raise ValueError(problem)
        self._tenants = dict(tenants_by_token)

    @classmethod
    def of(cls, api_token: str | Mapping[str, str] | None) -> ApiTokens | None:
        """A single token is the default tenant's; a mapping gives token → tenant."""
        if api_token is None:
            return None
        return cls({api_token: DEFAULT_TENANT} if isinstance(api_token, str) else api_token)

    def tenant_of(self, authorization: str | None) -> str | None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        tenant = None
        for known, owner in self._tenants.items():  # compare with every token: no timing hint
            if hmac.compare_digest(known.encode(), token.strip().encode()):
                tenant = owner
        return tenant


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
    """The Powertools resolver keeps the current event on the class: one request at a time."""

    def __init__(self, app: APIGatewayHttpResolver) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        context = SimpleNamespace(function_name="claimbatch-serve", aws_request_id=event["requestContext"]["requestId"])
        with self._lock:
            return self._app.resolve(event, context)  # type: ignore[arg-type]


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps({"message": message, "details": []}).encode()
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def create_api_app(runtime: EmbeddedRuntime, links: SignedFileLinks, tokens: ApiTokens | None) -> ASGIApp:
    job_api = build_job_api(embedded_api_deps(runtime, links))
    install_web_page(job_api, SignIn.local(token_required=tokens is not None))
    resolve = _Resolver(job_api)

    async def api(request: Request) -> Response:
        path = request.scope["path"]  # decoded, as API Gateway gives rawPath
        claims = None
        if path not in PUBLIC_PATHS and not is_page_path(path):
            tenant = DEFAULT_TENANT if tokens is None else tokens.tenant_of(request.headers.get("authorization"))
            if tenant is None:
                return _error(
                    HTTPStatus.UNAUTHORIZED, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"}
                )
            claims = {SUBJECT_CLAIM: f"local:{tenant}", TENANT_CLAIM: tenant}
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_API_BODY:
                return _error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the request body is too large")
        client = request.client.host if request.client else "127.0.0.1"
        query = request.scope["query_string"].decode("latin-1")
        http = HttpRequest(request.method, path, query, request.headers.items(), body, client)
        try:
            answer = http_answer(await asyncio.to_thread(resolve, http_api_event(http, claims)))
        except Exception:  # the resolver answers every error itself; this is the last guard
            logger.exception("job API request failed")
            return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; the details are in the service's log")
        headers = {name: value for name, value in answer.headers if name.lower() != "content-length"}
        return Response(answer.body, status_code=answer.status, headers=headers)

    async def upload(request: Request) -> Response:
        try:
            key = await receive_upload(
                request.headers.get("content-type", ""), request.stream(), links, runtime.objects
            )
        except UploadFailed as failed:
            # The API's error shape; the detail names S3's error code for the same refusal.
            detail = {"location": "upload", "problem": failed.code}
            return Response(
                json.dumps({"message": failed.message, "details": [detail]}).encode(),
                status_code=failed.status,
                media_type="application/json",
            )
        logger.info("file uploaded through the job API", extra={"bytes": request.headers.get("content-length")})
        return Response(status_code=HTTPStatus.NO_CONTENT, headers={"Location": f"/{key}"})

    async def download(request: Request) -> Response:
        key = request.scope["path"][len(DOWNLOAD_PATH) :]
        try:
            filename = links.verify_download(key, request.query_params)
            if not key.startswith(RESULTS_PREFIX):
                raise LinkRejected("not a results file")
            path = runtime.objects.path_of(key)
        except (LinkRejected, ValueError) as rejected:
            return _error(HTTPStatus.FORBIDDEN, getattr(rejected, "message", "the download link is not valid"))
        if not path.is_file():
            return _error(HTTPStatus.NOT_FOUND, "the file is not there (any more)")
        return FileResponse(path, media_type="text/csv; charset=utf-8", filename=filename)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # Dispatched by hand, not by a router: every path and method the upload and download
        # URLs do not claim goes to the job API, which answers it (JSON 404 and all) as in AWS.
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path, method = scope["path"], request.method
        if path == UPLOAD_PATH and method == "POST":
            response = await upload(request)
        elif path.startswith(DOWNLOAD_PATH) and method in ("GET", "HEAD"):
            response = await download(request)
        else:
            response = await api(request)
        await response(scope, receive, send)

    return app


class _HostedServer(uvicorn.Server):
    """uvicorn inside a host that owns the process's signals (`claimbatch serve`)."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


@dataclass(frozen=True)
class RunningJobApi:
    base_url: str


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextlib.asynccontextmanager
async def serve_job_api(
    runtime: EmbeddedRuntime, host: str, port: int, api_token: str | Mapping[str, str] | None
) -> AsyncIterator[RunningJobApi]:
    """Serve the job API for `runtime` (started, on this event loop) while the block runs.

    `port` 0 picks a free port (see `base_url`). `api_token`: None lets anyone in as
    the default tenant, which is refused on an address other than loopback."""
    tokens = ApiTokens.of(api_token)
    if tokens is None and not _is_loopback(host):
        raise JobApiUnavailable(f"serving the job API on {host} needs an API token")
    try:
        sock = bind_socket(host, port)
    except OSError as error:
        raise JobApiUnavailable(f"cannot serve the job API on {host}:{port}: {error.strerror or error}") from None
    base_url = base_url_of(sock)
    app = create_api_app(runtime, SignedFileLinks(base_url), tokens)
    server = _HostedServer(
        uvicorn.Config(
            app, lifespan="off", log_config=None, access_log=False, server_header=False, timeout_graceful_shutdown=1
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                serving.result()  # raises what stopped it
                raise RuntimeError("the job API server stopped while starting")
            await asyncio.sleep(0.01)
        logger.info("job API serving", extra={"base_url": base_url, "auth": tokens is not None})
        yield RunningJobApi(base_url=base_url)
    finally:
        server.should_exit = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(serving, timeout=_SHUTDOWN_S)
        sock.close()
