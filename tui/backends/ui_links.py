"""Links to each backend's own UI for a graph or a run (handed over with `y`): built from the profile's URL
and the keys, never fetched. Where a page's address cannot be known (a locator-style Snowflake URL, the
sandbox, Taipy without a standard UI), there is no link rather than a guess that lands nowhere."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from tui.domain import GraphRun, Task, UiLink


def _q(part: str) -> str:
    return quote(part, safe="")


def snowsight(base_url: str, database: str, schema: str, name: str) -> list[UiLink]:
    """Snowsight's task graph page (``app.snowflake.com/<org>/<account>/#/data/databases/D/schemas/S/task/T/
    graph``), for an ``<org>-<account>.snowflakecomputing.com`` URL (the preferred account identifier)."""
    host = urlsplit(base_url).hostname or ""
    if not host.endswith(".snowflakecomputing.com") or "." in host.removesuffix(".snowflakecomputing.com"):
        return []
    org, _, account = host.removesuffix(".snowflakecomputing.com").partition("-")
    if not org or not account:
        return []
    path = f"#/data/databases/{_q(database)}/schemas/{_q(schema)}/task/{_q(name)}/graph"
    account = account.replace("-", "_")  # the hostname's hyphens stand for the name's underscores
    return [UiLink(label="Snowsight: task graph", url=f"https://app.snowflake.com/{org}/{account}/{path}")]


def airflow(base_url: str, version: str | None, graph: Task, run: GraphRun | None) -> list[UiLink]:
    """The Airflow UI's run page (Airflow 3: ``/dags/D/runs/R``; Airflow 2: the grid with the run chosen)."""
    root = base_url.rstrip("/")
    dag = _q(graph.key)
    if version is not None and version.startswith("2."):
        url = f"{root}/dags/{dag}/grid" + (f"?dag_run_id={_q(run.run_id)}" if run else "")
        return [UiLink(label="Airflow: grid", url=url)]
    url = f"{root}/dags/{dag}" + (f"/runs/{_q(run.run_id)}" if run else "")
    return [UiLink(label="Airflow: DAG run" if run else "Airflow: DAG", url=url)]


def qlik(base_url: str, graph: Task) -> list[UiLink]:
    """The Qlik Sense app the chain's first task reloads (its ``resourceId``), where the task names one."""
    app = graph.extra.get("resourceId")
    if not app:
        return []
    return [
        UiLink(label="Qlik Sense: the reloaded app", url=f"{base_url.rstrip('/')}/sense/app/{_q(str(app))}")
    ]
