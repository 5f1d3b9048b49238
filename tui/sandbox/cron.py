"""A small five-field cron matcher (minute hour day-of-month month day-of-week).

Supports ``*``, ``?`` (same as ``*``), lists, ranges, steps and month/day names. Day-of-month and
day-of-week combine with OR when both are restricted, as in classic cron. Times are matched in the
schedule's time zone and returned in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
_BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
_NAMES = [{}, {}, {}, _MONTHS, _DAYS]
_MINUTE = timedelta(minutes=1)


class CronError(ValueError):
    pass


def _parse_field(text: str, index: int) -> frozenset[int]:
    low, high = _BOUNDS[index]
    names = _NAMES[index]
    values: set[int] = set()

    def number(token: str) -> int:
        token = token.upper()
        if token in names:
            return names[token]
        if not token.isdigit():
            raise CronError(f"bad cron value {token!r}")
        value = int(token)
        if not low <= value <= high:
            raise CronError(f"cron value {value} out of range {low}-{high}")
        return value

    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"bad cron step {step_text!r}")
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = number(first), number(last)
            if start > end:
                raise CronError(f"bad cron range {part!r}")
        else:
            start = number(part)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    if index == 4 and 7 in values:  # 7 is Sunday too
        values.discard(7)
        values.add(0)
    return frozenset(values)


class Cron:
    def __init__(self, expr: str, timezone: str = "UTC") -> None:
        fields = expr.split()
        if len(fields) != 5:
            raise CronError(f"cron expression needs 5 fields, got {len(fields)}: {expr!r}")
        self.expr = expr
        self.minutes, self.hours, self.days, self.months, self.weekdays = (
            _parse_field(f, i) for i, f in enumerate(fields)
        )
        self._dom_any = fields[2] in ("*", "?")
        self._dow_any = fields[4] in ("*", "?")
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CronError(f"unknown time zone {timezone!r}") from exc

    def _day_matches(self, local: datetime) -> bool:
        dom = local.day in self.days
        dow = (local.weekday() + 1) % 7 in self.weekdays
        if self._dom_any and self._dow_any:
            return True
        if self._dom_any:
            return dow
        if self._dow_any:
            return dom
        return dom or dow

    def matches(self, when: datetime) -> bool:
        local = when.astimezone(self.tz)
        return (
            local.minute in self.minutes
            and local.hour in self.hours
            and local.month in self.months
            and self._day_matches(local)
        )

    def _to_utc(self, naive: datetime) -> datetime:
        return naive.replace(tzinfo=self.tz).astimezone(UTC)

    def next_after(self, when: datetime) -> datetime:
        """The first matching minute strictly after ``when``."""
        t = when.astimezone(self.tz).replace(tzinfo=None, second=0, microsecond=0) + _MINUTE
        for _ in range(100_000):
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += _MINUTE
            else:
                return self._to_utc(t)
        raise CronError(f"cron expression {self.expr!r} never matches")

    def prev_before(self, when: datetime) -> datetime:
        """The last matching minute strictly before ``when``."""
        local = when.astimezone(self.tz).replace(tzinfo=None)
        t = local.replace(second=0, microsecond=0)
        if t == local:
            t -= _MINUTE
        for _ in range(100_000):
            if t.month not in self.months:
                t = t.replace(day=1, hour=0, minute=0) - _MINUTE
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0) - _MINUTE
            elif t.hour not in self.hours:
                t = t.replace(minute=0) - _MINUTE
            elif t.minute not in self.minutes:
                t -= _MINUTE
            else:
                return self._to_utc(t)
        raise CronError(f"cron expression {self.expr!r} never matches")
