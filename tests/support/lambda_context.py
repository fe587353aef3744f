"""Moved to `testkit.lambda_context` (shared with the benchmarks); kept for imports not yet updated."""

from testkit.lambda_context import *  # noqa: F403
