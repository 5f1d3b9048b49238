"""airflow DAG: Target of the run actions tests (mark, clear, delete): ok >> boom >> never.

Never unpaused: its triggered runs stay queued with their task instances waiting, so what a test marks or
clears stays as the test left it. Read by tests/airflow/test_run_actions.py only.
"""

from datetime import datetime

from _compat import dag, task


@dag(dag_id="tui_actions", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def tui_actions():
    @task
    def ok():
        print("ok")

    @task
    def boom():
        raise RuntimeError("never runs: the DAG stays paused")

    @task
    def never():
        print("never")

    ok() >> boom() >> never()


tui_actions()
