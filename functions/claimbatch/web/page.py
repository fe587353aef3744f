"""The web page for billing staff, served by the job API's resolver in both runtimes.

    GET /                 the page (static/index.html)
    GET /web/<asset>      its scripts and style sheet, a fixed list
    GET /web/config.json  how the page signs in (none, an API token, or Cognito's hosted sign-in)

None of these needs a token: the page holds no data, it only calls the job API's own
routes, which do. Every answer carries a strict Content-Security-Policy: scripts and
styles from this origin only, no inline code, requests only to this origin and to
the origins the sign-in and the uploads need (`SignIn.connect_origins`).

    app = build_job_api(deps)
    install_web_page(app, SignIn.local(token_required=True))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from http import HTTPStatus
from importlib import resources

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

PAGE_PATH = "/"
ASSET_PREFIX = "/web/"
CONFIG_ASSET = "config.json"
# The only files served: a request for any other name is a 404, never a file system lookup.
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "auth.js": "text/javascript; charset=utf-8",
    "jobs.js": "text/javascript; charset=utf-8",
    "upload.js": "text/javascript; charset=utf-8",
    "notifications.js": "text/javascript; charset=utf-8",
    "dom.js": "text/javascript; charset=utf-8",
}


class SignInMode(StrEnum):
    NONE = "none"  # `claimbatch serve` without a token, on loopback
    TOKEN = "token"  # `claimbatch serve --api-token`: the page asks for the token
    COGNITO = "cognito"  # AWS: Cognito's hosted sign-in, authorization code with PKCE


@dataclass(frozen=True)
class SignIn:
    mode: SignInMode
    domain: str | None = None  # the hosted sign-in's base URL, https://<prefix>.auth.<region>.amazoncognito.com
    client_id: str | None = None  # the app client of the page
    connect_origins: tuple[str, ...] = ()  # other origins the page sends requests to (sign-in, storage)

    @classmethod
    def local(cls, *, token_required: bool) -> SignIn:
        return cls(SignInMode.TOKEN if token_required else SignInMode.NONE)

    @classmethod
    def cognito(cls, domain: str, client_id: str, storage_origins: tuple[str, ...]) -> SignIn:
        domain = domain.rstrip("/")
        return cls(SignInMode.COGNITO, domain, client_id, (domain, *storage_origins))

    def config(self) -> dict[str, object]:
        config: dict[str, object] = {"sign_in": self.mode.value}
        if self.mode is SignInMode.COGNITO:
            config["cognito"] = {"domain": self.domain, "client_id": self.client_id}
        return config


def is_page_path(path: str) -> bool:
    return path == PAGE_PATH or path.startswith(ASSET_PREFIX)


def content_security_policy(sign_in: SignIn) -> str:
    connect = " ".join(("'self'", *sign_in.connect_origins))
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "form-action 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(sign_in: SignIn) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(sign_in),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-cache",
    }


@cache
def asset_text(name: str) -> str:
    return (resources.files("claimbatch.web") / "static" / name).read_text(encoding="utf-8")


def install_web_page(app: APIGatewayHttpResolver, sign_in: SignIn) -> None:
    """Add the page's routes to the job API's resolver (left out of the OpenAPI document)."""
    headers = security_headers(sign_in)
    config = json.dumps(sign_in.config())

    def answer(body: str, content_type: str) -> Response:
        return Response(status_code=HTTPStatus.OK, content_type=content_type, body=body, headers=dict(headers))

    @app.get(PAGE_PATH, include_in_schema=False, compress=True)
    def page():  # type: ignore[no-untyped-def]  # HTML, not a model
        return answer(asset_text("index.html"), ASSETS["index.html"])

    @app.get(f"{ASSET_PREFIX}<name>", include_in_schema=False, compress=True)
    def asset(name: str):  # type: ignore[no-untyped-def]  # a file, not a model
        if name == CONFIG_ASSET:
            return answer(config, content_types.APPLICATION_JSON)
        if name not in ASSETS:
            return Response(
                status_code=HTTPStatus.NOT_FOUND,
                content_type=content_types.APPLICATION_JSON,
                body=json.dumps({"message": "no such file", "details": []}),
                headers=dict(headers),
            )
        return answer(asset_text(name), ASSETS[name])
