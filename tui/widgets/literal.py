"""Server text as inert Rich Text: never markup, never terminal escapes, never a click action."""

from __future__ import annotations

from rich.text import Text

from tui.text_safety import safe_text


def literal(value: object, style: str = "", *, single_line: bool = True) -> Text:
    """``value`` shown exactly as typed: control characters made visible, no markup parsing.

    With ``single_line`` a newline shows as ``\\n`` so a multi-line value cannot break a table row.
    """
    if value is None:
        return Text("")
    out = Text(safe_text(value, keep_newlines=not single_line, keep_tabs=not single_line), style=style)
    out.no_wrap = single_line
    out.overflow = "ellipsis"
    return out
