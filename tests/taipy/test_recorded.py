"""The Taipy parsers and the adapter on responses recorded from a REAL Taipy REST 4.1.1 server
(tests/taipy/recorded/, made by tests/taipy/record.py): fast, no server.

Nothing here is invented: every payload is what the server answered; tests only look it up, pick from
it or shuffle it. The recording holds: pipeline run once (COMPLETED) and again (double RUNNING, total
BLOCKED), failing run once (boom FAILED, after ABANDONED), failing's generate task run alone, and a 404
for an unknown job.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.support.harness_airflow import Recording, ReplayTransport, load
from tests.taipy.record import NAME, ORPHAN, RECORDED
from tui.backends.http import HttpSettings
from tui.backends.taipy import TaipyBackend, mapping, models
from tui.domain import RunState
from tui.errors import NotFoundError

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def rec() -> Recording:
    return load(NAME, RECORDED)


@pytest.fixture
async def backend(rec: Recording) -> AsyncIterator[TaipyBackend]:
    transport = ReplayTransport(rec)
    # list_ttl=0: every read asks (what each read costs is checked; reuse has its own test below).
    backend = TaipyBackend.connect(
        "http://taipy.recorded",
        settings=HttpSettings(rate=None, max_attempts=1),
        transport=transport,
        list_ttl=0,
    )
    try:
        yield backend
    finally:
        await backend.aclose()
    assert transport.misses == []


def _jobs(rec: Recording) -> list[models.Job]:
    return mapping.parse_list(models.Job, rec.exchanges["GET /api/v1/jobs/"].body, "jobs")


async def test_a_running_submission_is_current_and_the_finished_one_completed(
    rec: Recording, backend: TaipyBackend
) -> None:
    root = rec.meta["scenarios"]["pipeline"]
    names = {t.key: t.name for t in (await backend.get_graph(root)).tasks.values()}
    current = await backend.current_runs(root)
    done = [r for r in await backend.completed_runs(root) if r.extra["jobs"] == 3]
    assert [(r.state, r.raw_state) for r in current] == [(RunState.EXECUTING, "RUNNING")]
    assert [(r.state, r.raw_state) for r in done] == [(RunState.SUCCEEDED, "COMPLETED")]
    assert current[0].started_time is not None and done[0].started_time is not None
    assert current[0].started_time > done[0].started_time
    # Taipy keeps no end time: a finished run has no duration (never one growing with the clock); a
    # running one counts from its submit time.
    later = rec.recorded_at + timedelta(hours=1)
    assert done[0].completed_time is None and done[0].duration(later) is None
    assert current[0].duration(later) == later - current[0].started_time
    jobs = await backend.task_runs(root, current[0].run_id)
    assert [(names[j.task], j.state, j.raw_state) for j in jobs] == [
        ("generate", RunState.SUCCEEDED, "COMPLETED"),
        ("double", RunState.EXECUTING, "RUNNING"),
        ("total", RunState.QUEUED, "BLOCKED"),
    ]
    log = await backend.run_log(root, current[0].run_id, jobs[1].task, 1)
    assert log.lines == () and log.note == mapping.NO_TRACE_NOTE


async def test_the_failed_submission_and_its_stack_trace(rec: Recording, backend: TaipyBackend) -> None:
    root = rec.meta["scenarios"]["failing"]
    (run,) = await backend.completed_runs(root, errors_only=True)
    assert run.first_error_task == "boom"  # its name, as the task list shows it
    assert run.first_error_message == "RuntimeError: intentional failure for dagtop tests"
    assert run.note is not None and run.note.endswith("after not run (ABANDONED) because boom failed")
    log = await backend.run_log(root, run.run_id, run.first_error_task or "", 1)
    assert log.lines == ("RuntimeError: intentional failure for dagtop tests",)
    summary = await backend.run_log(root, run.run_id, root, 1)
    assert summary.lines[0] == f"submission {run.run_id} of failing ({mapping.GROUPING_NOTE})"
    assert [line.split()[:2] for line in summary.lines[1:]] == [
        ["generate", "COMPLETED"],
        ["boom", "FAILED"],
        ["after", "ABANDONED"],
    ]


async def test_an_unknown_job_is_a_404_in_the_servers_words(backend: TaipyBackend) -> None:
    with pytest.raises(NotFoundError) as caught:
        await backend.client.job("JOB_nope")
    assert caught.value.describe() == "HTTP 404: Job: JOB_nope does not exist."


def test_grouping_does_not_depend_on_the_order_the_server_lists_jobs(rec: Recording) -> None:
    jobs = _jobs(rec)
    tasks = mapping.parse_list(models.Task, rec.exchanges["GET /api/v1/tasks/"].body, "tasks")
    sets = [frozenset(t.config_id for t in tasks if t.owner_id == s) for s in rec.meta["scenarios"].values()]
    expected = [sub.run_id for sub in mapping.group_jobs(jobs, sets)]
    assert len(expected) == 4  # pipeline twice, failing once, failing's generate alone
    rng = random.Random(12)
    for _ in range(20):
        rng.shuffle(jobs)
        assert [sub.run_id for sub in mapping.group_jobs(jobs, sets)] == expected


async def test_a_job_two_scenarios_could_own_says_so(rec: Recording, backend: TaipyBackend) -> None:
    """failing's generate task submitted alone made one JOB_generate_ job, which fits pipeline as well:
    Taipy's job names only its task config. Both scenarios list it, each saying it may be the other's."""
    for config, other in (("pipeline", "failing"), ("failing", "pipeline")):
        runs = await backend.completed_runs(rec.meta["scenarios"][config])
        lone = [r for r in runs if r.extra["jobs"] == 1]
        assert len(lone) == 1 and lone[0].state is RunState.SUCCEEDED
        assert lone[0].note == (
            f"{mapping.GROUPING_NOTE}; may also be a run of {other} (same task configs; jobs do not "
            "name their scenario)"
        )
    full = await backend.completed_runs(rec.meta["scenarios"]["pipeline"])
    assert [r.note for r in full if r.extra["jobs"] == 3] == [mapping.GROUPING_NOTE]


def test_words_and_ids() -> None:
    assert mapping.word("Status.FAILED") == "FAILED" and mapping.word("Scope.SCENARIO") == "SCENARIO"
    assert mapping.job_state("Status.SOMETHING_NEW") is RunState.UNKNOWN
    assert mapping.word("Status.SOMETHING_NEW") == "SOMETHING_NEW"  # kept as it came
    uuid = "0f5bffd4-3b1a-4c0e-9d8e-5a6b7c8d9e0f"
    assert mapping.config_of(f"JOB_my_task_{uuid}", "JOB") == "my_task"
    assert mapping.config_of("JOB_short", "JOB") is None


def test_a_failed_job_read_before_its_trace_is_stored_says_so(rec: Recording) -> None:
    """Taipy stores a job's FAILED status before its stack trace: a read in between (seen on the real
    server) gets FAILED with ``stacktrace: []``. The recorded boom job, read at that moment, is this."""
    boom = next(j for j in _jobs(rec) if j.id.startswith("JOB_boom_"))
    early = boom.model_copy(update={"stacktrace": []})
    assert mapping.job_log(early).note == mapping.FAILED_NO_TRACE_NOTE
    assert mapping.job_log(boom).note == mapping.LOG_NOTE


async def test_every_graphs_status_from_one_read_of_the_lists(rec: Recording, backend: TaipyBackend) -> None:
    """latest_runs answers for all roots from the scenario, task, cycle and job lists read once, and
    says what completed_runs and current_runs say one graph at a time."""
    roots = [t.key for t in await backend.list_tasks()] + ["SCENARIO_gone"]
    transport = backend.http._client._transport
    assert isinstance(transport, ReplayTransport)
    before = len(transport.requests)
    found = await backend.latest_runs(roots)
    assert len(transport.requests) - before == 5  # scenarios, tasks, jobs, data nodes, cycles
    assert set(found) == set(roots) - {"SCENARIO_gone"}
    for root in found:
        done = await backend.completed_runs(root, limit=1)
        assert found[root] == (done[0] if done else None, await backend.current_runs(root))
    pipeline = found[rec.meta["scenarios"]["pipeline"]]
    assert [r.raw_state for r in pipeline[1]] == ["RUNNING"]


async def test_a_completed_job_ends_when_its_outputs_were_last_written(
    rec: Recording, backend: TaipyBackend
) -> None:
    """Jobs keep no end time; a task's output data nodes keep their last edit, which the newest job of
    that task made. The first pipeline run's double and total still own their outputs (their end is
    known; double slept 3 s after its input was written); its generate's output was rewritten by the
    second run, whose generate ended then, so the first run as a whole has no known end."""
    root = rec.meta["scenarios"]["pipeline"]
    names = {t.key: t.name for t in (await backend.get_graph(root)).tasks.values()}
    (current,) = await backend.current_runs(root)
    first = next(r for r in await backend.completed_runs(root) if r.extra["jobs"] == 3)
    old = {names[j.task]: j for j in await backend.task_runs(root, first.run_id)}
    new = {names[j.task]: j for j in await backend.task_runs(root, current.run_id)}
    assert old["generate"].completed_time is None and first.completed_time is None
    double, total = old["double"], old["total"]
    assert double.completed_time is not None and double.started_time is not None
    assert double.completed_time - double.started_time >= timedelta(seconds=3)
    assert total.completed_time is not None and total.completed_time >= double.completed_time
    assert new["generate"].completed_time is not None and new["double"].completed_time is None


async def test_a_task_of_no_scenario_and_its_never_dispatched_job() -> None:
    """``POST /jobs/?task_id=generate`` twice (recorded in 4.1.1-orphan) makes a task with no owner and
    ``"parent_ids": [null]``, and SUBMITTED jobs Taipy never dispatches, whose ids name no task at all
    (``JOB_<uuid>``). The lists still read, and those jobs are nobody's run: no graph shows them."""
    rec = load(ORPHAN, RECORDED)
    tasks = rec.exchanges["GET /api/v1/tasks/"].body
    assert [t["parent_ids"] for t in tasks if t["owner_id"] is None] == [[None]]
    backend = TaipyBackend.connect(
        "http://taipy.recorded",
        settings=HttpSettings(rate=None, max_attempts=1),
        transport=ReplayTransport(rec),
    )
    try:
        roots = await backend.list_tasks()
        found = await backend.latest_runs([t.key for t in roots])
    finally:
        await backend.aclose()
    assert sorted(t.name for t in roots) == ["pipeline", "pipeline/head"]
    last, current = found[rec.meta["scenarios"]["pipeline"]]
    assert (last, current) == (None, [])
    jobs = rec.exchanges["GET /api/v1/jobs/"].body
    assert len(jobs) == 2 and all(mapping.config_of(j["id"], "JOB") is None for j in jobs)


async def test_one_poll_reads_the_slow_job_list_once(rec: Recording) -> None:
    """The reads of one poll share each list read within ``list_ttl`` (Taipy's job list costs the
    server about 2.5 ms a job); later, or after an action, the lists are read again."""
    now = [0.0]
    transport = ReplayTransport(rec)
    backend = TaipyBackend.connect(
        "http://taipy.recorded", settings=HttpSettings(rate=None), transport=transport, clock=lambda: now[0]
    )
    root = rec.meta["scenarios"]["pipeline"]
    try:
        (current,) = await backend.current_runs(root)
        await backend.completed_runs(root)
        await backend.task_runs(root, current.run_id)
        assert transport.requests.count("GET /api/v1/jobs/") == 1
        now[0] += 1.0  # list_ttl later
        await backend.current_runs(root)
        assert transport.requests.count("GET /api/v1/jobs/") == 2
        backend.forget_lists()  # what execute and cancel do before they act
        await backend.current_runs(root)
        assert transport.requests.count("GET /api/v1/jobs/") == 3
    finally:
        await backend.aclose()
