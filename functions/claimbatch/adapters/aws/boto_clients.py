"""boto3 clients, made once per execution environment with explicit timeouts
and the SDK's standard retry mode."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "max_attempts": 5},
    max_pool_connections=32,
)


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)
