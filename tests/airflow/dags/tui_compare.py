"""airflow DAG: Two quick tasks, for `d` (compare a failed run with the last good one): the test runs it twice
and marks a task of the second run failed. No other test reads it."""

from datetime import datetime

from _compat import dag, task


@dag(dag_id="tui_compare", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def tui_compare():
    @task
    def extract():
        return 1

    @task
    def load(x):
        print("loaded", x)

    load(extract())


tui_compare()
