"""airflow DAG: Fails on purpose: ok >> boom (raises) >> never (upstream_failed)."""

from datetime import datetime

from _compat import dag, task


@dag(dag_id="tui_fail", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def tui_fail():
    @task
    def ok():
        print("all good so far")

    @task
    def boom():
        print("about to fail")
        raise RuntimeError("intentional failure for TUI tests")

    @task
    def never():
        print("unreachable")

    ok() >> boom() >> never()


tui_fail()
