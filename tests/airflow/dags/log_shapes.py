"""airflow DAG: A task log with the shapes the log view reads (issue 14 item 10).

One task logs a WARNING, prints its own ``::group::`` section (Airflow folds those in its UI), then
fails with a three-line exception message. Not named tui_*: the servers are ready before it is listed,
so tests/airflow/test_log_shapes.py waits for it. Used only there.
"""

import logging
from datetime import datetime

from _compat import dag, task


@dag(dag_id="log_shapes", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def log_shapes():
    @task
    def load_rows():
        logging.getLogger("airflow.task").warning("disk almost full on the shared volume")
        print("::group::Loading rows")
        print("row 1 loaded")
        print("row 2 loaded")
        print("::endgroup::")
        raise ValueError("rows did not add up\nexpected 2 rows, counted 3\nsee the loader's report")

    load_rows()


log_shapes()
