"""The server's clock from its Date headers: an offset from ours, never a crash on a bad header."""

from datetime import UTC, datetime, timedelta

from tui.backends.server_clock import ServerClock

OURS = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def test_offset_is_the_server_date_minus_our_clock_at_receipt():
    clock = ServerClock(lambda: OURS)
    assert clock.offset is None
    clock.observe_date("Mon, 05 Jan 2026 12:59:00 GMT")
    assert clock.offset == timedelta(minutes=59)
    clock.observe_date("Mon, 05 Jan 2026 11:59:30 GMT")
    assert clock.offset == timedelta(seconds=-30)


def test_a_missing_or_malformed_date_keeps_the_last_estimate():
    clock = ServerClock(lambda: OURS)
    clock.observe_date("Mon, 05 Jan 2026 12:00:10 GMT")
    for bad in (None, "", "yesterday", "\x1b[31mMon, 05 Jan 2026\x1b[0m", "Mon, 05 Jan 2026 12:00:10"):
        clock.observe_date(bad)
    assert clock.offset == timedelta(seconds=10)
