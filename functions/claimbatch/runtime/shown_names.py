"""File names as a terminal shows them: one line, nothing a terminal would act on."""

from __future__ import annotations


def shown_name(name: str) -> str:
    """Bytes that are not UTF-8 (read by Python as surrogates) as `\\xff`, control and
    other unprintable characters as Python escapes (`\\n`, `\\x1b`, `\\u2028`)."""
    raw = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if raw.isprintable():
        return raw
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in raw)
