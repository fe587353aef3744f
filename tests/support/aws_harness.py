"""Moved to `testkit.aws_pipeline` (shared with the benchmarks); kept for imports not yet updated."""

from testkit.aws_pipeline import *  # noqa: F403
