"""airflow DAG: Sleeps, printing a line a second, so a running task has a partial log: nap >> after."""

import time
from datetime import datetime

from _compat import dag, task


@dag(dag_id="tui_sleep", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui", "slow"])
def tui_sleep():
    @task
    def nap():
        for i in range(8):
            print(f"tick {i}")
            time.sleep(1)

    @task
    def after():
        print("woke up")

    nap() >> after()


tui_sleep()
