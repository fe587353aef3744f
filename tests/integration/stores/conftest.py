"""Both job stores behind one fixture: DynamoDB on moto, its table made from the
synthesized template's own key schema and indexes, and SQLite in a temporary folder."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import boto3
import pytest
from claimbatch.adapters.aws.dynamodb_job_store import DynamoJobStore
from claimbatch.adapters.embedded.sqlite_job_store import SqliteJobStore
from moto import mock_aws

from testkit.aws_pipeline import SerializedCalls
from tests.support.synth import Synthesized
from tests.support.template_resources import REGION

STORES = ["dynamodb", "sqlite"]
AnyStore = DynamoJobStore | SqliteJobStore


@pytest.fixture(scope="session")
def job_table_properties(synthesized: Synthesized) -> dict[str, Any]:
    (table,) = synthesized.of_type("AWS::DynamoDB::Table").values()
    return table["Properties"]


class StoreMaker:
    """Fresh, empty stores of one kind (a new table, or a new database file, each call)."""

    def __init__(self, kind: str, table: dict[str, Any], stack: ExitStack) -> None:
        self.kind = kind
        self._table = table
        self._stack = stack
        self._numbers = itertools.count()
        if kind == "dynamodb":
            stack.enter_context(mock_aws())
            self._client = boto3.client("dynamodb", region_name=REGION)
        else:
            self._folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))

    def __call__(self) -> AnyStore:
        number = next(self._numbers)
        if self.kind == "sqlite":
            store = SqliteJobStore(self._folder / f"jobs-{number}.db")
            self._stack.callback(store.close)
            return store
        name = f"jobs-{number}"
        self._client.create_table(
            TableName=name,
            KeySchema=self._table["KeySchema"],
            AttributeDefinitions=self._table["AttributeDefinitions"],
            GlobalSecondaryIndexes=self._table["GlobalSecondaryIndexes"],
            BillingMode=self._table["BillingMode"],
        )
        # moto's tables are not thread-safe; DynamoDB makes each call atomic.
        return DynamoJobStore(name, SerializedCalls(self._client))


@pytest.fixture(params=STORES)
def make_store(request: pytest.FixtureRequest, job_table_properties: dict[str, Any]) -> Iterator[StoreMaker]:
    with ExitStack() as stack:
        yield StoreMaker(request.param, job_table_properties, stack)


@pytest.fixture
def store(make_store: Callable[[], AnyStore]) -> AnyStore:
    return make_store()
