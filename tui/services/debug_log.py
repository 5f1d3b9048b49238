"""The debug log: tracebacks of unexpected errors (and the HTTP layer's retries), for a bug report.

Off unless asked for: ``--log FILE``, or ``DAGTOP_LOG`` (a path, or ``1`` for ``dagtop.log`` in the state
directory). Every line, tracebacks included, is redacted with the secrets of every live HTTP client.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from tui.locations import state_dir

_OFF = {"", "0", "false", "no", "off"}
_ON = {"1", "true", "yes", "on"}


def log_path(option: str | None, env: Mapping[str, str]) -> Path | None:
    """Where the debug log goes, or None when it is off. The flag wins over the environment."""
    if option:
        return Path(option).expanduser()
    value = env.get("DAGTOP_LOG", "").strip()
    if value.lower() in _OFF:
        return None
    if value.lower() in _ON:
        return state_dir() / "dagtop.log"
    return Path(value).expanduser()


class _RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record: a traceback's frames and messages can carry a token."""

    def format(self, record: logging.LogRecord) -> str:
        from tui.backends import http  # lazily: `dagtop --help` and the sandbox need no HTTP client

        # The live clients' secrets: the same registry that redacts httpx's own log lines.
        return http.redact(super().format(record), http.live_secrets())


def enable(path: Path) -> logging.Handler:
    """Append dagtop's log records to ``path`` (created private: it holds server text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("dagtop")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return handler


def disable(handler: logging.Handler) -> None:
    logger = logging.getLogger("dagtop")
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)
    handler.close()
