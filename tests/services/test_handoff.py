"""The hand-off's Markdown: server text stays text wherever it is pasted; links to each backend's own UI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.backends.ui_links import airflow, qlik, snowsight
from tui.domain import GraphRun, RunState, Task, TaskRun, UiLink
from tui.services.handoff import Handoff, markdown, save

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def failed_run(message: str) -> GraphRun:
    return GraphRun(
        graph="DB.S.LOAD",
        run_id="1767",
        state=RunState.FAILED,
        raw_state="FAILED",
        started_time=NOW - timedelta(minutes=5),
        completed_time=NOW - timedelta(minutes=1),
        first_error_task="DB.S.STEP_2",
        first_error_code="100038",
        first_error_message=message,
    )


def test_the_summary_names_everything_and_keeps_server_text_inert(tmp_path):
    hostile = "boom ``` [click](https://evil.example) <img src=x>\x1b]52;c;ZXZpbA==\x07\nsecond line"
    step = TaskRun(task="[x](http://e)`", graph_run="1767", state=RunState.FAILED, try_number=2)
    facts = Handoff(
        "prod",
        "snowflake",
        "https://a.example DB.S",
        "DB.S.LOAD",
        failed_run(hostile),
        [step],
        [UiLink(label="Snowsight: task graph", url="https://app.snowflake.com/o/a/#/x")],
        production=True,
    )
    text = markdown(facts, NOW)
    assert text.startswith("## `DB.S.LOAD` run `1767`: FAILED")
    assert "`prod` (snowflake, production)" in text and "**took:** 4m00s" in text
    assert "**First failed task:** `STEP_2`" in text
    assert "| `` [x](http://e)` `` | FAILED | 2 |" in text  # a name is a code span, never a link
    fence = "````"  # longer than the message's own ``` so the message cannot close it
    assert f"{fence}\n100038: boom ``` [click](https://evil.example)" in text and "second line\n````" in text
    assert "\x1b" not in text and "\x07" not in text  # controls made visible
    assert "- [Snowsight: task graph](<https://app.snowflake.com/o/a/#/x>)" in text
    path = save(text, tmp_path / "handoff", facts, NOW)
    assert path.name == "20260105T120000-prod-DB.S.LOAD-1767.md" and path.read_text() == text


def test_ui_links_per_backend():
    [link] = snowsight("https://myorg-my-acct.snowflakecomputing.com", "DB", "S", "LOAD")
    assert link.url == "https://app.snowflake.com/myorg/my_acct/#/data/databases/DB/schemas/S/task/LOAD/graph"
    assert snowsight("https://xy12345.us-east-1.snowflakecomputing.com", "DB", "S", "T") == []  # a locator
    assert snowsight("http://127.0.0.1:8765", "DB", "S", "T") == []  # the sandbox has no Snowsight
    dag = Task(key="my dag", name="my dag", root="my dag")
    run = GraphRun(graph="my dag", run_id="manual__2026-01-05T12:00:00+00:00", state=RunState.FAILED)
    [af3] = airflow("http://af:8080/", "3.3.2", dag, run)
    assert af3.url == "http://af:8080/dags/my%20dag/runs/manual__2026-01-05T12%3A00%3A00%2B00%3A00"
    [af2] = airflow("http://af:8080", "2.11.2", dag, run)
    assert af2.url.startswith("http://af:8080/dags/my%20dag/grid?dag_run_id=manual__")
    chain = Task(key="t1", name="reload", root="t1", extra={"resourceId": "app-1"})
    assert [link.url for link in qlik("https://acme.eu.qlikcloud.com", chain)] == [
        "https://acme.eu.qlikcloud.com/sense/app/app-1"
    ]
    assert qlik("https://acme.eu.qlikcloud.com", Task(key="t", name="t", root="t")) == []
