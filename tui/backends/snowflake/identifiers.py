"""Snowflake identifiers: quoting, splitting fully qualified names, and URL path segments.

A name that is a plain identifier (``[A-Za-z_][A-Za-z0-9_$]*``) is used as is; anything else is a
double-quoted identifier with ``"`` doubled. Path segments are then percent-encoded so that ``/``, ``?``,
``#``, ``%`` or ``:`` inside a name can never change the URL (e.g. turn a fetch into ``:execute``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from tui.backends.base import ProtocolError

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def quote_ident(name: str) -> str:
    """The identifier form of a name: as is when plain, else double-quoted with ``"`` doubled."""
    if _PLAIN.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def split_ident(text: str) -> list[str]:
    """Split ``A.B."c.d"`` into raw names ``["A", "B", "c.d"]`` (quotes removed, ``""`` undoubled).

    Raises ValueError on an unterminated quote or an empty part.
    """
    parts: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            i += 1
            buf = []
            while True:
                if i >= n:
                    raise ValueError(f"unterminated quoted identifier in {text!r}")
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            parts.append("".join(buf))
        else:
            j = text.find(".", i)
            j = n if j < 0 else j
            part = text[i:j]
            if not part or '"' in part:
                raise ValueError(f"malformed identifier {text!r}")
            parts.append(part)
            i = j
        if i >= n:
            return parts
        if text[i] != ".":
            raise ValueError(f"malformed identifier {text!r}")
        i += 1
        if i >= n:
            raise ValueError(f"identifier ends with a dot: {text!r}")


def task_key(database: str, schema: str, name: str) -> str:
    """The domain key of a task: its fully qualified identifier, ``DB.SCHEMA.NAME`` (quoted as needed)."""
    return ".".join(quote_ident(part) for part in (database, schema, name))


def scope_of(database: str, schema: str) -> str:
    return f"{quote_ident(database)}.{quote_ident(schema)}"


def resolve(text: str, database: str, schema: str) -> tuple[str, str, str]:
    """``(database, schema, name)`` for ``NAME``, ``SCHEMA.NAME`` or ``DB.SCHEMA.NAME`` in a default scope."""
    parts = split_ident(text)
    if len(parts) == 1:
        return database, schema, parts[0]
    if len(parts) == 2:
        return database, parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise ValueError(f"too many parts in identifier {text!r}")


def resolve_or_protocol_error(text: str, database: str, schema: str) -> tuple[str, str, str]:
    """``resolve`` for names that came from the server: a malformed one is the server's fault."""
    try:
        return resolve(text, database, schema)
    except ValueError as exc:
        raise ProtocolError(f"server sent a malformed task name: {text[:200]!r}") from exc


def path_segment(name: str) -> str:
    """One URL path segment for an identifier; nothing in it can escape the segment."""
    return quote(quote_ident(name), safe="$")
