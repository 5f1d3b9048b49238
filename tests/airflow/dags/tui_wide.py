"""airflow DAG: Six independent tasks: enough task instances to page through with a small page size."""

from datetime import datetime

from _compat import dag, task


@dag(dag_id="tui_wide", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def tui_wide():
    for i in range(6):

        @task(task_id=f"w{i:02d}")
        def work():
            return 0

        work()


tui_wide()
