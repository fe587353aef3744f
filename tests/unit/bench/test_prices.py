"""The cost arithmetic of `make bench` on known counts (no timing, no AWS)."""

from __future__ import annotations

import pytest

from bench.aws_usage import item_size, read_units, write_units
from bench.prices import (
    CostSheet,
    cpu_slowdown,
    gb_seconds,
    price_lambda,
    price_requests,
    s3_batch_operations,
    step_functions_distributed_map,
)


def test_requests_are_priced_per_service_at_list_prices() -> None:
    # Given a million of each billed unit (and S3, Secrets Manager and KMS calls)
    requests = {
        "s3:PutObject": 600,
        "s3:UploadPart": 400,
        "s3:GetObject": 2_000,
        "s3:HeadObject": 500,
        "s3:DeleteObject": 7,
        "secretsmanager:GetSecretValue": 10_000,
        "kms:Decrypt": 10_000,
        "sqs:SendMessageBatch": 123,  # SQS is billed by its 64 KB chunks, counted apart
    }

    # When they are priced
    sheet = price_requests(requests, sqs_billed_requests=1_000_000, dynamodb_wru=2_000_000, dynamodb_rru=8_000_000)

    # Then each service costs its list price, deletes are free, and the total is their sum
    assert sheet.by_service() == pytest.approx(
        {"SQS": 0.40, "DynamoDB": 1.25 + 1.00, "S3": 0.005 + 0.001, "Secrets Manager": 0.05, "KMS": 0.03}
    )
    assert sheet.usd == pytest.approx(2.736)


def test_lambda_bills_milliseconds_rounded_up_times_memory() -> None:
    assert gb_seconds(0.2, 512) == pytest.approx(0.1)
    assert gb_seconds(0.0001, 1024) == pytest.approx(0.001)  # never less than one millisecond
    assert gb_seconds(1.0004, 1024) == pytest.approx(1.001)
    # 2,000 invocations of 6.4 s at 512 MB: 6,400 GB-s and 2,000 requests
    sheet = price_lambda("worker", 2_000, 2_000 * gb_seconds(6.4, 512))
    assert sheet.usd == pytest.approx(6_400 * 0.0000133334 + 2_000 * 0.20 / 1e6)


def test_cpu_is_slower_below_a_full_vcpu_only() -> None:
    assert cpu_slowdown(512) == pytest.approx(1769 / 512)
    assert cpu_slowdown(1769) == 1.0
    assert cpu_slowdown(3008) == 1.0


def test_per_row_designs_priced_beside_ours() -> None:
    # A million rows, one 128 MB invocation of 200 ms each: 25,000 GB-s and a million requests
    per_row_lambda = 25_000 * 0.0000133334 + 0.20
    assert s3_batch_operations(1_000_000, 0.2, 128).usd == pytest.approx(0.25 + 1.00 + per_row_lambda)
    step = step_functions_distributed_map(1_000_000, 0.2, 128, transitions_per_row=2, parent_transitions=10)
    assert step.usd == pytest.approx(2_000_010 * 0.025 / 1_000 + per_row_lambda)


def test_extrapolation_scales_every_quantity() -> None:
    sheet = price_requests({"s3:PutObject": 3}, sqs_billed_requests=32, dynamodb_wru=1_092, dynamodb_rru=60)
    assert isinstance(sheet.scaled(100), CostSheet)
    assert sheet.scaled(100).usd == pytest.approx(100 * sheet.usd)


def test_dynamodb_units_follow_item_sizes() -> None:
    # Given a job-like item: names and values count, numbers by their digits
    item = {"pk": {"S": "JOB#abc"}, "done": {"N": "12345"}, "source": {"M": {"key": {"S": "inbox/a.csv"}}}}
    # pk: 2 + 7; done: 4 + (3 digit pairs + 1); source: 6 + (3 + len("key") + 11 + 1)
    assert item_size(item) == 9 + 8 + 24
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(0) == 1  # a write of nothing still costs one unit
    assert read_units(4096, consistent=False) == 0.5
    assert read_units(4097, consistent=True) == 2.0
