"""airflow DAG factory for `make bench-airflow`: 50 DAGs bench_00 .. bench_49, each extract >> [a, b] >> load.

EmptyOperator tasks finish in the scheduler itself (no worker), so 50 runs are done in seconds.
"""

from datetime import datetime

try:
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator

COUNT = 50

for n in range(COUNT):
    with DAG(
        dag_id=f"bench_{n:02d}", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["bench"]
    ) as dag:
        extract, a, b, load = (EmptyOperator(task_id=t) for t in ("extract", "a", "b", "load"))
        extract >> [a, b] >> load
    globals()[dag.dag_id] = dag
