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


def dag(name, tags, paused=False):
    state = TaskState.SUSPENDED if paused else TaskState.STARTED
    return Task(
        key=name, name=name, root=name, state=state, raw_state="paused" if paused else "active", tags=tags
    )


DAGS = rows_for(
    [dag("orders_nightly", ("nightly", "Finance")), dag("sync", ("hourly",), paused=True), dag("bare", ())],
    {"orders_nightly": GraphStatus(run("orders_nightly", RunState.FAILED), None, None)},
)


def test_tag_terms_match_a_graphs_tags_and_combine_with_the_rest():
    """``tag:NAME`` matches any of a graph's tags (case-insensitive prefix), whichever backend has them."""
    assert names(select_rows(DAGS, filter_text="tag:nightly")) == ["orders_nightly"]
    assert names(select_rows(DAGS, filter_text="tag:fin")) == ["orders_nightly"]  # a prefix, any case
    assert names(select_rows(DAGS, filter_text="tag:h")) == ["sync"]
    assert names(select_rows(DAGS, filter_text="tag:nightly status:failed")) == ["orders_nightly"]
    assert names(select_rows(DAGS, filter_text="tag:hourly status:failed")) == []
    assert names(select_rows(DAGS, filter_text="tag:nightly sync")) == []
    assert names(select_rows(DAGS, filter_text="tag:none")) == []  # an untagged graph has no tag "none"
    assert names(select_rows(ROWS, filter_text="tag:x")) == []  # a backend without tags: nothing has one


def test_state_terms_take_the_servers_word_too():
    """Airflow says active/paused: ``state:paused`` finds what ``state:suspended`` finds."""
    assert names(select_rows(DAGS, filter_text="state:paused")) == ["sync"]
    assert names(select_rows(DAGS, filter_text="state:suspended")) == ["sync"]
    assert names(select_rows(DAGS, filter_text="state:active", sort="name")) == ["bare", "orders_nightly"]
