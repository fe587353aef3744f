"""Copies of slow requests, only with budget to spare; the first usable answer wins (fake clock: no real waits)."""

from __future__ import annotations

import asyncio

import pytest

from claimbatch.claims.hedged_requests import Hedger, HedgePolicy, MarkSent
from claimbatch.claims.latency_window import LatencyWindow
from tests.support.fake_time import FakeTime


class Payer:
    """Copies of one request; each answers when the test says so."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.answers: dict[int, asyncio.Future[str]] = {}
        self.given_up: list[int] = []

    async def send(self, copy: int, mark_sent: MarkSent) -> str:
        self.answers[copy] = asyncio.get_running_loop().create_future()
        self.sent.append(copy)
        mark_sent()
        try:
            return await self.answers[copy]
        except asyncio.CancelledError:
            self.given_up.append(copy)
            raise


def _hedger(spare: list[bool], policy: HedgePolicy | None = None) -> tuple[Hedger, FakeTime, LatencyWindow]:
    fake = FakeTime()
    window = LatencyWindow(size=10, prior_s=1.0, clock=fake.clock)
    for seconds in (1.0,) * 10:  # answers have taken a second: slow after max(p60, 1.5 x median) = 1.5 s
        request = window.sent()
        fake.now += seconds
        window.answered(request)
    return Hedger(policy or HedgePolicy(min_answers=10), window, lambda: spare[0], fake.timing()), fake, window


def _usable(answer: str) -> bool:
    """Answers are named by their status; a 429 or 5xx is an error answer, not a usable one."""
    return not answer.startswith(("429", "5"))


async def _turns(rounds: int) -> None:
    """Let the event loop run `rounds` times (what may happen next, has)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def _until(condition, rounds: int = 200) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_a_slow_request_gets_a_copy_when_the_budget_is_spare_and_the_first_answer_wins():
    hedger, fake, _ = _hedger(spare=[True])
    payer = Payer()
    started = fake.now
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))

    await _until(lambda: payer.sent == [0, 1])
    assert fake.now - started >= 1.5  # the copy went once the first had taken 1.5 times the median
    payer.answers[1].set_result("200 from the copy")

    assert await lookup == "200 from the copy"
    assert hedger.hedges == 1 and hedger.hedges_won == 1
    # The slower copy is not cancelled (that can wedge the HTTP pool): it ends on its own, unheard.
    assert payer.given_up == [] and not payer.answers[0].done()
    payer.answers[0].set_exception(TimeoutError("the slow one timed out"))
    await asyncio.sleep(0)


async def test_no_copy_while_the_budget_is_busy_and_one_as_soon_as_it_is_spare():
    spare = [False]
    hedger, fake, _ = _hedger(spare)
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))

    await _until(lambda: fake.now >= 1000.0 + 10 + 30, rounds=5000)  # 30 s with rows waiting for the budget
    assert payer.sent == [0] and hedger.hedges == 0
    spare[0] = True
    await _until(lambda: payer.sent == [0, 1])
    payer.answers[0].set_result("first")

    assert await lookup == "first"
    assert hedger.hedges_won == 0
    payer.answers[1].set_result("the copy, too late")


async def test_an_answer_before_the_request_is_slow_sends_no_copy():
    hedger, fake, _ = _hedger(spare=[True])
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: payer.sent == [0])
    payer.answers[0].set_result("quick")

    assert await lookup == "quick"
    assert hedger.hedges == 0 and payer.given_up == []


async def test_at_most_the_policy_s_copies_go():
    hedger, _, _ = _hedger(spare=[True], policy=HedgePolicy(max_copies=3, min_answers=10))
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))

    await _until(lambda: payer.sent == [0, 1, 2])
    await _turns(50)
    assert payer.sent == [0, 1, 2]
    payer.answers[0].set_result("the first, at last")

    assert await lookup == "the first, at last"
    assert hedger.hedges == 2 and payer.given_up == []


async def test_a_copy_that_fails_leaves_the_others_to_answer_and_all_failing_raises_the_first_failure():
    hedger, _, _ = _hedger(spare=[True], policy=HedgePolicy(max_copies=2, min_answers=10))
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: payer.sent == [0, 1])
    payer.answers[0].set_exception(TimeoutError("first timed out"))
    await _turns(10)
    assert not lookup.done()  # the copy may still answer
    payer.answers[1].set_exception(ConnectionError("copy failed"))

    with pytest.raises(TimeoutError, match="first timed out"):
        await lookup


