"""The payer's answer times: their mean for sizing, their spread for hedging.

Only the answer time counts, never the wait for a slot or the pace before it.
The mean is over the last `size` answers, equally weighted (a running mean
that weighs the latest answers most read 7.7 s at the end of a job whose true
mean was 2.4 s: only the slowest answers were still coming in). The stated
latency counts as `prior_answers` answers until that many real ones are in, so
the first few (the fast ones come back first) do not decide alone. The
quantiles (for hedging) are over the same answers.

An answer time longer than `longest_s` is not taken: no exchange outlasts its
own deadline, so such a time spans a pause of the whole process (a Lambda
environment frozen between invocations, its request resumed in the next one),
not the payer's answer, and would inflate the mean.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable


class SentRequest:
    """One request: when it went, and its answer time once known."""

    __slots__ = ("sent_at", "answer_s")

    def __init__(self, sent_at: float) -> None:
        self.sent_at = sent_at
        self.answer_s: float | None = None


class LatencyWindow:
    """The last `size` answer times (one event loop)."""

    def __init__(
        self,
        size: int,
        prior_s: float,
        clock: Callable[[], float],
        prior_answers: int = 50,
        longest_s: float = math.inf,
    ) -> None:
        if size < 1 or prior_s <= 0 or prior_answers < 0 or longest_s <= 0:
            raise ValueError("latency window: size at least 1, prior latency and longest answer positive")
        self._size = size
        self._prior_s = prior_s
        self._prior_answers = min(prior_answers, size)
        self._clock = clock
        self._longest_s = longest_s
        self._answers: deque[float] = deque()
        self._answers_sum = 0.0
        self._answered = 0

    def sent(self) -> SentRequest:
        return SentRequest(self._clock())

    def answered(self, request: SentRequest) -> None:
        """The request ended (answered or failed): its time from send to now counts, once,
        unless it is longer than any exchange can take (a pause of the process, not the payer)."""
        if request.answer_s is not None:
            return
        request.answer_s = max(0.0, self._clock() - request.sent_at)
        if request.answer_s > self._longest_s:
            return
        self._answers.append(request.answer_s)
        self._answers_sum += request.answer_s
        if len(self._answers) > self._size:
            self._answers_sum -= self._answers.popleft()
        self._answered += 1
        if self._answered % self._size == 0:  # add-and-subtract rounding must not drift over millions
            self._answers_sum = sum(self._answers)

    def mean_s(self) -> float:
        """Mean of the last `size` answer times, the stated latency filling in for missing first ones."""
        count = len(self._answers)
        missing = max(0, self._prior_answers - count)
        if count + missing == 0:
            return self._prior_s
        return (self._answers_sum + missing * self._prior_s) / (count + missing)

    @property
    def answers(self) -> int:
        return len(self._answers)

    def quantile_s(self, q: float) -> float:
        """The q-quantile of the last answer times (the prior while there are none)."""
        if not self._answers:
            return self._prior_s
        times = sorted(self._answers)
        return times[min(len(times) - 1, max(0, math.ceil(q * len(times)) - 1))]
