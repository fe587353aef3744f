"""The `next` token of GET /jobs: an opaque, URL-safe form of a listing position.

A token of the right alphabet that this API did not return (made up, or cut
short) is an `UnknownToken`, which the route answers with an empty last page,
not an error: every token the API description allows is answered."""

from __future__ import annotations

import base64
import binascii
import re

_POSITION = re.compile(r"\d{4}-\d\d-\d\dT[0-9:.+-]{8,40}#[0-9a-f]{1,64}")


def encode_next(position: str | None) -> str | None:
    return None if position is None else base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_next(token: str | None) -> str | None:
    """The listing position a token stands for; raises UnknownToken."""
    if token is None:
        return None
    try:
        position = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        position = ""
    if _POSITION.fullmatch(position) is None:
        raise UnknownToken
    return position


class UnknownToken(Exception):
    """A `next` token this API did not return."""
