"""Server text as inert Rich Text: never markup, never terminal escapes, never a click action."""

from __future__ import annotations

from rich.text import Text

from tui.text_safety import message_lines, one_line, safe_text


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


def message(
    value: object,
    style: str = "",
    *,
    single_line: bool = False,
    max_lines: int | None = None,
    indent: str = "",
) -> Text:
    """A server's message (an error, a note): its line breaks are line breaks, or ``⏎`` on one line
    (a table cell); everything else made inert as in ``literal``. ``max_lines`` keeps the first lines
    and says how many more there are; ``indent`` starts every line after the first."""
    if value is None:
        return Text("")
    if single_line:
        out = Text(one_line(value), style=style)
        out.no_wrap, out.overflow = True, "ellipsis"
        return out
    lines = safe_text(message_lines(value), keep_newlines=True, keep_tabs=True).split("\n")
    if max_lines is not None and len(lines) > max_lines:
        more = len(lines) - max_lines
        lines = [*lines[:max_lines], f"… {more} more line{'s' if more != 1 else ''}"]
    return Text(("\n" + indent).join(lines), style=style)
