from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from testkit.aws_pipeline import AwsPipeline
from tests.support.runtimes import AwsRunner, EmbeddedRunner, FileRunner

TEST_ENV = {"ROWS_PER_MESSAGE": "10", "LOOKUP_BASE_DELAY_S": "0.001", "LOOKUP_MAX_ATTEMPTS": "3", "MAX_ROW_RECEIVES": "3", "MAX_REDELIVERY_DELAY_S": "0"}


@pytest.fixture(params=["aws", "embedded"])
def runner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, simulator, tmp_path) -> Iterator[FileRunner]:
    """The same file through the Lambda handlers on moto, or through the embedded runtime."""
    if request.param == "aws":
        (table,) = request.getfixturevalue("synthesized").of_type("AWS::DynamoDB::Table").values()
        with mock_aws():
            yield AwsRunner(AwsPipeline(monkeypatch, simulator.base_url, table=table["Properties"], **TEST_ENV))
    else:
        yield EmbeddedRunner(tmp_path / "data", simulator.base_url)
