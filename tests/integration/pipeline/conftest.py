from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from moto import mock_aws

from claimbatch.simulator.server import RunningSimulator
from testkit.aws_pipeline import AwsPipeline
from tests.support.synth import Synthesized

# Small chunks, so that a few rows already make several messages; retries without real waits.
TEST_ENV = {
    "ROWS_PER_MESSAGE": "10",
    "LOOKUP_BASE_DELAY_S": "0.001",
    "LOOKUP_MAX_ATTEMPTS": "3",
    "MAX_ROW_RECEIVES": "3",
    "MAX_REDELIVERY_DELAY_S": "0",
}


@pytest.fixture
def make_pipeline(
    monkeypatch: pytest.MonkeyPatch, simulator: RunningSimulator, synthesized: Synthesized
) -> Iterator[Callable[..., AwsPipeline]]:
    (table,) = synthesized.of_type("AWS::DynamoDB::Table").values()  # the job table as deployed
    with mock_aws():
        yield lambda **env: AwsPipeline(
            monkeypatch, simulator.base_url, table=table["Properties"], **{**TEST_ENV, **env}
        )


@pytest.fixture
def pipeline(make_pipeline: Callable[..., AwsPipeline]) -> AwsPipeline:
    return make_pipeline()
