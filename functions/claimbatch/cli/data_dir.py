"""The embedded runtime's data folder and where local commands send their logs."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from claimbatch.observability import logger

DATA_DIR_ENV = "CLAIMBATCH_DATA_DIR"
DATA_DIR_HELP = f"Data folder (inbox/, results/, the job database). Default: ${DATA_DIR_ENV} or ./claimbatch-data"
LOG_FILE = "claimbatch.log"


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV, "claimbatch-data"))


def log_to_file(data_dir: Path) -> None:
    """JSON log lines go to DATA/claimbatch.log, so the terminal shows only what a user needs.
    Warnings of the libraries underneath (asyncio, uvicorn, httpx) go there too, never to
    the terminal, where Python would otherwise print them with their tracebacks."""
    data_dir.mkdir(parents=True, exist_ok=True)
    stream = open(data_dir / LOG_FILE, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(stream)
    libraries = logging.StreamHandler(stream)
    libraries.setLevel(logging.WARNING)
    libraries.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    libraries.addFilter(lambda record: not record.name.startswith(logger.service))  # ours are logged already
    logging.getLogger().addHandler(libraries)
