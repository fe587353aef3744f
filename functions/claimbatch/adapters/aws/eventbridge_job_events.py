"""Job state changes on the stack's EventBridge bus (`source: claimbatch`,
`detail-type: Job State Change`), for customers who wire their own rules. The
detail is the JobEvent: ids, state, counts, times; no patient data."""

from __future__ import annotations

from typing import Any

from claimbatch.domain.job_event import JobEvent

SOURCE = "claimbatch"
DETAIL_TYPE = "Job State Change"
ENTRIES_PER_CALL = 10  # PutEvents takes at most ten entries


class EventBridgeJobEvents:
    def __init__(self, client: Any, bus_name: str) -> None:
        self._events = client
        self._bus = bus_name

    def publish(self, events: list[JobEvent]) -> None:
        for start in range(0, len(events), ENTRIES_PER_CALL):
            batch = events[start : start + ENTRIES_PER_CALL]
            entries = [
                {
                    "Source": SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": event.model_dump_json(),
                    "EventBusName": self._bus,
                    "Resources": [],
                }
                for event in batch
            ]
            answer = self._events.put_events(Entries=entries)
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"EventBridge took {len(batch) - answer['FailedEntryCount']} of {len(batch)} events")
