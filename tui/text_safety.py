"""Make untrusted text (anything a server sent) safe to put on a terminal.

Every character that can drive a terminal or disguise text is replaced by a visible escape, so an
ESC/CSI/OSC/DCS sequence, BEL, backspace or carriage return shows up as plain characters such as
``\\x1b]52;c;...`` and does nothing. Pure functions; the console and ``dagtop get`` both use them.
"""

from __future__ import annotations

import re
import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Unicode format characters that reorder or hide text (bidi overrides, isolates, zero-width marks,
# line/paragraph separators): harmless to the terminal, but they can make a name look like another.
_DISGUISING = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def _unsafe_class(kept: str = "") -> re.Pattern[str]:
    """Every character ``is_unsafe`` flags but ``kept``, as one class: escaping runs at C speed (the
    category "Cc" above U+009F is empty, so these ranges are the whole rule)."""
    c0 = "".join(re.escape(chr(code)) for code in range(0x20) if chr(code) not in kept)
    return re.compile("[" + c0 + "\x7f-\x9f\ud800-\udfff" + "".join(sorted(_DISGUISING)) + "]")


UNSAFE_CHARACTER = _unsafe_class()
_UNSAFE_KEEPING = {
    (False, False): UNSAFE_CHARACTER,
    (True, False): _unsafe_class("\n"),
    (False, True): _unsafe_class("\t"),
    (True, True): _unsafe_class("\n\t"),
}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"  # a lone surrogate (from JSON "\ud800") cannot even be encoded
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def is_unsafe(char: str) -> bool:
    """True for C0/C1 controls, DEL, lone surrogates and text-disguising format characters."""
    code = ord(char)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or char in _DISGUISING
        or (code > 0x9F and unicodedata.category(char) == "Cc")
    )


def safe_text(text: object, *, keep_newlines: bool = False, keep_tabs: bool = False) -> str:
    """``text`` with every unsafe character replaced by a visible escape.

    ``keep_newlines`` keeps ``\\n`` for multi-line views (logs, messages); ``\\r`` is always escaped since
    it can overwrite what was printed before it on the line.
    """
    text = "" if text is None else str(text)
    return _UNSAFE_KEEPING[keep_newlines, keep_tabs].sub(lambda match: _escape(match.group()), text)


def message_lines(text: object) -> str:
    """A message's text with its Windows line breaks (``\\r\\n``) as line breaks: a ``\\r`` right before a
    ``\\n`` cannot overwrite anything. Not yet safe: pass it through ``safe_text``."""
    return "" if text is None else str(text).replace("\r\n", "\n")


LINE_BREAK = " ⏎ "  # where a server's line break stands in a one-line view (a table cell)


def one_line(text: object) -> str:
    """``text`` made safe for a single line: each line break shows as ``⏎`` (not as a literal ``\\n``,
    which reads as if the server had sent a backslash), every other control made visible."""
    lines = safe_text(message_lines(text), keep_newlines=True).split("\n")
    return LINE_BREAK.join(line for line in lines if line.strip()) if len(lines) > 1 else lines[0]


def cell_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (East Asian) characters take two, combining none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``width`` columns, ending with ``ellipsis`` when cut."""
    if cell_width(text) <= width:
        return text
    if width <= 0:
        return ""
    room = width - cell_width(ellipsis)
    out, used = [], 0
    for char in text:
        w = cell_width(char)
        if used + w > room:
            break
        out.append(char)
        used += w
    return "".join(out) + ellipsis
