"""What the inbox lists: problems, each naming its profile, backend and graph, worst and newest first."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tui.domain import GraphRun, Task


class ProblemKind(enum.StrEnum):
    """Kinds of problems, in the order the inbox ranks them (most severe first)."""

    FAILED = "failed"  # the graph's latest run failed
    UNREACHABLE = "unreachable"  # the profile cannot be read: every problem in it is hidden
    LONG_RUNNING = "long-running"  # running far past its usual duration
    OVERDUE = "overdue"  # its scheduled time passed and nothing started
    SUSPENDED = "suspended"  # suspended (paused, disabled) while its schedule says it should run

    @property
    def rank(self) -> int:
        return list(ProblemKind).index(self)


@dataclass(frozen=True)
class Where:
    """The profile a problem is in, as the row names it."""

    profile: str
    backend: str
    production: bool = False
    scope: str = ""  # DB.SCHEMA on a backend with scopes


@dataclass(frozen=True)
class Problem:
    """One thing that needs a human. ``summary`` is one line (the first line of an error); ``detail`` is
    everything the backend said. ``fingerprint`` changes when the problem does (a new failed run), so an
    acknowledgement hides it only until then."""

    kind: ProblemKind
    where: Where
    summary: str
    since: datetime | None = None  # when it started (the run's end, the missed time, the first failure)
    graph: Task | None = None  # the graph's root task (None: the whole profile)
    task: str = ""  # the task that failed first, where the backend says
    run: GraphRun | None = None
    detail: str = ""
    fingerprint: str = ""
    stale: bool = False  # from the last good poll of a profile that cannot be read now
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        """Which problem this is, whatever its details: profile, scope, graph and kind."""
        graph = self.graph.key if self.graph is not None else ""
        return "\x1f".join((self.where.profile, self.where.scope, graph, self.kind.value))

    @property
    def graph_name(self) -> str:
        return self.graph.name if self.graph is not None else ""


_OLDEST = datetime.min.replace(tzinfo=UTC)


def ranked(problems: list[Problem]) -> list[Problem]:
    """Most severe first, newest first within a kind, then by profile and graph (a stable order)."""
    by_name = sorted(problems, key=lambda p: (p.where.profile, p.where.scope, p.graph_name))
    by_time = sorted(by_name, key=lambda p: p.since or _OLDEST, reverse=True)
    return sorted(by_time, key=lambda p: p.kind.rank)


def first_line(text: str | None) -> str:
    """The first non-empty line of a message (what a row has room for)."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""
