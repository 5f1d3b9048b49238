"""Server text as inert Rich Text: never markup, never terminal escapes, never a click action."""

from __future__ import annotations

from rich.text import Text

from tui.text_safety import neutralize


def literal(value: object, style: str = "", *, single_line: bool = True) -> Text:
    """``value`` shown exactly as typed: control characters made visible, no markup parsing.

    With ``single_line`` newlines become a visible ⏎ so a multi-line value cannot break a table row.
    """
    if value is None:
        return Text("")
    text = neutralize(str(value))
    if single_line:
        text = text.replace("\n", "⏎")
    out = Text(text, style=style)
    out.no_wrap = single_line
    out.overflow = "ellipsis"
    return out
