"""The confirmation before any action: names the exact target and environment and what will happen.

A production profile makes the user type the task's name. The dialog answers once, so a double key
press can never confirm twice. A dialog with a text field (run conf, the name) focuses it on open, and
its single-key answers (y, n) act only while no text field has focus: typed text never confirms,
cancels, or falls through to the screen below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.domain import GraphRun
from tui.services.actions import ActionKind, ActionPlan
from tui.widgets.literal import literal
from tui.widgets.timefmt import absolute, relative


@dataclass(frozen=True)
class Confirmed:
    """The user said yes; ``conf`` is the run conf they typed (Airflow), if any."""

    conf: dict[str, Any] | None = None


class ConfirmAction(ModalScreen["Confirmed | None"]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("n", "key_answer(False)", "No", show=False, id="confirm.no"),
        Binding("y", "key_answer(True)", "Yes", show=False, id="confirm.yes"),
        Binding("g", "go_instead", "Go to root", show=False, id="confirm.go_instead"),
    ]

    def __init__(
        self,
        plan: ActionPlan,
        *,
        production: bool,
        environment: str,
        ask_conf: bool = False,
        now: datetime | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.now = now
        self.tz = tz
        self.ask_conf = ask_conf and plan.kind is ActionKind.EXECUTE
        self.production = production
        self.environment = environment
        self._answered = False

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="confirm-box"):
            title = Text(f"{plan.title} ", style="bold")
            title.append_text(literal(plan.task.name, "bold"))
            title.append("?")
            yield Static(title, id="confirm-title")
            target = Text("Target:  ", style="dim")
            target.append_text(literal(plan.task.qualified_name, "bold"))
            yield Static(target)
            where = Text("On:      ", style="dim")
            where.append_text(literal(self.environment))
            yield Static(where)
            if plan.run is not None:
                yield Static(self._run_line(plan.run), id="confirm-run")
            if plan.task_run is not None:
                yield Static(self._task_run_line(plan), id="confirm-task-run")
            if plan.blocked_reason:  # what will not happen and why, said once
                yield Static(literal(plan.blocked_reason, single_line=False), id="confirm-blocked")
            else:
                yield Static(literal(plan.consequence, single_line=False), id="confirm-consequence")
                if self.ask_conf:
                    then = "enter, then type the name" if self.production else "enter confirms"
                    yield Label(f"Run conf (JSON object, optional; {then}):")
                    yield Input(placeholder='{"key": "value"}', id="confirm-conf")
                if self.production:
                    prompt = Text("Production profile: type the task name to confirm: ")
                    prompt.append_text(literal(plan.task.name, "bold"))
                    yield Label(prompt)
                    yield Input(placeholder=plan.task.name, id="confirm-name")
            with Horizontal(id="confirm-buttons"):
                if not plan.blocked_reason:
                    # With a text field, y is a letter of the text: enter confirms.
                    key = "enter" if self.ask_conf or self.production else "y"
                    yes = "Cancel run" if plan.kind is ActionKind.CANCEL else plan.title.split()[0]
                    yield Button(f"{yes} ({key})", variant="error", id="confirm-yes")
                if plan.instead:
                    root = plan.instead.rsplit(".", 1)[-1]
                    yield Button(literal(f"Go to {root} (g)"), variant="primary", id="confirm-instead")
                # Never two buttons saying "Cancel": for a cancel, esc keeps the run.
                no = "Keep it (esc)" if plan.kind is ActionKind.CANCEL else "Cancel (esc)"
                yield Button(no, id="confirm-no")

    def _run_line(self, run: GraphRun) -> Text:
        """Which run the action acts on: its id, how and when it ended, and which task failed."""
        line = Text("Run:     ", style="dim")
        line.append_text(literal(run.run_id, "bold"))
        line.append(f" · {run.raw_state or run.state}")
        ended = run.completed_time or run.started_time
        if ended is not None:
            when = absolute(ended, self.tz)
            line.append(f" {relative(self.now, ended)} ({when})" if self.now else f" {when}")
        if run.first_error_task:
            line.append(" · failed first: ")
            line.append_text(literal(run.first_error_task, "bold"))
        return line

    @staticmethod
    def _task_run_line(plan: ActionPlan) -> Text:
        """Which task run a cancel acts on: its name, its state now (the server's word), its run."""
        task_run = plan.task_run
        assert task_run is not None
        line = Text("Run:     ", style="dim")
        # The task run's own name (``process[13]``), else its task's name rather than its key.
        named = task_run.log_ref or (plan.task.name if task_run.task == plan.task.key else task_run.task)
        line.append_text(literal(named, "bold"))
        line.append(" · ")
        line.append_text(literal(task_run.raw_state or task_run.state.value))
        line.append(" · in run ")
        line.append_text(literal(task_run.graph_run))
        return line

    def on_mount(self) -> None:
        fields = list(self.query(Input))
        if fields:
            fields[0].focus()
        else:
            self.query_one("#confirm-no", Button).focus()

    def action_key_answer(self, yes: bool) -> None:
        """y / n: only while no text field has focus (there they are letters of the text)."""
        if isinstance(self.focused, Input):
            return
        if yes:
            self.action_confirm()
        else:
            self.action_cancel()

    def _typed_ok(self) -> bool:
        if not self.production:
            return True
        return self.query_one("#confirm-name", Input).value == self.plan.task.name

    def action_confirm(self) -> None:
        if self.plan.blocked_reason:
            return
        if not self._typed_ok():
            self.notify("Type the task name exactly to confirm.", severity="warning", timeout=3)
            return
        conf: dict[str, Any] | None = None
        if self.ask_conf:
            text = self.query_one("#confirm-conf", Input).value.strip()
            if text:
                try:
                    conf = json.loads(text)
                except ValueError as exc:
                    self.notify(f"The conf is not valid JSON: {exc}", severity="error", markup=False)
                    return
                if not isinstance(conf, dict):
                    self.notify("The conf must be a JSON object.", severity="error")
                    return
        self._answer(Confirmed(conf))

    def action_cancel(self) -> None:
        self._answer(None)

    def action_go_instead(self) -> None:
        """Close, and put the cursor on the task to use instead (a child's root)."""
        if self.plan.instead and not self._answered:
            self._answer(None)
            self.app.show_task(self.plan.instead)  # type: ignore[attr-defined]

    def _answer(self, value: Confirmed | None) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(value)

    @on(Button.Pressed, "#confirm-yes")
    def yes_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#confirm-instead")
    def instead_pressed(self) -> None:
        self.action_go_instead()

    @on(Button.Pressed, "#confirm-no")
    def no_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#confirm-name")
    def name_submitted(self) -> None:
        self.action_confirm()

    @on(Input.Submitted, "#confirm-conf")
    def conf_submitted(self) -> None:
        if self.production:  # the name is still to type
            self.query_one("#confirm-name", Input).focus()
        else:
            self.action_confirm()
