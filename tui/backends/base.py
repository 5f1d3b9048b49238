"""The contract every backend adapter fulfils, and the typed errors it raises.

The UI only ever sees domain objects and these errors: it never builds a URL or parses vendor JSON.
No Textual here.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tui.domain import Capabilities, Graph, GraphRun, LogChunk, Task, TaskRun


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


@runtime_checkable
class Backend(Protocol):
    """One connection to one scheduler, scoped (for Snowflake) to a database.schema."""

    kind: str
    capabilities: Capabilities

    @property
    def location(self) -> str:
        """Where this points, for headers and confirmations (URL or account, and scope)."""
        ...

    async def list_tasks(self) -> list[Task]: ...

    async def get_task(self, key: str) -> Task: ...

    async def get_graph(self, root: str) -> Graph: ...

    async def current_runs(self, root: str, limit: int = 100) -> list[GraphRun]: ...

    async def completed_runs(
        self, root: str, limit: int = 100, errors_only: bool = False
    ) -> list[GraphRun]: ...

    async def execute(self, key: str, retry_last: bool = False) -> str: ...

    async def suspend(self, key: str) -> str: ...

    async def resume(self, key: str) -> str: ...

    async def list_scopes(self) -> list[str]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class TaskRunBackend(Backend, Protocol):
    """Optional extras of a backend, present ONLY when its capabilities say so.

    ``capabilities.task_runs``: ``task_runs`` and ``retry_preview``; ``capabilities.logs``: ``run_log``.
    Callers check the capability flag, never ``hasattr``.
    """

    async def task_runs(self, root: str, run_id: str) -> list[TaskRun]:
        """Every task's run inside graph run ``run_id`` of graph ``root``, in task order."""
        ...

    async def run_log(
        self, root: str, run_id: str, task: str, try_number: int, continuation: str | None = None
    ) -> LogChunk:
        """The log of one try of ``task`` (a task key) in a run; pass the chunk's ``continuation`` back
        to get what follows (for a running try) until ``finished``."""
        ...

    async def retry_preview(self, root: str) -> list[str]:
        """The task keys a retry of ``root``'s latest failed run would clear (nothing is changed)."""
        ...
