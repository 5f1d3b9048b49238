"""A task's full definition: SQL, condition, config, comment, integrations, timeouts, predecessors."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui import task_fields
from tui.domain import Task
from tui.widgets.literal import literal
from tui.widgets.status import task_badge
from tui.widgets.timefmt import moment

from .base import PolledScreen


class TaskDetailScreen(PolledScreen):
    TITLE_TEXT = "Task"
    BINDINGS = [
        Binding("escape", "app.back", "Back", id="detail.back"),
        Binding("t", "app.open_graph", "Graph", id="detail.graph"),
    ]

    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task_data = task

    @property
    def selected_task(self) -> Task:
        return self.task_data

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-body")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.render_rows()
        self.query_one("#detail-scroll").focus()

    async def fetch(self) -> Task:
        return await self.app.backend.get_task(self.task_data.key)  # type: ignore[attr-defined]

    def show(self, data: Task) -> None:
        self.task_data = data
        self.render_rows()

    def render_rows(self) -> None:
        self.query_one("#detail-body", Static).update(self.body())

    def body(self) -> Text:
        task = self.task_data
        app = self.app
        colors, now, tz, absolute = app.theme_colors, app.now(), app.tz, app.show_absolute  # type: ignore[attr-defined]
        wording = app.backend.wording  # type: ignore[attr-defined]
        declared = wording.task_fields
        out = Text()

        def field(label: str, value: Text | str | None, name: str = "") -> None:
            if name and not task_fields.has(task, name, declared):
                return  # a field this backend does not have: say nothing rather than "—"
            out.append(f"{label:<22}", style="bold")
            if isinstance(value, Text):
                out.append_text(value)
            else:
                out.append_text(literal(value if value not in (None, "") else "—", single_line=False))
            out.append("\n")

        def block(label: str, value: str | None, name: str = "") -> None:
            if name and not task_fields.has(task, name, declared) and not value:
                return
            out.append(f"\n{label}\n", style="bold underline")
            out.append_text(literal(value if value else "—", single_line=False))
            out.append("\n")

        field("Name", literal(task.name, "bold"))
        field("Scope", task.scope, "scope")
        badge = task_badge(task.state, task.raw_state, colors, wording.state_words)
        if badge.plain:  # an Airflow task has no state of its own (its DAG's pause flag is the DAG's)
            field("State", badge)
        field("Disabled because", task.state_reason, "state_reason")
        field("Kind", kind(task, wording.row_noun))
        in_graph = not task.is_root and not wording.root_is_task  # a task of a DAG: runs with it
        if not in_graph:  # a DAG's task has no schedule of its own: the DAG's runs are its runs
            field("Schedule", task.schedule.describe())
        # A first task of a DAG hangs off the DAG in the graph; it waits for no task.
        before = [p for p in task.predecessors if not (in_graph and p == task.root)]
        field("Predecessors", ", ".join(p.rsplit(".", 1)[-1].rsplit("/", 1)[-1] for p in before) or "—")
        field("Warehouse", task.warehouse or declared.get("warehouse"), "warehouse")
        field("Owner", task.owner)
        field("Operator", task.operator, "operator")
        field("Retries", str(task.retries) if task.retries is not None else None, "retries")
        field("Pool", task.pool, "pool")
        field("Trigger rule", task.trigger_rule, "trigger_rule")
        if task.is_root:  # tags label the graph (an Airflow DAG's), not each of its tasks
            field("Tags", ", ".join(task.tags), "tags")
        field("Error integration", task.error_integration, "error_integration")
        field("Timeout", f"{task.timeout_ms} ms" if task.timeout_ms is not None else None, "timeout_ms")
        suspend_after = str(task.suspend_after_failures) if task.suspend_after_failures else None
        field("Suspend after fails", suspend_after, "suspend_after_failures")
        auto_retry = str(task.auto_retry_attempts) if task.auto_retry_attempts else None
        field("Auto-retry attempts", auto_retry, "auto_retry_attempts")
        field("Finalizer of", task.finalizer_of, "finalizer_of")
        field("Created", moment(now, task.created_on, tz, absolute), "created_on")
        field("Last committed", moment(now, task.last_committed_on, tz, absolute), "last_committed_on")
        field("Last suspended", moment(now, task.last_suspended_on, tz, absolute), "last_suspended_on")
        block("Comment", task.comment, "comment")
        # The author's markdown source as typed: inert text, never rendered (no markup, no links).
        block("Documentation", task.doc, "doc")
        block("Condition (WHEN)", task.condition, "condition")
        block("Definition", task.definition, "definition")
        config = json.dumps(task.config, indent=2, ensure_ascii=False) if task.config else None
        block("Config", config, "config")
        return out


def kind(task: Task, row_noun: str) -> str:
    """Root or child in the backend's words: where the list holds graphs (Airflow DAGs), a DAG and a
    task of a DAG, not a Snowflake root task and its children."""
    if row_noun == "task":
        return "root" if task.is_root else f"child of graph {task.root}"
    return row_noun if task.is_root else f"task of {row_noun} {task.root}"
