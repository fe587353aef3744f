"""Benchmark 3: how much of the payer's request budget the pipeline uses, and how often it is told off.

Rows through the embedded runtime and the real OptumClaimsClient against the
simulator (a process of its own). By default 10,000 rows, a budget of 100
requests/s and answers after 200 ms; `--latency-p99-ms` makes the latency
lognormal with `--latency-ms` as its median (the slow payer: 50 requests/s,
median 1.5 s, 99th percentile 14 s). The client is told the budget
(`rate_limit_rps`, its adaptive token bucket: additive increase, halved on a
429), as the Lambda worker is told its share (API_RPS_PER_WORKER), and keeps
budget x observed latency in flight within its cap. Utilisation = answered
lookups per second of the job's wall time (first lookup to results file) ÷ the
budget; with a long tail the job also waits for its slowest answers after the
last request is sent, so the utilisation while requests were being sent (first
to last request) is given too. The 429 share is the simulator's own count of
429s ÷ all inquiries it received.
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
PACED_CAP = 512  # the CLI's cap on lookups in flight when a budget is known


class RateTimeline:
    """The client's limiter rate and throttled count, sampled through the job (about every 0.25 s)."""

    def __init__(self, client: Any, budget_rps: float) -> None:
        self._client = client
        self.budget_rps = budget_rps
        self.samples: list[tuple[float, float, int, int]] = []  # (elapsed s, rate, 429s so far, requests so far)
        self.in_flight: list[tuple[float, int, int]] = []  # (elapsed s, lookups in flight, the limit)
        self.first_sends: list[tuple[float, int, int]] = []  # (elapsed s, rows' first requests so far, all requests)

    def observe(self, elapsed: float, job: Any) -> None:
        limiter, stats = self._client.limiter, self._client.stats
        self.samples.append((elapsed, limiter.rate if limiter else self.budget_rps, stats.throttled, stats.requests))
        limit = self._client.in_flight
        self.in_flight.append((elapsed, limit.in_flight, limit.limit))
        first_sends = stats.requests - stats.retries - self._client.hedger.hedges  # no retry, no hedged copy
        self.first_sends.append((elapsed, first_sends, stats.requests))

    def last_row_sent(self) -> tuple[float, int]:
        """When the last row's first request went (as sampled), and the requests sent by then: from
        then on the job waits on answers (and sends only retries and hedged copies)."""
        final = self.first_sends[-1][1] if self.first_sends else 0
        return next(((t, requests) for t, sent, requests in self.first_sends if sent >= final), (0.0, 0))

    def send_window_s(self) -> float:
        """From the first request to the last one sent (as sampled)."""
        first = next((t for t, _, _, requests in self.samples if requests > 0), 0.0)
        total = self.samples[-1][3] if self.samples else 0
        last = next((t for t, _, _, requests in self.samples if requests >= total), first)
        return max(last - first, 1e-9)

    def where_the_time_went(self, answered: int, figures: dict[str, Any]) -> dict[str, float]:
        """The job's wall time against the ideal (answered ÷ budget), split into: the limiter below the
        budget (after 429s), the start (before the first request: splitting, the token), the tail (after
        the last row: the aggregator), the wait for the last answers once every row had been sent (the
        slowest answers, retries of timed-out ones), and the rest (slots the client had and did not use
        while rows were still to be sent)."""
        below = 0.0
        for (t0, rate, _, _), (t1, _, _, _) in zip(self.samples, self.samples[1:]):
            below += max(0.0, 1.0 - rate / self.budget_rps) * (t1 - t0)
        start = next((t for t, _, _, requests in self.samples if requests > 0), 0.0)
        tail = figures["seconds"] - (figures.get("rows_done_s") or figures["seconds"])
        ideal = answered / self.budget_rps
        lost = figures["seconds"] - ideal
        rows_done = figures.get("rows_done_s") or figures["seconds"]
        last_sent_s, requests_by_then = self.last_row_sent()
        sent_after = (self.samples[-1][3] if self.samples else 0) - requests_by_then
        # Less the budget the retries and hedged copies sent meanwhile used (the ideal counts them).
        last_answers = max(0.0, rows_done - last_sent_s - sent_after / self.budget_rps)
        return {
            "ideal_s": ideal,
            "lost_s": lost,
            "below_budget_s": below,
            "start_s": start,
            "tail_s": tail,
            "last_answers_s": last_answers,
            "other_s": lost - below - start - tail - last_answers,
            "throttled_at_s": [t for (t, _, n, _), (_, _, m, _) in zip(self.samples, self.samples[1:]) if m > n],
        }


