"""airflow DAG: Fan-out / fan-in: start >> [branch_a, branch_b, branch_c] >> join."""

from datetime import datetime

from _compat import dag, task


@dag(dag_id="tui_fanout", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def tui_fanout():
    @task
    def start():
        return 1

    @task
    def branch_a(x):
        return x + 1

    @task
    def branch_b(x):
        return x + 2

    @task
    def branch_c(x):
        return x + 3

    @task
    def join(a, b, c):
        print("sum", a + b + c)

    s = start()
    join(branch_a(s), branch_b(s), branch_c(s))


tui_fanout()
