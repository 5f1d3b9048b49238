"""The confirmation before any action: names the exact target and environment and what will happen.

A production profile makes the user type the task's name (a run's id, to delete the run). A clear shows
its options (d downstream, u upstream, f only failed) and the server's dry-run list, asked again when an
option changes; yes sends the clear with the options on screen, whose list was shown. The dialog
answers once, so a double key press can never confirm twice. A dialog with a text field (run conf,
the name) focuses it on open, and its single-key answers (y, n) act only while no text field has
focus: typed text never confirms, cancels, or falls through to the screen below.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.action_plan import ClearOptions, RunTarget
from tui.domain import GraphRun
from tui.services.actions import ActionKind, ActionPlan
from tui.widgets.literal import literal
from tui.widgets.timefmt import absolute, relative


@dataclass(frozen=True)
class Confirmed:
    """The user said yes; ``conf`` is the run conf they typed (Airflow), if any; ``plan`` the plan as
    confirmed when the dialog re-planned it (a clear's options changed)."""

    conf: dict[str, Any] | None = None
    plan: ActionPlan | None = None


Replan = Callable[[ClearOptions], Awaitable[ActionPlan]]


class ConfirmAction(ModalScreen["Confirmed | None"]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("n", "key_answer(False)", "No", show=False, id="confirm.no"),
        Binding("y", "key_answer(True)", "Yes", show=False, id="confirm.yes"),
        Binding("g", "go_instead", "Go to root", show=False, id="confirm.go_instead"),
        Binding("d", "toggle('downstream')", "Downstream", show=False, id="confirm.downstream"),
        Binding("u", "toggle('upstream')", "Upstream", show=False, id="confirm.upstream"),
        Binding("f", "toggle('only_failed')", "Only failed", show=False, id="confirm.only_failed"),
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
        replan: Replan | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.replan = replan  # a clear: its options toggle here, each change asks the dry run again
        self._stale = False  # an option changed and its dry run has not answered yet
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
            if plan.target is not None:
                yield from self._target_lines(plan.target)
            elif plan.run is not None:
                yield Static(self._run_line(plan.run), id="confirm-run")
            if plan.task_run is not None:
                yield Static(self._task_run_line(plan), id="confirm-task-run")
            if plan.blocked_reason:  # what will not happen and why, said once
                yield Static(literal(plan.blocked_reason, single_line=False), id="confirm-blocked")
            else:
                yield Static(literal(plan.consequence, single_line=False), id="confirm-consequence")
                if self.replan is not None:
                    yield Static(self._options_line(), id="confirm-options")
                if self.ask_conf:
                    then = "enter, then type the name" if self.production else "enter confirms"
                    yield Label(f"Run conf (JSON object, optional; {then}):")
                    yield Input(placeholder='{"key": "value"}', id="confirm-conf")
                if self.production:
                    what = "run id" if plan.kind is ActionKind.DELETE_RUN else "task name"
                    prompt = Text(f"Production profile: type the {what} to confirm: ")
                    prompt.append_text(literal(plan.typed_word, "bold"))
                    yield Label(prompt)
                    yield Input(placeholder=plan.typed_word, id="confirm-name")
            with Horizontal(id="confirm-buttons"):
                if not plan.blocked_reason:
                    # With a text field, y is a letter of the text: enter confirms.
                    key = "enter" if self.ask_conf or self.production else "y"
                    yes = "Cancel run" if plan.kind is ActionKind.CANCEL else plan.title.split()[0]
                    if plan.kind in (ActionKind.MARK_SUCCESS, ActionKind.MARK_FAILED):
                        yes = plan.title.rstrip(":")
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

    def _target_lines(self, target: RunTarget) -> ComposeResult:
        """A run action's target: the run (id, state, when) and the task run chosen in it, if one."""
        yield Static(self._run_line(target.run), id="confirm-run")
        line = Text("Task:    ", style="dim")
        if target.task_run is None:
            line.append("the whole run")
        else:
            line.append_text(literal(target.task_run.label.split("/", 1)[-1], "bold"))
            line.append(" · ")
            line.append_text(literal(target.task_run.raw_state or target.task_run.state.value))
            if target.task_run.try_number:
                line.append(f" · try {target.task_run.try_number}")
        yield Static(line, id="confirm-target")

    def _options_line(self) -> Text:
        """A clear's options as toggles, each with its key."""
        options = self.plan.clear or ClearOptions()
        line = Text("Options: ", style="dim")
        for key, word, on_ in (
            ("d", "downstream", options.downstream),
            ("u", "upstream", options.upstream),
            ("f", "only failed", options.only_failed),
        ):
            line.append(f"[{'x' if on_ else ' '}] {word} ({key})  ", style="bold" if on_ else "")
        if self._stale:
            line.append("asking the server…", style="italic")
        return line

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle":  # only a clear has options; in a text field d/u/f are letters
            has_options = self.replan is not None and not self.plan.blocked_reason
            return has_options and not isinstance(self.focused, Input)
        return True

    def action_toggle(self, name: str) -> None:
        options = self.plan.clear or ClearOptions()
        options = replace(options, **{name: not getattr(options, name)})
        self._stale = True
        self.plan = replace(self.plan, clear=options)
        self.query_one("#confirm-options", Static).update(self._options_line())
        self._ask(options)

    @work(exclusive=True, group="replan", exit_on_error=False)
    async def _ask(self, options: ClearOptions) -> None:
        """The dry run for the options on screen (an older answer never overwrites a newer ask)."""
        assert self.replan is not None
        try:
            plan = await self.replan(options)
        except Exception as exc:  # the list is unknown: confirming stays refused until one arrives
            from tui.errors import describe_error

            self.query_one("#confirm-consequence", Static).update(
                literal(describe_error(exc), single_line=False)
            )
            return
        if plan.clear != (self.plan.clear or ClearOptions()):
            return  # options changed again meanwhile: that ask's answer is the one to show
        self.plan = plan
        self._stale = False
        self.query_one("#confirm-consequence", Static).update(literal(plan.consequence, single_line=False))
        self.query_one("#confirm-options", Static).update(self._options_line())

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
        return self.query_one("#confirm-name", Input).value == self.plan.typed_word

    def action_confirm(self) -> None:
        if self.plan.blocked_reason:
            return
        if self._stale:
            self.notify("Wait for the list of what the clear takes.", severity="warning", timeout=3)
            return
        if self.plan.kind is ActionKind.CLEAR and self.plan.affected == ():
            self.notify("Nothing to clear with these options.", severity="warning", timeout=3)
            return
        if not self._typed_ok():
            what = "run id" if self.plan.kind is ActionKind.DELETE_RUN else "task name"
            self.notify(f"Type the {what} exactly to confirm.", severity="warning", timeout=3)
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
        self._answer(Confirmed(conf, self.plan if self.replan is not None else None))

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
