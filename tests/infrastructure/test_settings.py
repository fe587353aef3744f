"""Settings: the worker fleet follows the API's request budget; context is read safely."""

from __future__ import annotations

from typing import Any

import pytest

from infra.settings import VISIBILITY_TIMEOUT_FACTOR, Settings


class FakeContext:
    def __init__(self, **values: Any) -> None:
        self._values = values

    def try_get_context(self, key: str) -> Any:
        return self._values.get(key)


@pytest.mark.parametrize(
    ("budget_rps", "latency_s", "lookups_per_worker", "expected_workers"),
    [
        (50, 0.5, 16, 2),  # 25 requests in flight need 2 workers of 16
        (400, 1.0, 16, 25),  # 400 in flight / 16 = 25 workers
        (1, 0.1, 16, 2),  # never below Lambda's floor of 2
        (100_000, 2.0, 1, 1000),  # never above Lambda's ceiling of 1000
    ],
)
def test_worker_concurrency_follows_the_api_budget(
    budget_rps: float, latency_s: float, lookups_per_worker: int, expected_workers: int
) -> None:
    settings = Settings(api_budget_rps=budget_rps, api_latency_s=latency_s, lookup_concurrency=lookups_per_worker)

    assert settings.worker.max_concurrency == expected_workers


def test_an_explicit_worker_concurrency_wins_over_the_budget() -> None:
    settings = Settings.from_context(FakeContext(api_budget_rps="400", worker_max_concurrency="7"))

    assert settings.worker.max_concurrency == 7


def test_context_values_from_the_command_line_are_parsed() -> None:
    # `cdk deploy -c key=value` hands every value over as a string.
    settings = Settings.from_context(
        FakeContext(
            name_prefix="claims-test",
            api_budget_rps="120",
            api_latency_s="0.25",
            lookup_concurrency="8",
            skip_dependency_install="true",
        )
    )

    assert settings.name_prefix == "claims-test"
    assert settings.api_budget_rps == 120.0
    assert settings.lookup_concurrency == 8
    assert settings.skip_dependency_install is True
    assert settings.worker.max_concurrency == 4  # 120 x 0.25 = 30 in flight / 8


@pytest.mark.parametrize(
    ("context", "complaint"),
    [
        ({"name_prefix": "Claims_Prod"}, "name_prefix"),
        ({"lookup_concurrency": "many"}, "not a number"),
        ({"lookup_concurrency": "2.5"}, "not a whole number"),
        ({"worker_max_concurrency": "1"}, "worker_max_concurrency"),
        ({"skip_dependency_install": "perhaps"}, "not true or false"),
        ({"architecture": "sparc"}, "architecture"),
    ],
)
def test_bad_context_is_refused_with_the_key_named(context: dict[str, str], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Settings.from_context(FakeContext(**context))


def test_every_consumer_leaves_its_queue_six_timeouts_of_visibility() -> None:
    settings = Settings()

    for function in (settings.splitter, settings.worker, settings.aggregator):
        assert function.visibility_timeout.to_seconds() == VISIBILITY_TIMEOUT_FACTOR * function.timeout.to_seconds()


def test_the_worker_fails_a_row_before_its_message_can_reach_the_dead_letter_queue() -> None:
    settings = Settings()

    assert settings.rows_queue.max_receive_count > settings.max_row_receives
