"""A root's schedule as a sequence of slots: every N minutes from an anchor, or a cron expression."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tui.sandbox.cron import Cron, CronError
from tui.sandbox.errors import bad_request


class Schedule:
    def __init__(self, spec: dict[str, Any], anchor: datetime) -> None:
        self.spec = spec
        self.anchor = anchor
        self.interval: timedelta | None = None
        self.cron: Cron | None = None
        if spec["schedule_type"] == "MINUTES_TYPE":
            self.interval = timedelta(minutes=spec["minutes"])
        else:
            self.cron = Cron(spec["cron_expr"], spec["timezone"])

    def next_after(self, when: datetime) -> datetime:
        if self.cron is not None:
            return self.cron.next_after(when)
        assert self.interval is not None
        if when < self.anchor:
            return self.anchor
        k = (when - self.anchor) // self.interval + 1
        return self.anchor + k * self.interval

    def prev_before(self, when: datetime) -> datetime | None:
        if self.cron is not None:
            return self.cron.prev_before(when)
        assert self.interval is not None
        if when <= self.anchor:
            return None
        k = -((self.anchor - when) // self.interval) - 1  # ceil((when - anchor) / interval) - 1
        return self.anchor + k * self.interval


def validate_schedule(value: Any) -> dict[str, Any] | None:
    """Check a TaskSchedule body; return it normalised or raise a 400."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("schedule must be an object")
    kind = value.get("schedule_type")
    if kind == "MINUTES_TYPE":
        minutes = value.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 11520:
            raise bad_request("schedule.minutes must be an integer between 1 and 11520")
        return {"schedule_type": kind, "minutes": minutes}
    if kind == "CRON_TYPE":
        expr, tz = value.get("cron_expr"), value.get("timezone")
        if not isinstance(expr, str) or not isinstance(tz, str):
            raise bad_request("a CRON_TYPE schedule needs cron_expr and timezone")
        try:
            Cron(expr, tz)
        except CronError as exc:
            raise bad_request(f"invalid schedule: {exc}") from exc
        return {"schedule_type": kind, "cron_expr": expr, "timezone": tz}
    raise bad_request("schedule.schedule_type must be MINUTES_TYPE or CRON_TYPE")
