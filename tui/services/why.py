"""`W`: why a task is not running, from the facts its backend read (``ExplainBackend``).

Pure: orders the facts (what blocks first, then what the API cannot tell, then the rest) and says
the verdict in one line, so the console and ``dagtop why`` say the same thing. No Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from tui.backends.base import Backend, ExplainBackend
from tui.domain import Fact, Task
from tui.plural import plural

# Said when a backend has no explainer (no such capability): never a guess in its place.
NO_EXPLAINER = "this backend cannot say why a task does not run"


@dataclass(frozen=True)
class Explanation:
    """A task's facts in reading order, and the verdict over them."""

    task: Task
    facts: tuple[Fact, ...]

    @property
    def blocking(self) -> list[Fact]:
        return [f for f in self.facts if f.blocking]

    @property
    def next_run(self) -> datetime | None:
        """The soonest moment a fact names (the next scheduled run), if any does."""
        times = [f.when for f in self.facts if f.when is not None and f.due]
        return min(times) if times else None

    def verdict(self, next_run: str = "") -> str:
        """One line: what stops it, or that nothing does (and whether the API could tell it all);
        ``next_run`` is ``next_run`` as the reader sees times ("in 4m", "12:14")."""
        name = self.task.name
        count = len(self.blocking)
        if count:
            verb = "stops" if count == 1 else "stop"
            return f"{plural(count, 'thing')} {verb} {name} from running (✗ below)."
        unknown = sum(not f.known for f in self.facts)
        tail = f"; the API cannot tell {plural(unknown, 'thing')} (? below)" if unknown else ""
        if self.next_run is not None:
            return f"Nothing the API shows stops {name}: it runs next {next_run or 'as scheduled'}{tail}."
        return f"Nothing the API shows stops {name}{tail}."


def fact_text(fact: Fact, moment: str) -> str:
    """The fact's words with its moment in place of ``{when}`` (or after them, in brackets)."""
    before, marker, after = fact.text.partition("{when}")
    if marker:
        return f"{before}{moment or '(time unknown)'}{after}"
    return f"{fact.text} ({moment})" if moment else fact.text


def ordered(facts: Sequence[Fact]) -> tuple[Fact, ...]:
    """Blocking facts first, then what cannot be told, then the rest; each group as the backend said."""
    return tuple(sorted(facts, key=lambda f: (not f.blocking, f.known)))


async def explain(backend: Backend, task: Task) -> Explanation:
    """Ask ``backend`` about ``task`` (``capabilities.explain`` must be set: callers check it)."""
    facts = await cast(ExplainBackend, backend).why_not_running(task)
    return Explanation(task, ordered(facts))
