"""`y`: a failed run handed to the next person as Markdown — profile, graph, run, times, what failed and how
the error begins, and links to the backend's own UI — copied to the clipboard and kept in a file.

Server text goes into code blocks fenced longer than any backtick run in it, and names into code spans, so
a task called ``[click](https://evil)`` stays text in the ticket it is pasted into; control characters are
made visible (``tui.text_safety``) as everywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from tui.domain import GraphRun, TaskRun, UiLink
from tui.services.freshness import duration
from tui.text_safety import message_lines, safe_text

ERROR_LINES = 12  # of the first error's message: the rest is in the log


@dataclass(frozen=True)
class Handoff:
    profile: str
    backend: str
    location: str
    graph: str  # the graph's qualified name
    run: GraphRun
    failed: list[TaskRun] = field(
        default_factory=list
    )  # the task runs that failed, where the backend has them
    links: list[UiLink] = field(default_factory=list)
    production: bool = False


def markdown(handoff: Handoff, now: datetime) -> str:
    """The summary as Markdown (GitHub-flavoured: tables, fenced code)."""
    run = handoff.run
    state = run.raw_state or run.state.value
    lines = [f"## {_code(handoff.graph)} run {_code(run.run_id)}: {_plain(state)}", ""]
    env = (
        f"{_code(handoff.profile)} ({_plain(handoff.backend)}{', production' if handoff.production else ''})"
    )
    lines += [f"- **Profile:** {env} · {_code(handoff.location)}"]
    lines += [f"- **Scheduled:** {_when(run.scheduled_time)} · **started:** {_when(run.started_time)}"]
    lines += [f"- **Ended:** {_when(run.completed_time)} · **took:** {_took(run.duration(now))}"]
    if run.first_error_task:
        lines += [f"- **First failed task:** {_code(run.first_error_task.rsplit('.', 1)[-1])}"]
    if handoff.failed:
        lines += ["", "| failed task | state | try | started | took |", "| --- | --- | --- | --- | --- |"]
        for task_run in handoff.failed:
            cells = (
                _code(task_run.label),
                _plain(task_run.raw_state or task_run.state.value),
                str(task_run.try_number or ""),
                _when(task_run.started_time),
                _took(task_run.duration(now)),
            )
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"]
    message = message_lines(run.first_error_message or "")
    if message.strip():
        code = f"{run.first_error_code}: " if run.first_error_code else ""
        shown = (code + message).splitlines()
        cut = len(shown) > ERROR_LINES
        lines += ["", "**Error:**", "", *_fenced(shown[:ERROR_LINES])]
        if cut:
            lines += [f"({len(shown) - ERROR_LINES} more lines in the run's log)"]
    if handoff.links:
        lines += ["", *(f"- [{_plain(link.label)}](<{_url(link.url)}>)" for link in handoff.links)]
    lines += ["", f"_From dagtop, {now.strftime('%Y-%m-%d %H:%M:%S %Z')}._", ""]
    return "\n".join(lines)


def save(text: str, directory: Path, handoff: Handoff, now: datetime) -> Path:
    """Write ``text`` to ``directory`` under a name that says what it is; the path written."""
    stem = "-".join(
        _slug(part)
        for part in (now.strftime("%Y%m%dT%H%M%S"), handoff.profile, handoff.graph, handoff.run.run_id)
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.md"
    path.write_text(text, encoding="utf-8")
    return path


def _fenced(lines: list[str]) -> list[str]:
    body = [safe_text(line, keep_tabs=True) for line in lines]
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *body, fence]


def _code(text: str) -> str:
    """``text`` as a Markdown code span: never a link, emphasis or HTML wherever it is pasted."""
    text = safe_text(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _plain(text: str) -> str:
    """Our own words or a server's state word: Markdown's punctuation escaped."""
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~])", r"\\\1", safe_text(text))


def _url(url: str) -> str:
    return safe_text(url).replace(">", "%3E").replace(" ", "%20")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if moment else "—"


def _took(delta: timedelta | None) -> str:
    return duration(delta) or "—"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:60] or "x"
