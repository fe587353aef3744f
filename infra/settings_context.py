"""Reading the settings from the CDK context (`-c key=value` or cdk.json), each
value checked for its kind with a sentence that names the key."""

from __future__ import annotations

from typing import Any, Protocol

from infra.sftp_users import parse_sftp_users


class ContextReader(Protocol):
    def try_get_context(self, key: str) -> Any: ...


def settings_values(node: ContextReader) -> dict[str, Any]:
    """The settings the CDK context sets. Context values arrive as strings from
    `-c key=value`, as JSON values from cdk.json."""
    read = _ContextValues(node)
    values: dict[str, Any] = {
        "name_prefix": read.text("name_prefix"),
        "architecture": read.text("architecture"),
        "api_budget_rps": read.number("api_budget_rps"),
        "api_latency_s": read.number("api_latency_s"),
        "lookup_concurrency": read.integer("lookup_concurrency"),
        "worker_max_concurrency_override": read.integer("worker_max_concurrency"),
        "skip_dependency_install": read.flag("skip_dependency_install"),
        "job_table_indexes": read.names("job_table_indexes"),
        "notify_email_from": read.text("notify_email_from"),
        "notify_email_identity": read.text("notify_email_identity"),
        "sftp": read.flag("sftp"),
        "sftp_users": parse_sftp_users(node.try_get_context("sftp_users")),
    }
    return {key: value for key, value in values.items() if value is not None}


class _ContextValues:
    def __init__(self, node: ContextReader) -> None:
        self._node = node

    def _raw(self, key: str) -> Any:
        return self._node.try_get_context(key)

    def text(self, key: str) -> str | None:
        value = self._raw(key)
        return None if value is None else str(value)

    def number(self, key: str) -> float | None:
        value = self._raw(key)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"context {key}={value!r} is not a number") from None

    def integer(self, key: str) -> int | None:
        value = self.number(key)
        if value is None:
            return None
        if value != int(value):
            raise ValueError(f"context {key}={value!r} is not a whole number")
        return int(value)

    def names(self, key: str) -> tuple[str, ...] | None:
        """A comma-separated list (`-c key=a,b`) or a JSON list (cdk.json)."""
        value = self._raw(key)
        if value is None:
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(str(item).strip() for item in items if str(item).strip())

    def flag(self, key: str) -> bool | None:
        value = self._raw(key)
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes"}:
            return True
        if text in {"false", "0", "no", ""}:
            return False
        raise ValueError(f"context {key}={value!r} is not true or false")
