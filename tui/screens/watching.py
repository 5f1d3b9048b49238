"""`w`: watch (or stop watching) what the screen has chosen: a run where one is chosen (a run's detail,
a runs list), else the chosen task's graph (task list, graph, grid)."""

from __future__ import annotations

from typing import Any

from tui.domain import GraphRun, Task
from tui.services.snapshots import GraphStatus
from tui.services.watch import WatchTarget


def graph_name(screen: Any, task: Task) -> str:
    """The graph's name as the screen shows it (a Qlik or Taipy key is an id, not a name)."""
    if task.is_root:
        return task.name
    named = getattr(screen, "task_name", None)
    if callable(named):
        return named(task.root)
    graph = getattr(getattr(screen, "snapshot", None), "graph", None)
    root = graph.tasks.get(task.root) if graph is not None else None
    return root.name if root is not None else task.root.rsplit(".", 1)[-1]


def baseline(screen: Any, root: str) -> GraphStatus | None:
    """The graph's status as the screen knows it now: what the next poll is compared with."""
    sweep = getattr(screen, "sweep", None)
    if sweep is not None:
        return sweep.statuses.get(root)
    snapshot = getattr(screen, "snapshot", None)
    if snapshot is not None and getattr(screen, "pinned_run", None) is None and hasattr(snapshot, "current"):
        return GraphStatus(snapshot.run, snapshot.current, None)
    return None


def chosen_run(screen: Any) -> GraphRun | None:
    """The run chosen on screen: a run's detail's own run, or the runs list's row."""
    run = getattr(screen, "run", None)
    if isinstance(run, GraphRun):
        return run
    run = getattr(screen, "selected_run", None)
    return run if isinstance(run, GraphRun) else None


def channels(app: Any) -> str:
    """How a change will be told, beyond the toast."""
    settings = app.notifier.settings
    ways = ["bell"] if settings.bell else []
    if settings.desktop != "off":
        ways.append(f"desktop ({settings.desktop.upper()})")
    if settings.command:
        ways.append("command")
    return f" · also by {', '.join(ways)}" if ways else ""


def toggle_watch(app: Any) -> None:
    """Watch the run or graph chosen on the current screen, or stop watching it; say which (a toast,
    and the header's count of watches)."""
    _toggle(app)
    refresh = getattr(app.screen, "refresh_header", None)
    if callable(refresh):
        refresh()


def _toggle(app: Any) -> None:
    screen = app.screen
    task: Task | None = getattr(screen, "selected_task", None)
    run = chosen_run(screen)
    profile, scope = app.connection.profile, app.connection.scope
    if task is None and run is None:
        app._say_nothing_selected()
        return
    name = graph_name(screen, task) if task is not None else run.graph.rsplit(".", 1)[-1]  # type: ignore[union-attr]
    if run is not None and not run.state.is_finished:
        target = WatchTarget.run(profile, scope, run.graph, run.run_id)
        if app.watcher.toggle(target, name):
            app.notify(
                f"told when it finishes{channels(app)} (w again: stop)",
                title=f"Watching run {run.run_id} of {name}",
                timeout=6,
            )
        else:
            app.notify(f"Stopped watching run {run.run_id} of {name}.", timeout=4)
        return
    root = run.graph if run is not None else task.root  # type: ignore[union-attr]
    target = WatchTarget.graph(profile, scope, root)
    finished = f"Run {run.run_id} has finished: " if run is not None else ""
    if app.watcher.toggle(target, name, baseline(screen, root)):
        said = f"{finished}told when a run of it fails, succeeds or is overdue{channels(app)} (w again: stop)"
        app.notify(said, title=f"Watching {name}", timeout=6)
    else:
        app.notify(f"Stopped watching {name}.", timeout=4)
