"""Freshness: never show stale data as current; back off while failing."""

from datetime import UTC, datetime, timedelta, timezone

from tui.services.freshness import Freshness, clock_time

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def test_updated_ago_then_stale_since_with_retry_countdown():
    f = Freshness(interval=5)
    assert f.describe(T0) == "loading…"
    f.succeeded(T0)
    assert f.describe(T0 + timedelta(seconds=3)) == "updated 3s ago"
    f.failed(T0 + timedelta(seconds=5), "HTTP 503: down")
    f.schedule(T0 + timedelta(seconds=5), 8)
    words = f.describe(T0 + timedelta(seconds=6), UTC)
    assert words == "stale since 12:00:05 UTC, retrying in 7s"
    assert f.stale


def test_backoff_grows_and_resets_on_success():
    f = Freshness(interval=2)
    delays = []
    for _ in range(6):
        f.failed(T0, "x")
        delays.append(f.next_delay())
    assert delays[0] >= 2 and max(delays) <= 60
    assert delays[-1] > delays[0]
    f.succeeded(T0)
    assert f.next_delay() == 2
    assert not f.stale


def test_retry_after_is_honoured():
    f = Freshness(interval=1)
    f.failed(T0, "429")
    assert f.next_delay(retry_after=30) >= 30


def test_a_long_retry_after_is_waited_for_and_named_as_a_time():
    f = Freshness(interval=5)
    f.failed(T0, "429", retry_after=600)
    assert 600 <= f.next_delay(retry_after=600) <= 605  # not cut to the one-minute backoff ceiling
    assert f.describe(T0, UTC).endswith("rate-limited until 12:10:00 UTC")
    f.succeeded(T0)
    assert "rate-limited" not in f.describe(T0, UTC)


def test_paused_is_loud_and_its_age_keeps_counting():
    f = Freshness(interval=5)
    f.succeeded(T0)
    f.paused = True
    assert f.describe(T0 + timedelta(minutes=3)) == "PAUSED · updated 3m ago"


def test_clock_times_name_their_zone_or_offset():
    assert clock_time(T0, UTC) == "12:00:00 UTC"
    assert clock_time(T0, timezone(timedelta(hours=5, minutes=30))) == "17:30:00 +05:30"


def test_absolute_mode_says_when_it_was_updated_with_the_zone():
    f = Freshness(interval=5)
    f.succeeded(T0)
    assert f.describe(T0 + timedelta(seconds=9), UTC, absolute=True) == "updated 12:00:00 UTC"
