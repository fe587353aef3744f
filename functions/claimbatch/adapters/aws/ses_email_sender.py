"""Email through Amazon SES (API v2): plain text and HTML, from the sender identity
the stack was deployed with. Throttling and service errors are transient; a
rejected message or an unverified identity is permanent."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from claimbatch.domain.notification_messages import Notification
from claimbatch.ports.notifications import SendFailure, SendReport

TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "Throttling",
        "ThrottlingException",
        "InternalFailure",
        "ServiceUnavailable",
        "SendingPausedException",
    }
)


class SesEmailSender:
    def __init__(self, client: Any, sender: str) -> None:
        self._ses = client
        self._sender = sender

    def send(self, address: str, notification: Notification) -> SendReport:
        try:
            self._ses.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [address]},
                Content={
                    "Simple": {
                        "Subject": {"Data": notification.subject, "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": notification.text, "Charset": "UTF-8"},
                            "Html": {"Data": notification.html, "Charset": "UTF-8"},
                        },
                    }
                },
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            failure = SendFailure.TRANSIENT if code in TRANSIENT_CODES else SendFailure.PERMANENT
            return SendReport(failure=failure, detail=f"Amazon SES refused the message ({code})")
        except BotoCoreError as error:
            detail = f"cannot reach Amazon SES ({type(error).__name__})"
            return SendReport(failure=SendFailure.CONNECTION, detail=detail)
        return SendReport(detail="accepted by Amazon SES")
