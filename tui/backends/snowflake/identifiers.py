"""Snowflake identifiers: quoting, splitting fully qualified names, and URL path segments.

Two spellings matter. A *raw* name is what Snowflake stores (case-exact: ``MY_TASK``, ``my task``). An
*identifier* is how SQL and the REST API spell it: unquoted identifiers are case-insensitive (stored
upper-cased), quoted ones are case-exact with ``""`` for a quote. The API sends and expects identifiers
(``"name": "\"my task\""``), so the wire models keep identifiers and the domain uses raw names, with
keys in canonical identifier form (``DB.SCHEMA."my task"``).

Path segments are percent-encoded so that ``/``, ``?``, ``#``, ``%`` or ``:`` inside a name can never
change the URL (e.g. turn a fetch into ``:execute``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_PLAIN_UPPER = re.compile(r"[A-Z_][A-Z0-9_$]*")
_QUOTED = re.compile(r'"(?:[^"]|"")+"')


def quote_ident(name: str) -> str:
    """The canonical identifier for a raw name: bare when unquoted spelling means the same, else quoted."""
    if _PLAIN_UPPER.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def as_identifier(text: str) -> str:
    """``text`` as an identifier to send: a plain (``[A-Za-z_][A-Za-z0-9_$]*``) or already-quoted
    identifier goes as is; anything else is taken as a raw name and double-quoted, ``"`` doubled."""
    if _PLAIN.fullmatch(text) or _QUOTED.fullmatch(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def raw_name(text: str) -> str:
    """The raw name of one identifier from the server; text that is not an identifier is taken as raw."""
    try:
        parts = split_ident(text)
    except ValueError:
        return text
    return parts[0] if len(parts) == 1 else text


def split_ident(text: str) -> list[str]:
    """Split ``a.B."c.d"`` into raw names ``["A", "B", "c.d"]``: quoted parts as written (``""``
    undoubled), unquoted parts upper-cased as Snowflake stores them.

    Raises ValueError on an unterminated quote, an empty part or an unquoted part that is not plain.
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
            if not _PLAIN.fullmatch(part):
                raise ValueError(f"malformed identifier {text!r}")
            parts.append(part.upper())
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


def resolve_lenient(text: str, database: str, schema: str) -> tuple[str, str, str]:
    """``resolve`` for names from the server: text that is not an identifier is one raw name."""
    try:
        return resolve(text, database, schema)
    except ValueError:
        return database, schema, text


def path_segment(identifier: str) -> str:
    """One URL path segment for an identifier (see ``as_identifier``); nothing can escape the segment."""
    return quote(as_identifier(identifier), safe="$")
