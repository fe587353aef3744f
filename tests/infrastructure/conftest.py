"""The infrastructure tests read the session's one synthesis of the stack
(the `synthesized` fixture of tests/conftest.py, built by tests/support/synth.py)."""

from __future__ import annotations

from tests.support.synth import Synthesized

__all__ = ["Synthesized"]
