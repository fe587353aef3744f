"""The simulator's HTTP routes (Starlette): the payer's token and inquiry API plus a control plane.

- `POST /apip/auth/sntl/v1/token`   OAuth2 client credentials
- `POST /oihub/claim/inquiry/v1`    the SearchClaim inquiry
- `GET  /_stats`                    counters (not counted themselves)
- `POST /_control`                  `{"down_for_s": N}`, `{"reset_stats": true}`, `{"reset_faults": true}`
- `GET  /_health`                   liveness

The inquiry is in inquiry.py. Token requests only see the outage.

Request bodies hold PHI: nothing here logs them, nor echoes their values in errors.
"""

from __future__ import annotations

import json
import logging
import time
from base64 import b64decode
from binascii import Error as BinasciiError
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from claimbatch.simulator import inquiry
from claimbatch.simulator.limits import Clock
from claimbatch.simulator.responses import unavailable
from claimbatch.simulator.settings import SimulatorSettings
from claimbatch.simulator.state import SimulatorState, request_state, simulator_state

logger = logging.getLogger("claimbatch.simulator")

TOKEN_PATH = "/apip/auth/sntl/v1/token"  # noqa: S105 - a URL path, not a secret
INQUIRY_PATH = inquiry.INQUIRY_PATH
MAX_BODY_BYTES = 64 * 1024


def create_app(settings: SimulatorSettings, *, clock: Clock = time.monotonic) -> Starlette:
    """The ASGI app; serve it with uvicorn (server.py) or call it through httpx.ASGITransport."""
    app = Starlette(
        routes=[
            Route(TOKEN_PATH, token_endpoint, methods=["POST"]),
            Route(INQUIRY_PATH, inquiry.inquiry_endpoint, methods=["POST"]),
            Route("/_stats", stats_endpoint, methods=["GET"]),
            Route("/_control", control_endpoint, methods=["POST"]),
            Route("/_health", health_endpoint, methods=["GET"]),
        ],
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.simulator = SimulatorState(settings, clock)
    return app


# --- token ---------------------------------------------------------------------------------


async def token_endpoint(request: Request) -> Response:
    state = request_state(request)
    response = await _answer_token(state, request)
    state.stats.token_request(response.status_code)
    return response


async def _answer_token(state: SimulatorState, request: Request) -> Response:
    if state.outage.is_down():
        return unavailable()
    form = parse_qs((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
    grant_type = _first(form, "grant_type")
    client_id, client_secret = _client_credentials(request, form)
    if grant_type != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, 400)
    if client_id is None or client_secret is None or not state.tokens.accepts(client_id, client_secret):
        return JSONResponse({"error": "invalid_client"}, 401)
    return JSONResponse(
        {"access_token": state.tokens.issue(), "token_type": "Bearer", "expires_in": state.tokens.expires_in},
        headers={"Cache-Control": "no-store"},
    )


def _first(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _client_credentials(request: Request, form: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """From the form (client_secret_post) or, failing that, HTTP Basic (client_secret_basic)."""
    client_id, client_secret = _first(form, "client_id"), _first(form, "client_secret")
    if client_id is not None:
        return client_id, client_secret
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, sep, password = b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (BinasciiError, UnicodeDecodeError):
        return None, None
    return (user, password) if sep else (None, None)


# --- control plane -------------------------------------------------------------------------


async def stats_endpoint(request: Request) -> Response:
    return JSONResponse(request_state(request).stats_snapshot())


async def health_endpoint(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


_CONTROL_KEYS = {"down_for_s", "reset_stats", "reset_faults"}


async def control_endpoint(request: Request) -> Response:
    state = request_state(request)
    try:
        command = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JSONResponse({"error": "body must be a JSON object"}, 400)
    if not isinstance(command, dict) or not command or set(command) - _CONTROL_KEYS:
        return JSONResponse({"error": f"body must be a JSON object with some of {sorted(_CONTROL_KEYS)}"}, 400)
    down_for_s = command.get("down_for_s")
    if down_for_s is not None:
        if isinstance(down_for_s, bool) or not isinstance(down_for_s, int | float) or down_for_s < 0:
            return JSONResponse({"error": "down_for_s must be a number of seconds, 0 or more"}, 400)
        state.outage.start(float(down_for_s))
        logger.info("simulator outage set for %.1f s", down_for_s)
    if command.get("reset_stats") is True:
        state.stats.reset()
    if command.get("reset_faults") is True:
        state.faults.reset()
    return JSONResponse({"outage_remaining_s": round(state.outage.remaining_s(), 3)})
