"""`w` watches the chosen graph or run; a change to it is told by toast, terminal bytes and the hook.

One console on the in-process sandbox for all of it: its failures are made with the sandbox's test
hook (a real run over HTTP, never an invented response).
"""

from __future__ import annotations

import json
import sys

import pytest

from tests.support import harness
from tests.support.harness import select_task, settle
from tui.config.model import NotifySettings
from tui.services.watch import WatchTarget
from tui.widgets.header import HeaderBar

pytestmark = pytest.mark.anyio
HOSTILE = "boom\x1b]52;c;ZXZpbA==\x07;then"


def toasts(app) -> list[str]:
    return [f"{n.title} | {n.message}" for n in app._notifications]


async def test_w_watches_a_graph_and_its_failure_is_told_once_by_toast_bell_desktop_and_hook(tmp_path):
    out = tmp_path / "hook.jsonl"
    hook = tmp_path / "hook.py"
    hook.write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    settings = NotifySettings(desktop="osc777", command=[sys.executable, str(hook)], min_interval=0)
    rig = harness.build(notify_settings=settings)
    engine = rig.sandbox.state.sandbox
    database, schema = engine.scopes()[0]
    roots = sorted(t["name"] for t in engine.list_tasks(database, schema, root_only=True))
    root = roots[0]
    async with rig.app.run_test(size=(120, 40)) as pilot:
        app = pilot.app
        written: list[str] = []
        app.write_terminal = written.append  # what would reach the terminal
        await settle(pilot)
        await select_task(pilot, root)
        await pilot.press("w")
        assert f"Watching {root} | told when a run of it fails, succeeds or is overdue" in toasts(app)[-1]
        assert "also by bell, desktop (OSC777), command" in toasts(app)[-1]
        target = WatchTarget.graph(
            app.connection.profile, app.connection.scope, f"{database}.{schema}.{root}"
        )
        assert app.watcher.is_watching(target)
        assert "watching 1 · " in app.screen.query_one(HeaderBar).content

        engine.record_failed_run(database, schema, root, message=HOSTILE)
        app.screen.poll_now()
        await settle(pilot)
        told = [t for t in toasts(app) if t.startswith(f"{root} failed")]
        assert len(told) == 1 and "boom\\x1b]52" in told[0]  # the server's text, inert
        assert (
            len(written) == 1
            and written[0].startswith("\x1b]777;notify;")
            and written[0].endswith("\x07\x07")
        )
        assert written[0].count(";") == 3 and "\x1b]52" not in written[0]
        [line] = out.read_text().splitlines()
        payload = json.loads(line)
        assert payload["events"][0]["kind"] == "failed" and payload["events"][0]["graph"].endswith(root)

        app.screen.poll_now()  # seen again: told once
        await settle(pilot)
        assert len([t for t in toasts(app) if t.startswith(f"{root} failed")]) == 1 and len(written) == 1

        # The whole profile watched (the inbox's kind): a burst of failures is one notification, and
        # what comes within the interval after it is told together when the interval is over.
        app.watcher.watch(WatchTarget.whole_profile(app.connection.profile))
        app.screen.poll_now()
        await settle(pilot)  # the baseline of every graph
        for other in roots[1:4]:
            engine.record_failed_run(database, schema, other, message="burst")
        app.screen.poll_now()
        await settle(pilot)
        assert toasts(app)[-1].startswith("3 graphs failed | ") and len(written) == 2
        now = [app.notify_clock()]  # the rate limit's clock, moved by hand from here on
        app.notify_clock = lambda: now[0]
        app.notifier.policy.min_interval = 60
        engine.record_failed_run(database, schema, roots[4], message="late")
        app.screen.poll_now()
        await settle(pilot)
        assert len(written) == 2  # held: the last notification was less than the interval ago
        now[0] += 61
        app._flush_notices()  # what the timer armed for the interval's end does
        await pilot.pause()
        assert toasts(app)[-1].startswith(f"{roots[4]} failed") and len(written) == 3
        app.watcher.unwatch(WatchTarget.whole_profile(app.connection.profile))

        await pilot.press("t")  # the graph screen: the same graph, w stops watching it
        await settle(pilot)
        await pilot.press("w")
        assert toasts(app)[-1].endswith(f"Stopped watching {root}.")
        assert not app.watcher.targets()
        assert "watching" not in app.screen.query_one(HeaderBar).content


async def test_w_on_a_run_is_told_when_it_finishes_on_whatever_screen_and_a_broken_hook_is_said(tmp_path):
    missing = str(tmp_path / "no-such-hook")
    settings = NotifySettings(bell=False, min_interval=0, command=[missing])
    # A short poll interval: a graph no screen read for 1.5 intervals is read by the app's own watch poll.
    rig = harness.build(notify_settings=settings, interval=0.2)
    engine = rig.sandbox.state.sandbox
    database, schema = engine.scopes()[0]
    roots = sorted(t["name"] for t in engine.list_tasks(database, schema, root_only=True))
    first, second = roots[-1], roots[-2]
    engine.execute(database, schema, first)
    engine.execute(database, schema, second)
    async with rig.app.run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await settle(pilot)
        runs = {}
        for root in (second, first):  # the first one's run is watched from its detail
            await pilot.press("1")
            await select_task(pilot, root)
            await pilot.press("3")  # current runs of the chosen graph
            await settle(pilot)
            runs[root] = run = app.screen.selected_run
            assert run is not None and not run.state.is_finished
            if root == first:
                await pilot.press("enter")
                await settle(pilot)
            await pilot.press("w")
            assert toasts(app)[-1].startswith(f"Watching run {run.run_id} of {root} | told when it finishes")
        rig.advance(6 * 3600)  # long enough for any run of the sandbox to end
        app.screen.poll_now()  # the run detail reads its run
        await settle(pilot)
        assert any(t.startswith(f"{first} run {runs[first].run_id} finished: ") for t in toasts(app))
        # The other run is on no screen: the app's watch poll reads its graph.
        assert not any(t.startswith(f"{second} run ") for t in toasts(app))
        await pilot.pause(0.4)
        app.poll_watches()
        await settle(pilot)
        assert any(t.startswith(f"{second} run {runs[second].run_id} finished: ") for t in toasts(app))
        assert not app.watcher.targets()  # each told once, then forgotten
        failed = [t for t in toasts(app) if t.startswith("Notification command failed")]
        assert failed == [f"Notification command failed | cannot run {missing}: No such file or directory"]
