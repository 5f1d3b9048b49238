"""airflow DAG: A scheduled chain: extract >> transform >> load (daily, so it has a next run)."""

from datetime import datetime

from _compat import dag, task


@dag(
    dag_id="tui_chain",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["tui", "chain"],
    default_args={"owner": "data-team"},
)
def tui_chain():
    @task
    def extract():
        return [1, 2, 3]

    @task
    def transform(xs):
        return [x * 2 for x in xs]

    @task
    def load(xs):
        print("loaded", sum(xs))

    load(transform(extract()))


tui_chain()
