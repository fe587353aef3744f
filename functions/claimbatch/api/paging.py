"""The `next` token of GET /jobs: an opaque, URL-safe form of a listing position."""

from __future__ import annotations

import base64
import binascii
import re

from claimbatch.api.errors import ApiProblem

_POSITION = re.compile(r"\d{4}-\d\d-\d\dT[0-9:.+-]{8,40}#[0-9a-f]{1,64}")


def encode_next(position: str | None) -> str | None:
    return None if position is None else base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_next(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        position = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        position = ""
    if _POSITION.fullmatch(position) is None:
        raise ApiProblem("`next` is not a token this API returned")
    return position
