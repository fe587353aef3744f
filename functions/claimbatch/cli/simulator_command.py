"""`claimbatch simulator`: run the claims API simulator in the foreground until Ctrl-C;
`claimbatch simulator sample --rows N`: print input rows of claims it holds.

Every option of the server can also come from an environment variable,
CLAIMBATCH_SIM_<NAME> (e.g. CLAIMBATCH_SIM_LATENCY_MS=50).
"""

from __future__ import annotations

from typing import Annotated

import typer

ENV_PREFIX = "CLAIMBATCH_SIM_"


def _env(name: str) -> str:
    return f"{ENV_PREFIX}{name}"


def simulator(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(envvar=_env("HOST"), help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar=_env("PORT"), min=0, max=65535, help="Port; 0 picks a free one.")] = 8080,
    latency_ms: Annotated[
        float, typer.Option(envvar=_env("LATENCY_MS"), min=0, help="Mean latency added to each inquiry (ms).")
    ] = 0.0,
    jitter_ms: Annotated[
        float, typer.Option(envvar=_env("JITTER_MS"), min=0, help="Latency varies uniformly by ± this (ms).")
    ] = 0.0,
    latency_p99_ms: Annotated[
        float | None,
        typer.Option(
            envvar=_env("LATENCY_P99_MS"),
            min=0,
            help="Long-tailed latency: lognormal, --latency-ms its median and this its 99th percentile (ms).",
        ),
    ] = None,
    rate_limit: Annotated[
        float | None,
        typer.Option(envvar=_env("RATE_LIMIT"), min=0, help="Inquiries per second over all clients; above: 429."),
    ] = None,
    max_concurrency: Annotated[
        int | None,
        typer.Option(envvar=_env("MAX_CONCURRENCY"), min=0, help="Inquiries in flight at once; above: 429."),
    ] = None,
    error_rate: Annotated[
        float, typer.Option(envvar=_env("ERROR_RATE"), min=0, max=1, help="Fraction of inquiries answered 503.")
    ] = 0.0,
    token_ttl: Annotated[
        float, typer.Option(envvar=_env("TOKEN_TTL"), min=0.001, help="Access token lifetime (s).")
    ] = 3600.0,
    seed: Annotated[int, typer.Option(envvar=_env("SEED"), help="Seed of the random error rate and jitter.")] = 0,
    client_id: Annotated[str, typer.Option(envvar=_env("CLIENT_ID"), help="Accepted client id.")] = "demo-client",
    client_secret: Annotated[
        str, typer.Option(envvar=_env("CLIENT_SECRET"), help="Accepted client secret.", show_default=False)
    ] = "demo-secret",
    outage_after_s: Annotated[
        float | None,
        typer.Option(envvar=_env("OUTAGE_AFTER_S"), min=0, help="Start a 503 outage this long after start (s)."),
    ] = None,
    outage_for_s: Annotated[
        float, typer.Option(envvar=_env("OUTAGE_FOR_S"), min=0, help="Length of that outage (s).")
    ] = 0.0,
    slow_s: Annotated[
        float, typer.Option(envvar=_env("SLOW_S"), min=0, help="How long SLOW… claim numbers take (s).")
    ] = 30.0,
    access_log: Annotated[
        bool, typer.Option(envvar=_env("ACCESS_LOG"), help="Log one line per request (never bodies).")
    ] = False,
) -> None:
    """Run the claims API simulator (the payer's claim inquiry API) until Ctrl-C."""
    if ctx.invoked_subcommand is not None:
        return
    # Imported here so that `claimbatch --help` does not load uvicorn.
    from pydantic import ValidationError

    from claimbatch.simulator.server import serve_forever
    from claimbatch.simulator.settings import SimulatorSettings

    try:
        settings = SimulatorSettings(
            host=host,
            port=port,
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            latency_p99_ms=latency_p99_ms,
            rate_limit=rate_limit,
            max_concurrency=max_concurrency,
            error_rate=error_rate,
            token_ttl_s=token_ttl,
            seed=seed,
            client_id=client_id,
            client_secret=client_secret,
            outage_after_s=outage_after_s,
            outage_for_s=outage_for_s,
            slow_s=slow_s,
            access_log=access_log,
        )
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from None

    def announce(base_url: str) -> None:
        limits = []
        if settings.effective_rate_limit:
            limits.append(f"rate limit {settings.effective_rate_limit:g}/s")
        if settings.effective_max_concurrency:
            limits.append(f"max concurrency {settings.effective_max_concurrency}")
        if settings.error_rate:
            limits.append(f"error rate {settings.error_rate:g}")
        suffix = f" ({', '.join(limits)})" if limits else ""
        typer.echo(f"claims simulator listening on {base_url}{suffix}; client id {settings.client_id}")
        typer.echo(f"counters at {base_url}/_stats; Ctrl-C to stop")

    try:
        serve_forever(settings, on_ready=announce)
    except OSError as exc:
        typer.echo(f"cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(code=1) from None


def sample(
    rows: Annotated[int, typer.Option("--rows", min=1, max=10_000_000, help="Data rows to print.")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="The same seed prints the same rows.")] = 0,
    problem_share: Annotated[
        float,
        typer.Option(
            "--problem-share",
            min=0,
            max=1,
            help="Share of rows that are not found, invalid, another patient's, or faulted at first.",
        ),
    ] = 0.0,
) -> None:
    """Print a CSV of claims the simulator holds, each with its own member (the seed claim first)."""
    from claimbatch.simulator.sample import HEADER, sample_rows

    out = typer.get_text_stream("stdout")
    out.write(",".join(HEADER) + "\n")
    batch: list[str] = []
    for row in sample_rows(rows, seed, problem_share):
        batch.append(",".join(row) + "\n")  # no value of a sample needs quoting
        if len(batch) == 10_000:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))


def register(app: typer.Typer) -> None:
    group = typer.Typer(invoke_without_command=True, no_args_is_help=False)
    group.callback()(simulator)
    group.command("sample")(sample)
    app.add_typer(group, name="simulator")
