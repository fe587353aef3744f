"""FileLinks of the embedded runtime: URLs of the local API server, signed with HMAC.

Uploads follow S3's POST form semantics: the form's fields carry a base64 JSON
policy (`expiration`, `conditions`: the exact key, a content-length-range) and
its signature; the server accepts the file only if the signature matches, the
policy has not expired, every field is allowed by the policy, and the file's
size is in range. Downloads carry the key's signature and expiry in the query.
The secret is made when the server starts: links die with it (they are short-lived anyway).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from claimbatch.ports.uploads import PresignedPost

UPLOAD_PATH = "/_uploads"
DOWNLOAD_PATH = "/_downloads/"
# Fields every form carries beyond those the policy names (as S3: the policy and its signature).
SIGNING_FIELDS = frozenset({"policy", "signature"})


class LinkRejected(Exception):
    """A form or URL that is not one this server signed, or no longer valid."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class UploadGrant:
    key: str
    max_bytes: int


class SignedFileLinks:
    def __init__(self, base_url: str, secret: bytes | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._secret = secret or secrets.token_bytes(32)
        self._clock = clock or (lambda: datetime.now(UTC))

    def _sign(self, message: str) -> str:
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()

    # -- uploads ---------------------------------------------------------------------

    def upload_form(self, key: str, max_bytes: int, expires_at: datetime) -> PresignedPost:
        policy = {
            "expiration": expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conditions": [{"key": key}, ["content-length-range", 1, max_bytes]],
        }
        encoded = base64.b64encode(json.dumps(policy, separators=(",", ":")).encode()).decode()
        return PresignedPost(
            url=self._base_url + UPLOAD_PATH, fields={"key": key, "policy": encoded, "signature": self._sign(encoded)}
        )

    def verify_upload(self, fields: Mapping[str, str]) -> UploadGrant:
        """What a submitted form (its fields before the file) may upload; raises LinkRejected."""
        encoded, signature = fields.get("policy", ""), fields.get("signature", "")
        if not encoded or not hmac.compare_digest(self._sign(encoded), signature):
            raise LinkRejected("the form's policy or signature is missing or wrong")
        try:
            policy = json.loads(base64.b64decode(encoded, validate=True))
            expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
            conditions = policy["conditions"]
            exact = {
                name: value
                for condition in conditions
                if isinstance(condition, dict)
                for name, value in condition.items()
            }
            (low, high) = next(c[1:] for c in conditions if isinstance(c, list) and c[0] == "content-length-range")
        except (binascii.Error, ValueError, KeyError, TypeError, StopIteration):
            raise LinkRejected("the form's policy cannot be read") from None
        if self._clock() > expiration:
            raise LinkRejected("the upload form has expired; create a new job")
        for name, value in exact.items():
            if fields.get(name) != value:
                raise LinkRejected(f"the form's field {name!r} does not match its policy")
        extra = set(fields) - set(exact) - SIGNING_FIELDS
        if extra:
            raise LinkRejected(f"the form has fields its policy does not allow: {', '.join(sorted(extra))}")
        if low != 1:
            raise LinkRejected("the form's policy cannot be read")
        return UploadGrant(key=exact["key"], max_bytes=int(high))

    # -- downloads -------------------------------------------------------------------

    def _download_message(self, key: str, filename: str, expires: int) -> str:
        return f"GET\n{key}\n{filename}\n{expires}"

    def download_url(self, bucket: str, key: str, filename: str, expires_at: datetime) -> str:
        expires = int(expires_at.timestamp())
        query = urlencode(
            {
                "filename": filename,
                "expires": expires,
                "signature": self._sign(self._download_message(key, filename, expires)),
            }
        )
        return f"{self._base_url}{DOWNLOAD_PATH}{quote(key)}?{query}"

    def verify_download(self, key: str, query: Mapping[str, str]) -> str:
        """The file name to download `key` as; raises LinkRejected."""
        filename, signature = query.get("filename", ""), query.get("signature", "")
        try:
            expires = int(query.get("expires", ""))
        except ValueError:
            raise LinkRejected("the download link is not valid") from None
        if not hmac.compare_digest(self._sign(self._download_message(key, filename, expires)), signature):
            raise LinkRejected("the download link is not valid")
        if self._clock().timestamp() > expires:
            raise LinkRejected("the download link has expired; ask the API for a new one")
        return filename
