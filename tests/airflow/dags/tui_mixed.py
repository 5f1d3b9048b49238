"""airflow DAG: Task-instance states side by side: a branch skips one path, a task waits to retry.

pick (branch) >> [left, right (skipped)]; flaky fails and is up_for_retry for an hour, so its run stays
running with after_flaky not started. Used by the recorder (tests/airflow/record.py), never by test_live.
"""

from datetime import datetime, timedelta

from _compat import dag, task


@dag(dag_id="tui_mixed", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def tui_mixed():
    @task.branch
    def pick():
        return "left"

    @task
    def left():
        print("took the left path")

    @task
    def right():
        print("never taken")

    @task(retries=1, retry_delay=timedelta(hours=1))
    def flaky():
        raise ValueError("flaky on its first try")

    @task
    def after_flaky():
        print("after")

    pick() >> [left(), right()]
    flaky() >> after_flaky()


tui_mixed()
