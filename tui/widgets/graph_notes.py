"""The words after a task's badges on the graph: why it did not run, how long it has been running, and
the data it reads and writes (as labels on its edges, with last edit times)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text

from tui.domain import Graph
from tui.services.graph_notes import DataRef, task_data
from tui.services.run_ages import Age
from tui.widgets.literal import literal
from tui.widgets.run_age import age_cell
from tui.widgets.timefmt import moment

READS, WRITES = "⇠ ", "⇢ "


def cause_text(graph: Graph, causes: list[str]) -> Text:
    """`` because boom failed`` for a task that did not run because of a failure upstream."""
    if not causes:
        return Text("")
    text = Text(" because ")
    for n, cause in enumerate(causes):
        if n:
            text.append(" and ")
        text.append_text(literal(graph.tasks[cause].name, "bold"))
    text.append(" failed")
    return text


def data_text(
    graph: Graph, key: str, written: frozenset[str], now: datetime, tz: tzinfo | None, show_absolute: bool
) -> Text:
    """``  ⇠ raw  ⇢ doubled (edited 3m ago)``: the task's data nodes, dim, names inert."""
    reads, writes = task_data(graph, key, written)
    text = Text()
    for arrow, refs in ((READS, reads), (WRITES, writes)):
        if not refs:
            continue
        text.append(f"  {arrow}", style="dim")
        for n, ref in enumerate(refs):
            if n:
                text.append(", ", style="dim")
            text.append_text(_ref(ref, now, tz, show_absolute))
    return text


def _ref(ref: DataRef, now: datetime, tz: tzinfo | None, show_absolute: bool) -> Text:
    text = literal(ref.name, "dim italic")
    if ref.last_edit is not None:
        text.append(f" (edited {moment(now, ref.last_edit, tz, show_absolute)})", style="dim")
    return text


def task_notes(
    graph: Graph,
    key: str,
    causes: list[str],
    age: Age | None,
    colors: dict[str, str],
    written: frozenset[str],
    when: tuple[datetime, tzinfo | None, bool],
) -> Text:
    """Everything after a task's badges: cause, time in its state, data (empty when there is none)."""
    text = cause_text(graph, causes)
    cell = age_cell(age, colors, wide=True)
    if cell.plain:
        text.append("  ")
        text.append_text(cell)
    text.append_text(data_text(graph, key, written, *when))
    return text
