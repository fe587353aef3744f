"""The `claimbatch` command. Each subcommand lives in its own module and registers here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="claimbatch",
    help="Bulk insurance claim-status lookups: a CSV of claims in, a results CSV out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_subcommands() -> None:
    # Imported here so that `claimbatch --help` stays fast and each command owns its module.
    from claimbatch.cli import run_command, serve_command, simulator_command

    run_command.register(app)
    serve_command.register(app)
    simulator_command.register(app)


_register_subcommands()

if __name__ == "__main__":  # pragma: no cover
    app()
