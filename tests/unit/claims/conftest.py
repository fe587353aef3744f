"""Fixtures of the client tests: fake time, and the payer's API mocked with respx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from claimbatch.claims.optum_client import TOKEN_PATH
from tests.support.fake_time import FakeTime
from tests.support.optum_api import BASE, TOKEN_OK


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """The API with its token endpoint granting a token; a test mocks the inquiry it needs."""
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.post(TOKEN_PATH).mock(return_value=TOKEN_OK)
        yield mock
