"""The inbox over several profiles at once: two seeded sandboxes ("prod", production, every schema;
"staging") and a profile nobody answers for ("down"). Frozen clock, polls by hand, real HTTP to the
sandboxes and a real refused TCP connection for the down one."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.support import harness, harness_inbox
from tests.support.harness import settle
from tui.screens.confirm import ConfirmAction
from tui.screens.inbox import InboxScreen
from tui.screens.run_detail import RunDetailScreen
from tui.screens.tasks import TasksScreen
from tui.services.inbox.acks import AckStore
from tui.services.inbox.problems import ProblemKind
from tui.widgets.header import HeaderBar
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def posts(h, verb: str) -> list[str]:
    return [p for method, p, _ in h.sandbox.state.request_log if method == "POST" and verb in p]


def rows_text(app) -> list[str]:
    screen = app.screen
    return [" ".join(cell.plain for cell in screen.cells(p)) for p in screen.shown]


def detail_text(app) -> str:
    return str(app.screen.query_one("#inbox-detail-text").render())


async def newest_failure(h: harness.Harness):
    """The sandbox's newest failed graph run in its first scope, read through the real client."""
    runs = []
    for task in await h.backend.list_tasks():
        if task.is_root:
            runs += [r for r in await h.backend.completed_runs(task.key, limit=1) if r.state.is_failure]
    return max(runs, key=lambda r: r.completed_time)


@pytest.fixture
def multi(tmp_path):
    return harness_inbox.build(tmp_path)


async def test_home_inbox_shows_the_newest_failure_and_its_error_with_no_key(multi):
    """The triage target: from launch, the newest failure's error on screen, no key pressed (inbox home)."""
    newest = max(
        [await newest_failure(multi.prod), await newest_failure(multi.staging)],
        key=lambda r: r.completed_time,
    )
    async with multi.app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # no key pressed
        assert isinstance(multi.app.screen, InboxScreen)
        first = multi.app.screen.shown[0]
        assert first.kind is ProblemKind.FAILED and first.run.run_id == newest.run_id
        error_line = newest.first_error_message.splitlines()[0]
        assert error_line[:30] in rows_text(multi.app)[0]  # the first line of the error, in the row
        assert newest.first_error_message in detail_text(multi.app)  # all of it under the list
        header = multi.app.screen.query_one(HeaderBar).content
        assert "prod, staging, down" in header and "3 profiles · 1 stale" in header
        await pilot.press("t", "3", "c")  # views of the console's own profile: not from a list of all
        await settle(pilot)
        assert isinstance(multi.app.screen, InboxScreen)
        await pilot.press("1")  # the task list is a key away, and the inbox one more
        await settle(pilot)
        assert isinstance(multi.app.screen, TasksScreen) and multi.app.connection.profile == "prod"
        await pilot.press("i")
        assert isinstance(multi.app.screen, InboxScreen)


async def test_from_the_task_list_the_newest_failure_is_one_key_away(tmp_path):
    multi = harness_inbox.build(tmp_path, home="tasks")
    async with multi.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(multi.app.screen, TasksScreen)
        await pilot.press("i")  # the one key (the target: at most 2 when the inbox is not home)
        await settle(pilot)
        first = multi.app.screen.shown[0]
        assert first.kind is ProblemKind.FAILED and first.run.first_error_message in detail_text(multi.app)


async def test_a_down_profile_is_a_row_and_never_hides_the_others(multi):
    async with multi.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = multi.app.screen.shown
        down = [p for p in shown if p.where.profile == "down"]
        assert [p.kind for p in down] == [ProblemKind.UNREACHABLE]
        assert "could not connect" in down[0].summary and multi.down_url.split("//")[1] in down[0].summary
        assert {p.where.profile for p in shown if p.kind is ProblemKind.FAILED} == {"prod", "staging"}
        # prod covers every schema ("all"): failures outside the console's own scope are listed too
        assert len({p.where.scope for p in shown if p.where.profile == "prod"}) > 1
        assert "stale: down" in str(multi.app.screen.query_one("#inbox-status").render())


async def test_a_profile_failing_mid_session_turns_into_a_row_and_its_problems_stale(multi):
    async with multi.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = [p for p in multi.app.screen.shown if p.where.profile == "staging"]
        multi.staging.sandbox.state.faults.malformed_probability = 1.0  # garbage from now on
        await pilot.press("ctrl+r")
        await settle(pilot)
        staging = [p for p in multi.app.screen.shown if p.where.profile == "staging"]
        assert [p.kind for p in staging if not p.stale] == [ProblemKind.UNREACHABLE]
        assert {p.key for p in staging if p.stale} == {p.key for p in before}  # kept, marked stale
        assert all(
            "(stale)" in row
            for row in rows_text(multi.app)
            if " staging " in row and "unreachable" not in row
        )
        assert any(p.where.profile == "prod" and not p.stale for p in multi.app.screen.shown)  # others go on
        assert "2 stale" in multi.app.screen.query_one(HeaderBar).content
        multi.staging.sandbox.state.faults.malformed_probability = 0.0
        await pilot.press("ctrl+r")
        await settle(pilot)
        staging = [p for p in multi.app.screen.shown if p.where.profile == "staging"]
        assert staging and not any(p.stale or p.kind is ProblemKind.UNREACHABLE for p in staging)


