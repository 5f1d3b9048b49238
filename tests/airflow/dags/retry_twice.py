"""airflow DAG: A task that fails twice then succeeds (retries=2, one-second retry delay).

prepare >> flaky (raises on tries 1 and 2, succeeds on try 3) >> report. Its run ends success with flaky
on try 3: the tries view (issue 14 item 5) shows two failed tries and a successful one, each with its
start, end and duration. Used by tests/airflow/test_tries.py.
"""

from datetime import datetime, timedelta

from _compat import dag, task

try:
    from airflow.sdk import get_current_context
except ImportError:  # Airflow 2
    from airflow.operators.python import get_current_context

SUCCEEDS_ON_TRY = 3


@dag(dag_id="retry_twice", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def retry_twice():
    @task
    def prepare():
        print("prepared")

    @task(retries=2, retry_delay=timedelta(seconds=1))
    def flaky():
        try_number = get_current_context()["ti"].try_number
        if try_number < SUCCEEDS_ON_TRY:
            raise ConnectionError(f"warehouse unreachable on try {try_number}")
        print(f"succeeded on try {try_number}")

    @task
    def report():
        print("reported")

    prepare() >> flaky() >> report()


retry_twice()