async def test_a_request_waiting_for_its_slot_is_not_timed_and_gets_no_copy():
    hedger, fake, _ = _hedger(spare=[True])
    slot = asyncio.Event()
    sent: list[int] = []

    async def send(copy: int, mark_sent: MarkSent) -> str:
        await slot.wait()  # waiting for a slot and its pace
        sent.append(copy)
        mark_sent()
        return "answer"

    lookup = asyncio.create_task(hedger.first_answer(send, _usable))
    await _turns(50)
    slot.set()

    assert await lookup == "answer"
    assert sent == [0] and hedger.hedges == 0


async def test_cancelling_the_lookup_gives_up_every_copy():
    hedger, _, _ = _hedger(spare=[True])
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: payer.sent == [0, 1])
    lookup.cancel()

    with pytest.raises(asyncio.CancelledError):
        await lookup
    assert sorted(payer.given_up) == [0, 1]


async def test_no_copy_until_enough_answers_say_what_slow_is():
    hedger, fake, _ = _hedger(spare=[True], policy=HedgePolicy(min_answers=11))  # the window holds 10
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: fake.now >= 1000.0 + 10 + 30, rounds=5000)
    assert payer.sent == [0]
    payer.answers[0].set_result("slow, but the only one")
    assert await lookup == "slow, but the only one" and hedger.hedges == 0


async def test_a_copy_s_quick_429_does_not_beat_the_first_request_s_200():
    hedger, _, _ = _hedger(spare=[True], policy=HedgePolicy(max_copies=2, min_answers=10))
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: payer.sent == [0, 1])
    payer.answers[1].set_result("429 from the copy")
    await _turns(20)
    assert not lookup.done()  # the first request may still answer
    payer.answers[0].set_result("200 from the first")

    assert await lookup == "200 from the first"
    assert hedger.hedges == 1 and hedger.hedges_won == 0


async def test_no_further_copy_goes_once_a_copy_has_answered_an_error():
    hedger, _, _ = _hedger(spare=[True], policy=HedgePolicy(max_copies=3, min_answers=10))
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: payer.sent == [0, 1])
    payer.answers[1].set_result("429 from the copy")  # the payer is throttling: no third request
    for _ in range(500):  # time enough for the copy to turn slow many times over (the clock moves with each wait)
        await asyncio.sleep(0)
    assert payer.sent == [0, 1] and hedger.hedges == 1
    payer.answers[0].set_result("200 from the first")

    assert await lookup == "200 from the first"


async def test_a_copy_s_200_beats_the_first_request_s_later_error_answer():
    hedger, _, _ = _hedger(spare=[True], policy=HedgePolicy(max_copies=2, min_answers=10))
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: payer.sent == [0, 1])
    payer.answers[0].set_result("503 from the first")
    await _turns(20)
    assert not lookup.done()
    payer.answers[1].set_result("200 from the copy")

    assert await lookup == "200 from the copy" and hedger.hedges_won == 1


async def test_when_every_copy_answers_an_error_the_first_request_s_error_comes_back_once_all_have_ended():
    hedger, _, _ = _hedger(spare=[True], policy=HedgePolicy(max_copies=2, min_answers=10))
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: payer.sent == [0, 1])
    payer.answers[1].set_result("429 from the copy")
    await _turns(20)
    assert not lookup.done()
    payer.answers[0].set_result("503 from the first")

    assert await lookup == "503 from the first"
    assert hedger.hedges_won == 0 and payer.given_up == []


async def test_an_error_answer_is_preferred_to_another_copy_s_exception():
    hedger, _, _ = _hedger(spare=[True], policy=HedgePolicy(max_copies=2, min_answers=10))
    payer = Payer()
    lookup = asyncio.create_task(hedger.first_answer(payer.send, _usable))
    await _until(lambda: payer.sent == [0, 1])
    payer.answers[0].set_exception(TimeoutError("first timed out"))
    await _turns(20)
    assert not lookup.done()
    payer.answers[1].set_result("429 from the copy")  # its Retry-After says more than a timeout

    assert await lookup == "429 from the copy"


def test_a_payer_whose_answers_all_take_the_same_time_is_hedged_only_well_past_it():
    fake = FakeTime()
    window = LatencyWindow(size=100, prior_s=0.2, clock=fake.clock)
    for _ in range(100):
        request = window.sent()
        fake.now += 0.25
        window.answered(request)
    hedger = Hedger(HedgePolicy(), window, lambda: True, fake.timing())
    assert hedger.slow_after_s() == pytest.approx(0.375)  # 1.5 times the median, not the 60th percentile


def test_nonsense_policies_are_refused():
    for policy in ({"quantile": 1.0}, {"median_multiple": 0.5}, {"max_copies": 0}, {"recheck_s": 0}, {"min_answers": 0}):
        with pytest.raises(ValueError):
            HedgePolicy(**policy)  # type: ignore[arg-type]
