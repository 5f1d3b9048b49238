"""The task list's filter terms and sort orders, as a user types them."""

from datetime import UTC, datetime

from tui.domain import GraphRun, RunState, Schedule, Task, TaskState
from tui.services.snapshots import GraphStatus, rows_for
from tui.services.task_query import parse_filter, select_rows

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def task(name, root=None, state=TaskState.STARTED, preds=()):
    key = f"DB.S.{name}"
    return Task(
        key=key,
        name=name,
        scope="DB.S",
        root=root or key,
        predecessors=preds,
        state=state,
        schedule=Schedule(kind="minutes", minutes=10),
    )


def run(root, state, error_task=None, minutes_ago=5):
    return GraphRun(
        graph=root,
        run_id="1",
        state=state,
        scheduled_time=T0.replace(minute=60 - minutes_ago - 1),
        first_error_task=error_task,
    )


LOAD = task("LOAD_ORDERS")
CLEAN = task("CLEAN_ORDERS", root=LOAD.key, preds=(LOAD.key,))
REPORT = task("REPORT", root=LOAD.key, preds=(CLEAN.key,))
PAUSED = task("NIGHTLY_EXPORT", state=TaskState.SUSPENDED)
failed = run(LOAD.key, RunState.FAILED, error_task="CLEAN_ORDERS")
ROWS = rows_for(
    [LOAD, CLEAN, REPORT, PAUSED],
    {
        LOAD.key: GraphStatus(failed, None, None),
        PAUSED.key: GraphStatus(run(PAUSED.key, RunState.SUCCEEDED), None, None),
    },
)


def names(rows):
    return [r.task.name for r in rows]


def test_plain_words_match_names_case_insensitively():
    assert names(select_rows(ROWS, filter_text="orders", sort="name")) == ["CLEAN_ORDERS", "LOAD_ORDERS"]


def test_field_terms_combine():
    assert names(select_rows(ROWS, filter_text="state:suspended")) == ["NIGHTLY_EXPORT"]
    assert names(select_rows(ROWS, filter_text="root:yes")) == ["LOAD_ORDERS", "NIGHTLY_EXPORT"]
    assert names(select_rows(ROWS, filter_text="root:no orders")) == ["CLEAN_ORDERS"]


def test_status_failed_marks_the_failing_task_not_its_downstream():
    rows = {r.task.name: r for r in ROWS}
    assert rows["CLEAN_ORDERS"].result is RunState.FAILED
    assert rows["REPORT"].result is RunState.NOT_RUN
    assert rows["LOAD_ORDERS"].result is RunState.FAILED
    assert names(select_rows(ROWS, filter_text="status:failed", sort="name")) == [
        "CLEAN_ORDERS",
        "LOAD_ORDERS",
    ]


def test_failed_only_keeps_every_task_of_failed_graphs():
    assert names(select_rows(ROWS, failed_only=True)) == ["LOAD_ORDERS", "CLEAN_ORDERS", "REPORT"]


def test_sort_by_state_and_reverse():
    assert names(select_rows(ROWS, sort="state"))[-1] == "NIGHTLY_EXPORT"
    assert names(select_rows(ROWS, sort="name", reverse=True))[0] == "REPORT"


def test_empty_filter_keeps_everything():
    predicate = parse_filter("   ")
    assert all(predicate(r) for r in ROWS)


def test_default_order_groups_each_graph_root_first():
    assert names(select_rows(ROWS)) == ["LOAD_ORDERS", "CLEAN_ORDERS", "REPORT", "NIGHTLY_EXPORT"]
