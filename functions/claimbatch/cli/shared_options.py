"""Options `run` and `serve` share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from claimbatch.cli.data_dir import DATA_DIR_HELP

DataDirOption = Annotated[Path | None, typer.Option("--data-dir", help=DATA_DIR_HELP)]
LookupConcurrency = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Most claims API lookups in flight at once. Default: 16, or 512 when a request budget is known "
        "(the client then keeps about budget x observed latency in flight).",
    ),
]