async def test_enter_opens_the_failed_run_in_its_own_profile(multi):
    async with multi.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = multi.app.screen
        row = next(i for i, p in enumerate(screen.shown) if p.where.profile == "staging" and p.run)
        problem = screen.shown[row]
        screen.query_one(KeyedTable).move_cursor(row=row, animate=False)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(multi.app.screen, RunDetailScreen)
        assert multi.app.screen.run.run_id == problem.run.run_id
        assert multi.app.connection.profile == "staging" and multi.app.backend is multi.staging.backend
        assert "staging" in multi.app.screen.query_one(HeaderBar).content
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(multi.app.screen, TasksScreen)
        await pilot.press("i")  # and back: the inbox as it was, no second connection opened
        await settle(pilot)
        assert isinstance(multi.app.screen, InboxScreen) and multi.app.screen.shown


async def test_acknowledged_problems_hide_until_they_change_and_survive_a_restart(multi, tmp_path):
    async with multi.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = multi.app.screen
        problem = screen.shown[0]
        await pilot.press("a")
        await settle(pilot)
        assert problem.key not in {p.key for p in screen.shown}
        assert "1 acknowledged (hidden: v)" in str(screen.query_one("#inbox-status").render())
        await pilot.press("v")
        assert problem.key in {p.key for p in screen.shown} and "✓" in rows_text(multi.app)[0]
    saved = json.loads((tmp_path / "inbox-acks.json").read_text())
    assert saved[problem.key]["fingerprint"] == problem.fingerprint
    again = AckStore(tmp_path / "inbox-acks.json")  # the next session
    assert again.is_acked(problem)
    assert not again.is_acked(replace(problem, fingerprint="a-newer-failed-run"))  # it changed: back


async def test_actions_from_the_inbox_confirm_naming_the_rows_profile_and_go_there(multi):
    async with multi.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = multi.app.screen
        row = next(i for i, p in enumerate(screen.shown) if p.where.profile == "staging" and p.run)
        graph = screen.shown[row].graph
        screen.query_one(KeyedTable).move_cursor(row=row, animate=False)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(multi.app.screen, ConfirmAction)
        assert "staging · snowflake" in multi.app.screen.environment
        await pilot.press("y")
        await settle(pilot)
        assert (
            len(posts(multi.staging, ":suspend")) == 1 and graph.name in posts(multi.staging, ":suspend")[0]
        )
        assert posts(multi.prod, ":suspend") == []  # the console's own profile is untouched
        entry = json.loads(multi.prod.app.journal.path.read_text().splitlines()[-1])
        assert entry["profile"] == "staging"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "small"])
def test_inbox_snapshot(snap_compare, tmp_path, size):
    multi = harness_inbox.build(tmp_path)

    async def before(pilot):
        await settle(pilot)
        multi.app.screen.query_one(KeyedTable).move_cursor(row=0, animate=False)
        await pilot.pause()

    assert snap_compare(multi.app, terminal_size=size, run_before=before)


async def test_w_in_the_inbox_watches_a_whole_other_profile_for_new_failures(multi):
    engine = multi.staging.sandbox.state.sandbox
    database, schema = engine.scopes()[-1]  # not the schema the staging profile opens on: "all" covers it
    root = sorted(t["name"] for t in engine.list_tasks(database, schema, root_only=True))[0]
    async with multi.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = multi.app.screen
        row = next(i for i, p in enumerate(screen.shown) if p.where.profile == "staging")
        screen.query_one(KeyedTable).move_cursor(row=row, animate=False)
        await pilot.press("w")
        assert "Watching profile staging" in [n.title for n in multi.app._notifications]
        assert "watching staging" in str(screen.query_one("#inbox-status").render())
        await pilot.press("ctrl+r")  # a poll that changes nothing tells nothing
        await settle(pilot)
        before = len(multi.app._notifications)
        engine.record_failed_run(database, schema, root, message="disk full")
        await pilot.press("ctrl+r")
        await settle(pilot)
        told = [f"{n.title} | {n.message}" for n in list(multi.app._notifications)[before:]]
        assert any(root in t and "failed" in t and "disk full" in t for t in told), told
        assert any(p.where.profile == "staging" and p.graph_name == root for p in screen.shown)
