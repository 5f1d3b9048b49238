"""airflow DAG: A dynamically mapped task where one index always fails: process.expand(x=range(6)).

Index 4 raises on every try (retries=1, so it ends failed on try 2); the other five succeed; summarize,
downstream of the mapped task, ends upstream_failed. Kept small and without sleeps so the live suite
stays fast.
"""

from datetime import datetime, timedelta

from _compat import dag, task

FAILING_INDEX = 4


@dag(dag_id="tui_mapped", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def tui_mapped():
    @task(retries=1, retry_delay=timedelta(seconds=1))
    def process(x):
        if x == FAILING_INDEX:
            raise ValueError(f"index {x} fails on every try")
        print(f"processed {x}")
        return x

    @task
    def summarize(values):
        print("sum", sum(values))

    summarize(process.expand(x=list(range(6))))


tui_mapped()
