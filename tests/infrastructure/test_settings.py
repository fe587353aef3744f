"""Settings: the worker fleet follows the API's request budget; context is read safely."""

from __future__ import annotations

from typing import Any

import pytest

from infra.settings import API_INTEGRATION_TIMEOUT_S, JOB_TABLE_INDEXES, VISIBILITY_TIMEOUT_FACTOR, Settings


class FakeContext:
    def __init__(self, **values: Any) -> None:
        self._values = values

    def try_get_context(self, key: str) -> Any:
        return self._values.get(key)


@pytest.mark.parametrize(
    ("budget_rps", "latency_s", "lookups_per_worker", "expected_workers"),
    [
        (50, 0.5, 16, 3),  # 25 requests in flight (37.5 with headroom) need 3 workers of 16
        (400, 1.0, 16, 38),  # 600 in flight with headroom / 16 = 38 workers
        (4, 0.1, 16, 2),  # never below Lambda's floor of 2
        (100_000, 2.0, 1, 1000),  # never above Lambda's ceiling of 1000
    ],
)
def test_worker_concurrency_follows_the_api_budget(
    budget_rps: float, latency_s: float, lookups_per_worker: int, expected_workers: int
) -> None:
    settings = Settings(api_budget_rps=budget_rps, api_latency_s=latency_s, lookup_concurrency=lookups_per_worker)

    assert settings.worker.max_concurrency == expected_workers


def test_each_worker_holds_its_share_of_the_lookups_in_flight_at_most_its_cap() -> None:
    slow_payer = Settings(api_budget_rps=50, api_latency_s=1.5, lookup_concurrency=16)
    assert slow_payer.worker.max_concurrency == 8  # 50/s x 1.5 s x 1.5 = 112.5 in flight / 16
    assert slow_payer.worker_lookups == 15  # 112.5 / 8 workers
    assert slow_payer.api_rps_per_worker == 6.25

    few = Settings(api_budget_rps=4, api_latency_s=0.5, lookup_concurrency=16)
    assert few.worker.max_concurrency == 2 and few.worker_lookups == 2  # Lambda's floor: 3 in flight over 2


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
    assert settings.worker.max_concurrency == 6  # 120 x 0.25 = 30 in flight, x 1.5 headroom = 45 / 8
    assert settings.worker_lookups == 8  # 45 in flight / 6 workers


