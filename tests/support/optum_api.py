"""The payer's API as the client tests mock it: one base URL, and a token it always grants."""

from __future__ import annotations

import httpx

BASE = "https://claims.example.test"
TOKEN_OK = httpx.Response(200, json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600})
