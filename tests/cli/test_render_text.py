"""Table and JSON rendering for ``dagtop get``."""

from __future__ import annotations

import io
import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from tui.render_text import dump_json, format_duration, format_time, iso_utc, render_table, use_color


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color():
    assert use_color(_Tty(), {}) is True
    assert use_color(io.StringIO(), {}) is False
    assert use_color(_Tty(), {"NO_COLOR": "1"}) is False
    assert use_color(_Tty(), {"TERM": "dumb"}) is False


def test_columns_align_and_truncate_with_an_ellipsis():
    text = render_table(["A", "B"], [["short", "x"], ["a-very-long-value", "y"]], max_widths=[8, None])
    assert text.splitlines() == ["A         B", "short     x", "a-very-…  y"]


def test_width_shrinks_the_widest_column():
    text = render_table(["NAME", "COMMENT"], [["n", "c" * 100]], width=40)
    assert all(len(line) <= 40 for line in text.splitlines())
    assert text.splitlines()[1].endswith("…")


def test_colour_wraps_only_our_codes_around_sanitised_text():
    text = render_table(["S"], [[("\x1b[5mFAILED", "31")]], color=True)
    row = text.splitlines()[1]
    assert row == "\x1b[31m\\x1b[5mFAILED\x1b[0m"
    plain = render_table(["S"], [[("FAILED", "31")]], color=False)
    assert "\x1b" not in plain


def test_times():
    aware = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert iso_utc(aware) == "2025-01-02T01:04:05Z"
    assert iso_utc(datetime(2025, 1, 2, 3, 4, 5)) == "2025-01-02T03:04:05Z"  # naive = UTC
    assert iso_utc(None) is None
    assert format_time(aware, "UTC") == "2025-01-02 01:04:05Z"
    assert [format_duration(timedelta(seconds=s)) for s in (5, 65, 3725)] == ["5s", "1m05s", "1h02m"]
    assert format_duration(None) == ""


@pytest.fixture
def paris(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_times_say_their_offset(paris):
    aware = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert format_time(aware, "local") == "2025-01-02 02:04:05+01:00"
    assert format_time(datetime(2025, 7, 2, 1, 4, 5), "local") == "2025-07-02 03:04:05+02:00"  # naive = UTC


def test_json_escapes_what_json_dumps_leaves_raw_and_keeps_the_data():
    payload = {"name": "日本\x9b31m\u202e\x7f\ud800\x1b"}
    text = dump_json(payload)
    assert "日本" in text
    for raw in ("\x9b", "\u202e", "\x7f", "\ud800", "\x1b"):
        assert raw not in text
    assert json.loads(text) == payload
