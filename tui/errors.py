"""Errors that cross layers: raised by backends and configuration, shown by the UI and the CLI.

The bottom floor: imports nothing from dagtop, so every layer (domain and backends up to the entry points)
can raise and catch these without depending on a layer above it.
"""

from __future__ import annotations

import logging

_log = logging.getLogger("dagtop.errors")
# Nothing is written unless the debug log is enabled (``tui.services.debug_log``); without a handler,
# logging's last resort would print tracebacks over the console's screen.
logging.getLogger("dagtop").addHandler(logging.NullHandler())


class BackendError(Exception):
    """Something the backend (or the way to it) said no to.

    Carries what the server said, verbatim, so the UI can show exactly that. Never carries secrets:
    whoever builds one passes already-redacted text.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), if any

    def describe(self) -> str:
        """One line for a status bar: status, server code, message, request id."""
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"code {self.code}")
        text = " ".join(parts)
        text = f"{text}: {self.message}" if text else self.message
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


class TransportError(BackendError):
    """The server could not be reached or did not answer in time."""


class ProtocolError(BackendError):
    """The server answered with something that is not what the API promises."""


class AuthError(BackendError):
    """401/403: the credentials were refused."""


class NotFoundError(BackendError):
    """404: no such database, schema, task or run."""


class ConflictError(BackendError):
    """409, or a state rule of the scheduler refused the change."""


class RateLimitedError(BackendError):
    """429 after the retry budget ran out."""


class ActionOutcomeUnknown(BackendError):
    """An action was sent but no answer came back: it may or may not have happened."""


class ConfigError(Exception):
    """Bad configuration: names the file and the key. The CLI turns it into exit code 2."""


def describe_error(exc: BaseException) -> str:
    """The one way an exception becomes words for a status bar, a toast or stderr.

    A backend's error says what the server said; a configuration error names its file and key. Anything
    else is a bug: its traceback goes to the debug log (when one is enabled), so it leaves a trace.
    """
    if isinstance(exc, BackendError):
        return exc.describe()
    if isinstance(exc, ConfigError):
        return str(exc)
    _log.error("unexpected %s", type(exc).__name__, exc_info=exc)
    return f"{type(exc).__name__}: {exc}"
