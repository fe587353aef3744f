"""Benchmark 3: how much of the payer's request budget the pipeline uses, and how often it is told off.

10,000 rows through the embedded runtime and the real OptumClaimsClient against
the simulator (a process of its own) that allows 100 requests/s and answers
after 200 ms. The client is told the budget (`rate_limit_rps`, its adaptive
token bucket: additive increase, halved on a 429), as the Lambda worker is
told its share (API_RPS_PER_WORKER). Utilisation = answered lookups per second
of the job's wall time (first lookup to results file) ÷ the budget; the 429
share is the simulator's own count of 429s ÷ all inquiries it received.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

from bench.child import OUT_DIR, external_simulator, arguments, logs_to_file, progress, write_result
from bench.inputs import claims_file
from bench.pipeline_throughput import run_pipeline

BUDGET_RPS = 100.0
LATENCY_MS = 200.0


class RateTimeline:
    """The client's limiter rate and throttled count, sampled through the job (about every 0.25 s)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.samples: list[tuple[float, float, int, int]] = []  # (elapsed s, rate, 429s so far, requests so far)

    def observe(self, elapsed: float, job: Any) -> None:
        limiter, stats = self._client.limiter, self._client.stats
        self.samples.append((elapsed, limiter.rate if limiter else BUDGET_RPS, stats.throttled, stats.requests))

    def where_the_time_went(self, answered: int, figures: dict[str, Any]) -> dict[str, float]:
        """The job's wall time against the ideal (answered ÷ budget), split into: the limiter below the
        budget (after 429s), the start (before the first request: splitting, the token), the tail (after
        the last row: the aggregator), and the rest (slots the client had and did not use)."""
        below = 0.0
        for (t0, rate, _, _), (t1, _, _, _) in zip(self.samples, self.samples[1:]):
            below += max(0.0, 1.0 - rate / BUDGET_RPS) * (t1 - t0)
        start = next((t for t, _, _, requests in self.samples if requests > 0), 0.0)
        tail = figures["seconds"] - (figures.get("rows_done_s") or figures["seconds"])
        ideal = answered / BUDGET_RPS
        lost = figures["seconds"] - ideal
        return {
            "ideal_s": ideal,
            "lost_s": lost,
            "below_budget_s": below,
            "start_s": start,
            "tail_s": tail,
            "other_s": lost - below - start - tail,
            "throttled_at_s": [t for (t, _, n, _), (_, _, m, _) in zip(self.samples, self.samples[1:]) if m > n],
        }


def main() -> None:
    args = arguments(__doc__ or "", rows=(int, 10_000), concurrency=(int, 32))
    work = OUT_DIR / "api-budget"
    shutil.rmtree(work, ignore_errors=True)
    logs_to_file(work / "claimbatch.log")

    from claimbatch.claims.optum_client import OptumClaimsClient
    from claimbatch.claims.settings import ClaimsApiSettings
    from claimbatch.simulator.settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    source = claims_file(args.rows)
    progress(
        f"  {args.rows:,} rows, simulator at {BUDGET_RPS:g} requests/s and {LATENCY_MS:g} ms, "
        f"{args.concurrency} lookups in flight at most …"
    )
    with external_simulator(latency_ms=LATENCY_MS, rate_limit=BUDGET_RPS) as simulator:
        client = OptumClaimsClient(
            ClaimsApiSettings(
                base_url=simulator.base_url,
                client_id=DEFAULT_CLIENT_ID,
                client_secret=DEFAULT_CLIENT_SECRET,
                provider_tin="123456789",
                max_in_flight=args.concurrency,
                rate_limit_rps=BUDGET_RPS,
            )
        )
        timeline = RateTimeline(client)
        figures: dict[str, Any] = asyncio.run(run_pipeline(source, work, client, args.concurrency, timeline.observe))
        stats = simulator.stats()
    requests = stats["requests"]
    throttled = stats["throttled"]
    answered = requests - throttled
    lookups_per_s = answered / figures["seconds"]
    utilization = lookups_per_s / BUDGET_RPS
    share_429 = throttled / requests if requests else 0.0
    lost = timeline.where_the_time_went(answered, figures)
    progress(
        f"  time lost against the budget: {lost['below_budget_s']:.1f} s with the limiter below it, "
        f"{lost['start_s']:.1f} s before the first answer, {lost['tail_s']:.1f} s after the last row, "
        f"{lost['other_s']:.1f} s otherwise"
    )
    progress(
        f"  {answered:,} lookups in {figures['seconds']:.1f} s = {lookups_per_s:.1f}/s "
        f"(utilisation {utilization:.3f}); {throttled} of {requests:,} requests answered 429 ({share_429:.4f})"
    )
    shutil.rmtree(work, ignore_errors=True)
    write_result(
        args.result,
        {
            "api_budget_utilization": utilization,
            "api_429_share": share_429,
            "budget_rps": BUDGET_RPS,
            "latency_ms": LATENCY_MS,
            "lookups_per_s": lookups_per_s,
            "answered_lookups": answered,
            "simulator_stats": stats,
            "rate_limiter_decreases": client.limiter.decreases if client.limiter else None,
            "time_lost": lost,
            "rate_timeline": timeline.samples[:: max(1, len(timeline.samples) // 120)],
            **{key: figures[key] for key in ("rows", "seconds", "counts", "provider_stats", "concurrency_note")
               if key in figures},
            "concurrency": args.concurrency,
        },
    )


if __name__ == "__main__":
    main()
