"""Logger, Tracer and Metrics, made once for the whole package.

Every log line is JSON (Powertools). Rule for every call site: log ids (job id,
row number, chunk, correlation id) and counts, never a name, date of birth,
subscriber id or claim number.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "claimbatch"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=SERVICE, service=SERVICE)
