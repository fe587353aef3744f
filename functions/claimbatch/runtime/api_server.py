"""Hosting the local job API of `claimbatch serve`: uvicorn on the runtime's event
loop, on a socket bound first (port 0: any free port), refusing to serve without a
token on anything but loopback.

The app itself is runtime/job_api_app.py (the same resolver as the Lambda
function's, behind the token check API Gateway does in AWS), with the upload
forms and download links S3 answers in AWS (runtime/local_file_routes.py).

    async with serve_job_api(runtime, "127.0.0.1", 8080, api_token="T") as api:
        print(api.base_url)
        ...   # the service runs until the block ends
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import uvicorn

from claimbatch.adapters.embedded.signed_file_links import SignedFileLinks
from claimbatch.observability import logger
from claimbatch.runtime.api_tokens import ApiTokens, api_token_problem
from claimbatch.runtime.embedded import EmbeddedRuntime
from claimbatch.runtime.guarded_http import ConnectionLimits, guarded_h11_protocol
from claimbatch.runtime.job_api_app import create_api_app
from claimbatch.runtime.listening_socket import base_url_of, bind_socket

__all__ = ["ApiTokens", "JobApiUnavailable", "RunningJobApi", "api_token_problem", "create_api_app", "serve_job_api"]

_SHUTDOWN_S = 5.0


class JobApiUnavailable(Exception):
    """The job API cannot be served as asked: the port is taken, or no token guards a non-loopback address."""


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
    runtime: EmbeddedRuntime,
    host: str,
    port: int,
    api_token: str | Mapping[str, str] | None,
    limits: ConnectionLimits = ConnectionLimits(),
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
            app,
            http=guarded_h11_protocol(limits),
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=1,
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
