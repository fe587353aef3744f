"""Notifications in the job table (DynamoDB): each tenant's channels, and where
each (message, channel) delivery stands, so a redelivered queue message sends
only what is not done yet.

  settings    pk=TENANT#<tenant>        sk=NOTIFICATIONS        settings (JSON: URLs, secrets, addresses)
  delivery    pk=NOTIFY#<message id>    sk=CHANNEL#<channel id> state, attempts, next_attempt_at, reason

Delivery items expire (TTL) a while after the longest retry schedule could end.
The webhook secrets rest in the table, encrypted with the stack's key like every item.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from claimbatch.domain.delivery_record import DeliveryState, DeliveryStep
from claimbatch.domain.notification_settings import NotificationSettings

DELIVERY_RECORD_KEPT = timedelta(days=30)
TTL_ATTRIBUTE = "expires_at"


def settings_key(tenant: str) -> dict[str, Any]:
    return {"pk": {"S": f"TENANT#{tenant}"}, "sk": {"S": "NOTIFICATIONS"}}


def delivery_key(message_id: str, channel_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"NOTIFY#{message_id}"}, "sk": {"S": f"CHANNEL#{channel_id}"}}


class DynamoNotificationStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client

    def get_notification_settings(self, tenant: str) -> NotificationSettings:
        answer = self._ddb.get_item(TableName=self._table, Key=settings_key(tenant), ConsistentRead=True)
        item = answer.get("Item")
        return NotificationSettings.model_validate_json(item["settings"]["S"]) if item else NotificationSettings()

    def put_notification_settings(self, tenant: str, settings: NotificationSettings) -> None:
        item = {**settings_key(tenant), "settings": {"S": settings.model_dump_json()}}
        self._ddb.put_item(TableName=self._table, Item=item)

    def get_delivery(self, message_id: str, channel_id: str) -> DeliveryStep | None:
        answer = self._ddb.get_item(
            TableName=self._table, Key=delivery_key(message_id, channel_id), ConsistentRead=True
        )
        item = answer.get("Item")
        if item is None:
            return None
        due = item.get("next_attempt_at", {}).get("N")
        return DeliveryStep(
            state=DeliveryState(item["state"]["S"]),
            attempts=int(item["attempts"]["N"]),
            next_attempt_at=datetime.fromtimestamp(float(due), UTC) if due else None,
            reason=item.get("reason", {}).get("S", ""),
        )

    def put_delivery(self, message_id: str, channel_id: str, step: DeliveryStep) -> None:
        expires = datetime.now(UTC) + DELIVERY_RECORD_KEPT
        item = {
            **delivery_key(message_id, channel_id),
            "state": {"S": step.state.value},
            "attempts": {"N": str(step.attempts)},
            "reason": {"S": step.reason},
            TTL_ATTRIBUTE: {"N": str(int(expires.timestamp()))},
        }
        if step.next_attempt_at is not None:
            item["next_attempt_at"] = {"N": str(step.next_attempt_at.timestamp())}
        self._ddb.put_item(TableName=self._table, Item=item)
