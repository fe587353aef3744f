"""One redelivery policy for the Lambda worker and the embedded pool: growing, capped, jittered waits."""

from __future__ import annotations

import pytest
from claimbatch import defaults
from claimbatch.logic.redelivery import RedeliveryPolicy


def _highest(low: float, high: float) -> float:
    return high


def _lowest(low: float, high: float) -> float:
    return low


def test_the_wait_doubles_with_every_delivery_up_to_the_cap() -> None:
    policy = RedeliveryPolicy(base_s=1.0, max_delay_s=30.0, uniform=_highest)

    assert [policy.delay_s(delivery) for delivery in range(1, 7)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert policy.delay_s(10_000) == 30.0  # no overflow however often a chunk came back


def test_the_wait_is_jittered_but_never_below_half_its_ceiling() -> None:
    policy = RedeliveryPolicy(base_s=1.0, max_delay_s=300.0)

    waits = {policy.delay_s(3) for _ in range(200)}

    assert len(waits) > 1
    assert all(4.0 <= wait <= 8.0 for wait in waits)
    assert RedeliveryPolicy(base_s=1.0, max_delay_s=300.0, uniform=_lowest).delay_s(3) == 4.0


def test_a_zero_cap_redelivers_at_once() -> None:
    assert RedeliveryPolicy(base_s=1.0, max_delay_s=0.0).delay_s(5) == 0.0


def test_negative_delays_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        RedeliveryPolicy(base_s=-1.0)


def test_both_runtimes_take_their_policy_from_the_same_defaults() -> None:
    from pathlib import Path

    from claimbatch.handlers.env_vars import WorkerEnv
    from claimbatch.runtime.embedded_settings import EmbeddedSettings

    local = EmbeddedSettings(data_dir=Path("unused")).redelivery
    fields = WorkerEnv.model_fields

    assert local.base_s == fields["redelivery_base_s"].default == defaults.REDELIVERY_BASE_S
    assert local.max_delay_s == defaults.LOCAL_MAX_REDELIVERY_DELAY_S
    assert fields["max_redelivery_delay_s"].default == defaults.MAX_REDELIVERY_DELAY_S
