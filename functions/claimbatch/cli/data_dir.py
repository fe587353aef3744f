"""The embedded runtime's data folder and where local commands send their logs."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from claimbatch.observability import logger

DATA_DIR_ENV = "CLAIMBATCH_DATA_DIR"
DATA_DIR_HELP = f"Data folder (inbox/, results/, the job database). Default: ${DATA_DIR_ENV} or ./claimbatch-data"
LOG_FILE = "claimbatch.log"


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV, "claimbatch-data"))


class LibraryJsonFormatter(logging.Formatter):
    """A library's log record as one JSON line: level, logger, message, time, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "timestamp": self.formatTime(record),
            "service": logger.service,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_to_file(data_dir: Path) -> None:
    """JSON log lines go to DATA/claimbatch.log, so the terminal shows only what a user needs.
    Warnings of the libraries underneath (asyncio, uvicorn, httpx) go there too, as JSON
    lines like ours (tracebacks inside), never to the terminal."""
    data_dir.mkdir(parents=True, exist_ok=True)
    stream = open(data_dir / LOG_FILE, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(stream)
    libraries = logging.StreamHandler(stream)
    libraries.setLevel(logging.WARNING)
    libraries.setFormatter(LibraryJsonFormatter())
    libraries.addFilter(lambda record: not record.name.startswith(logger.service))  # ours are logged already
    logging.getLogger().addHandler(libraries)