@pytest.mark.parametrize(
    ("context", "complaint"),
    [
        ({"name_prefix": "Claims_Prod"}, "name_prefix"),
        ({"lookup_concurrency": "many"}, "not a number"),
        ({"lookup_concurrency": "2.5"}, "not a whole number"),
        ({"worker_max_concurrency": "1"}, "worker_max_concurrency"),
        ({"skip_dependency_install": "perhaps"}, "not true or false"),
        ({"architecture": "sparc"}, "architecture"),
        ({"job_table_indexes": "tenant-jobs"}, "job_table_indexes"),  # the sweeper needs active-jobs
        ({"job_table_indexes": "active-jobs,by-claim"}, "job_table_indexes"),
    ],
)
def test_bad_context_is_refused_with_the_key_named(context: dict[str, str], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Settings.from_context(FakeContext(**context))


def test_every_consumer_leaves_its_queue_six_timeouts_of_visibility() -> None:
    settings = Settings()

    for function in (settings.splitter, settings.worker, settings.aggregator, settings.dead_letters):
        assert function.visibility_timeout.to_seconds() == VISIBILITY_TIMEOUT_FACTOR * function.timeout.to_seconds()


def test_the_worker_fails_a_row_before_its_message_can_reach_the_dead_letter_queue() -> None:
    settings = Settings()

    assert settings.rows_queue.max_receive_count > settings.max_row_receives


def test_the_job_table_indexes_can_be_added_one_deployment_at_a_time() -> None:
    assert Settings().job_table_indexes == JOB_TABLE_INDEXES == ("active-jobs", "tenant-jobs")
    assert Settings.from_context(FakeContext(job_table_indexes="active-jobs")).job_table_indexes == ("active-jobs",)
    assert Settings.from_context(FakeContext(job_table_indexes=["active-jobs", "tenant-jobs"])).job_table_indexes == (
        "active-jobs",
        "tenant-jobs",
    )


def test_a_job_riding_out_an_api_outage_is_not_taken_for_stalled() -> None:
    settings = Settings()
    longest_quiet = settings.row_patience_s + settings.worker.visibility_timeout.to_seconds()

    assert settings.stall_after_s > longest_quiet
    with pytest.raises(ValueError, match="stall_after_s"):
        Settings(stall_after_s=int(longest_quiet))


def test_one_scheduled_sweep_ends_before_the_next_starts() -> None:
    for minutes in (2, 5, 60):
        sweeper = Settings(sweep_every_minutes=minutes).sweeper
        assert sweeper.schedule is not None
        assert 0 < sweeper.timeout.to_seconds() < sweeper.schedule.to_seconds()
        assert sweeper.timeout.to_seconds() <= 900
    assert Settings().sweeper.timeout.to_seconds() == 240


def test_the_dead_letter_function_gets_five_receives_beyond_the_rows_queues() -> None:
    rows = Settings().rows_queue

    assert rows.dead_letters_max_receive_count is not None
    assert rows.dead_letters_max_receive_count - rows.max_receive_count == 5


def test_the_job_api_answers_before_api_gateway_gives_up() -> None:
    assert Settings().job_api.timeout.to_seconds() < API_INTEGRATION_TIMEOUT_S <= 29


def test_an_upload_the_splitter_would_refuse_is_not_allowed_by_the_form() -> None:
    with pytest.raises(ValueError, match="max_upload_bytes"):
        Settings(max_upload_bytes=2 << 30, max_bytes_per_file=1 << 30)
    assert Settings().max_upload_bytes <= Settings().max_bytes_per_file


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"max_redelivery_delay_s": 50_000}, "redelivery delays"),  # past SQS's 12 hours of visibility
        ({"redelivery_base_s": 10, "max_redelivery_delay_s": 5}, "redelivery delays"),
        ({"lookup_max_attempts": 0}, "lookup_max_attempts"),
        ({"rows_per_message": 1_001}, "rows_per_message 1001: between 1 and 1,000"),
        ({"rows_per_message": 0}, "rows_per_message 0"),
    ],
)
def test_redelivery_and_lookup_settings_are_checked(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Settings(**values)


def test_the_stack_starts_from_the_functions_own_defaults() -> None:
    from claimbatch import defaults
    from claimbatch.handlers.env_vars import JobApiEnv, SignalsEnv, SplitterEnv, WorkerEnv

    settings = Settings()
    chosen = {
        "MAX_ROWS_PER_FILE": settings.max_rows_per_file,
        "MAX_BYTES_PER_FILE": settings.max_bytes_per_file,
        "ROWS_PER_MESSAGE": settings.rows_per_message,
        "LOOKUP_CONCURRENCY": settings.lookup_concurrency,
        "LOOKUP_MAX_ATTEMPTS": settings.lookup_max_attempts,
        "LOOKUP_BASE_DELAY_S": settings.lookup_base_delay_s,
        "LOOKUP_MAX_ELAPSED_S": settings.lookup_max_elapsed_s,
        "MAX_ROW_RECEIVES": settings.max_row_receives,
        "ROW_PATIENCE_S": settings.row_patience_s,
        "REDELIVERY_BASE_S": settings.redelivery_base_s,
        "MAX_REDELIVERY_DELAY_S": settings.max_redelivery_delay_s,
        "STALL_AFTER_S": settings.stall_after_s,
        "MAX_REDRIVES": settings.max_redrives,
        "MAX_UPLOAD_BYTES": settings.max_upload_bytes,
        "UPLOAD_URL_EXPIRES_S": settings.upload_url_expires_s,
        "DOWNLOAD_URL_EXPIRES_S": settings.download_url_expires_s,
        "CLAIMS_PAYER_ID": defaults.CLAIMS_PAYER_ID,
    }
    for model in (SplitterEnv, WorkerEnv, SignalsEnv, JobApiEnv):
        for field in model.model_fields.values():
            if field.alias in chosen:
                assert field.default == chosen[field.alias], field.alias


@pytest.mark.parametrize(
    ("budget_rps", "latency_s", "expected_chunks"),
    [
        (50, 1.5, 3),  # 6.25 requests/s per worker: 3 x 100 rows take 49.5 s of the 60 s allowed
        (400, 0.2, 5),  # 16.7/s per worker fits more than 5 chunks in 60 s: at most 5
        (5, 1.5, 1),  # 2.5/s per worker: one chunk (41.5 s) is all that fits
    ],
)
def test_the_workers_batch_fits_in_half_its_timeout_at_its_share_of_the_budget(
    budget_rps: float, latency_s: float, expected_chunks: int
) -> None:
    settings = Settings(api_budget_rps=budget_rps, api_latency_s=latency_s)

    assert settings.worker.batch_size == expected_chunks
    assert settings.worker_batch_s(expected_chunks) <= settings.worker.timeout.to_seconds() / 2


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        # 66 workers of 0.76 requests/s each: one chunk of 100 rows takes 146 s.
        ({"api_budget_rps": 50, "api_latency_s": 14}, r"rows_per_message 100: one chunk takes 146 s .* 120 s timeout"),
        ({"api_budget_rps": 1}, r"rows_per_message 100: one chunk takes 202 s"),
        ({"worker_deadline_margin_s": 90}, "worker_deadline_margin_s 90: between 0 and 60 s"),
    ],
)
def test_settings_where_one_chunk_cannot_fit_in_the_workers_time_are_refused(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        Settings(**values)
