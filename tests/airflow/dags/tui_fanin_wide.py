"""airflow DAG: A wide fan-out and fan-in: start >> part_0 .. part_151 >> end (never triggered by the tests).

The graph view shows `end` once, with its 152 upstreams counted, not once under every part.
"""

from datetime import datetime

from _compat import dag, task

PARTS = 152


@dag(dag_id="tui_fanin_wide", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["tui"])
def tui_fanin_wide():
    @task
    def start():
        return 0

    @task
    def end():
        return 0

    first, last = start(), end()
    for i in range(PARTS):

        @task(task_id=f"part_{i}")
        def part():
            return 0

        first >> part() >> last


tui_fanin_wide()
