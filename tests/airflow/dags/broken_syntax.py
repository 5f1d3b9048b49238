"""airflow DAG file with a syntax error: the server lists a second import error for it (the first is
tui_broken.py's missing module), so the console's count reads "2 import errors". The bad line is made
of console markup, so the stack trace the server shows carries it: dagtop must show it inert."""

from datetime import datetime

from _compat import dag

NOTE = "[@click=app.quit]quit[/] [link=file:///etc/passwd]passwd[/link]" +


@dag(dag_id="broken_syntax", schedule=None, start_date=datetime(2024, 1, 1))
def broken_syntax():
    pass
