"""Untrusted text cannot drive the terminal: every control is made visible."""

from __future__ import annotations

import pytest

from tui.text_safety import cell_width, is_unsafe, safe_text, truncate

HOSTILE = [
    "\x1b[2J\x1b[Hcleared",  # CSI: clear screen
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52: write the clipboard
    "\x1b]8;;file:///etc/passwd\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1bP1$r0m\x1b\\",  # DCS
    "\x9b31mred",  # C1 CSI
    "\x9d0;title\x9c",  # C1 OSC / ST
    "ok\rEVIL",  # carriage return overwrites
    "secret\x08\x08\x08\x08\x08\x08public",  # backspaces
    "bell\x07",
    "del\x7f",
    "rtl\u202etxt.exe",  # bidi override
    "line\u2028break",
    "surrogate\ud800",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_lose_every_control(text):
    safe = safe_text(text)
    assert not any(is_unsafe(c) for c in safe)
    assert "\x1b" not in safe and "\x9b" not in safe
    safe.encode("utf-8")  # no lone surrogate survives


def test_escapes_are_visible_and_readable():
    assert safe_text("\x1b[31mred") == "\\x1b[31mred"
    assert safe_text("a\rb\nc\td") == "a\\rb\\nc\\td"
    assert safe_text("\x9b") == "\\x9b"
    assert safe_text("x\u202ey") == "x\\u202ey"
    assert safe_text("x\ud800") == "x\ufffd"


def test_newlines_and_tabs_kept_on_request_but_never_cr():
    assert safe_text("a\nb\r\n", keep_newlines=True) == "a\nb\\r\n"
    assert safe_text("a\tb", keep_tabs=True) == "a\tb"


def test_ordinary_text_and_markup_pass_unchanged():
    for text in ("ORDERS_DAILY", "[@click=app.quit]x", "[link=file:///etc/passwd]x", "日本語 ✓ é", ""):
        assert safe_text(text) == text
    assert safe_text(None) == ""


def test_width_and_truncation():
    assert cell_width("abc") == 3
    assert cell_width("日本") == 4
    assert cell_width("e\u0301") == 1
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 3) == "abc"
    assert truncate("日本語", 5) == "日本…"
    assert truncate("abc", 0) == ""
