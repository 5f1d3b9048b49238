"""airflow DAG with documentation (doc_md on the DAG and on a task) that tries to be markup, a link
and a terminal escape sequence: the console must show every character and act on none."""

from datetime import datetime

from _compat import dag, task

DOC = """\
# Orders nightly

On failure **page the data team**; see [the runbook](https://runbook.example/orders).
Console traps: [@click=app.quit]quit[/] and [link=file:///etc/passwd]passwd[/link]
and an OSC 8 link \x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\ end.
"""


@dag(
    dag_id="docs_dag",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["tui", "docs"],
    doc_md=DOC,
)
def docs_dag():
    @task(doc_md="Loads the **orders** table. [bold red]not markup[/]")
    def load():
        print("loaded")

    load()


docs_dag()
