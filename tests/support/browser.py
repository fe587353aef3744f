"""A real browser for the web page's tests: Playwright driving the system's Chromium.

Playwright's own browser download is not used (these machines cannot reach it):
the tests launch Debian's `chromium` through `executable_path`. Without it the
browser tests skip with one line saying how to get it, except under CI=true,
where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ENV = "CLAIMBATCH_CHROMIUM"  # a Chromium elsewhere than on the PATH
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
HOW_TO_GET_IT = (
    "the web page tests need Chromium: `sudo apt-get install chromium` (Debian/Ubuntu), "
    f"or set {CHROMIUM_ENV} to a Chromium or Chrome executable"
)


def find_chromium() -> Path | None:
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def chromium_or_skip() -> Path:
    chromium = find_chromium()
    if chromium is not None:
        return chromium
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI=true and no browser: {HOW_TO_GET_IT}", pytrace=False)
    pytest.skip(HOW_TO_GET_IT)