def main() -> None:
    args = arguments(
        __doc__ or "",
        rows=(int, 10_000),
        concurrency=(int, PACED_CAP),
        budget_rps=(float, BUDGET_RPS),
        latency_ms=(float, LATENCY_MS),
        latency_p99_ms=(float, 0.0),
        key_suffix=(str, ""),
    )
    work = OUT_DIR / f"api-budget{args.key_suffix}"
    shutil.rmtree(work, ignore_errors=True)
    logs_to_file(work / "claimbatch.log")

    from claimbatch.claims.optum_client import OptumClaimsClient
    from claimbatch.claims.settings import ClaimsApiSettings
    from claimbatch.simulator.settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    source = claims_file(args.rows)
    tail = f", 99th percentile {args.latency_p99_ms:g} ms" if args.latency_p99_ms else ""
    progress(
        f"  {args.rows:,} rows, simulator at {args.budget_rps:g} requests/s and {args.latency_ms:g} ms{tail}, "
        f"{args.concurrency} lookups in flight at most …"
    )
    with external_simulator(args.latency_ms, args.budget_rps, args.latency_p99_ms or None) as simulator:
        client = OptumClaimsClient(
            ClaimsApiSettings(
                base_url=simulator.base_url,
                client_id=DEFAULT_CLIENT_ID,
                client_secret=DEFAULT_CLIENT_SECRET,
                provider_tin="123456789",
                max_in_flight=args.concurrency,
                rate_limit_rps=args.budget_rps,
            )
        )
        timeline = RateTimeline(client, args.budget_rps)
        figures: dict[str, Any] = asyncio.run(run_pipeline(source, work, client, args.concurrency, timeline.observe))
        stats = simulator.stats()
    write_result(args.result, _figures(args, client, timeline, figures, stats))
    shutil.rmtree(work, ignore_errors=True)


def _figures(args: Any, client: Any, timeline: RateTimeline, figures: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    requests = stats["requests"]
    throttled = stats["throttled"]
    answered = requests - throttled
    lookups_per_s = answered / figures["seconds"]
    utilization = lookups_per_s / args.budget_rps
    sending_utilization = answered / timeline.send_window_s() / args.budget_rps
    share_429 = throttled / requests if requests else 0.0
    lost = timeline.where_the_time_went(answered, figures)
    progress(
        f"  time lost against the budget: {lost['below_budget_s']:.1f} s with the limiter below it, "
        f"{lost['start_s']:.1f} s before the first answer, {lost['last_answers_s']:.1f} s waiting for the last "
        f"answers after the last row was sent, {lost['tail_s']:.1f} s after the last row, "
        f"{lost['other_s']:.1f} s otherwise"
    )
    hedger = client.hedger
    looked_up = timeline.first_sends[-1][1] if timeline.first_sends else 0
    progress(
        f"  {looked_up:,} rows looked up ({looked_up / figures['seconds'] / args.budget_rps:.3f} of the budget in rows); "
        f"{hedger.hedges} hedged copies of slow requests ({hedger.hedges_won} answered first), "
        f"{client.stats.retries} retries; last row sent at {timeline.last_row_sent()[0]:.1f} s"
    )
    progress(
        f"  {answered:,} lookups in {figures['seconds']:.1f} s = {lookups_per_s:.1f}/s "
        f"(utilisation {utilization:.3f}; {sending_utilization:.3f} while sending); "
        f"{throttled} of {requests:,} requests answered 429 ({share_429:.4f}); "
        f"in flight at most {client.in_flight.peak_in_flight}, mean latency seen {client.in_flight.mean_latency_s:.2f} s; "
        f"paced requests woken late {client.limiter.late_wakeups if client.limiter else 0} times "
        f"(longest {client.limiter.longest_stall_s if client.limiter else 0:.2f} s)"
    )
    suffix = args.key_suffix
    return {
        f"api_budget_utilization{suffix}": utilization,
        f"api_429_share{suffix}": share_429,
        "utilization_while_sending": sending_utilization,
        "send_window_s": timeline.send_window_s(),
        "budget_rps": args.budget_rps,
        "latency_ms": args.latency_ms,
        "latency_p99_ms": args.latency_p99_ms or None,
        "lookups_per_s": lookups_per_s,
        "answered_lookups": answered,
        "simulator_stats": stats,
        "rate_limiter_decreases": client.limiter.decreases if client.limiter else None,
        "peak_in_flight": client.in_flight.peak_in_flight,
        "limiter_late_wakeups": client.limiter.late_wakeups if client.limiter else None,
        "limiter_longest_stall_s": client.limiter.longest_stall_s if client.limiter else None,
        "longest_progress_gap_s": max((b[0] - a[0] for a, b in zip(timeline.samples, timeline.samples[1:])), default=0.0),
        "mean_latency_seen_s": client.in_flight.mean_latency_s,
        "rows_looked_up": looked_up,
        "row_utilization": looked_up / figures["seconds"] / args.budget_rps,
        "hedged_requests": hedger.hedges,
        "hedges_answered_first": hedger.hedges_won,
        "retried_requests": client.stats.retries,
        "last_row_sent_s": timeline.last_row_sent()[0],
        "time_lost": lost,
        "rate_timeline": timeline.samples[:: max(1, len(timeline.samples) // 120)],
        "in_flight_timeline": timeline.in_flight[:: max(1, len(timeline.in_flight) // 120)],
        **{key: figures[key] for key in ("rows", "seconds", "cpu_s", "counts", "provider_stats", "concurrency_note", "workers")
           if key in figures},
        "concurrency": args.concurrency,
    }


if __name__ == "__main__":
    main()
