"""The seeded account: databases, schemas and task graphs of real shapes with believable names.

Deterministic in (seed, tasks, graphs, start time). Built eagerly but cheaply (plain records, no runs):
the runs come later, lazily, from the engine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui.sandbox.model import TaskRecord
from tui.sandbox.rand import digest
from tui.sandbox.world import Scope, World

SCOPES: list[tuple[str, str, str]] = [
    ("ANALYTICS", "PUBLIC", "Curated analytics models"),
    ("ANALYTICS", "STAGING", "Cleaned copies of raw data"),
    ("SALES", "RAW", "Landing zone for sales systems"),
    ("SALES", "MARTS", "Sales reporting marts"),
    ("OPS", "MONITORING", "Platform health checks"),
]
DATABASE_COMMENTS = {
    "ANALYTICS": "Analytics warehouse",
    "SALES": "Sales data platform",
    "OPS": "Operations and monitoring",
}
NOUNS = {
    ("ANALYTICS", "PUBLIC"): ["ORDERS", "CUSTOMERS", "SESSIONS", "EVENTS", "REVENUE", "COHORTS", "FUNNELS"],
    ("ANALYTICS", "STAGING"): ["ORDERS", "CUSTOMERS", "PAYMENTS", "PRODUCTS", "REFUNDS", "CLICKS"],
    ("SALES", "RAW"): ["INVOICES", "LEADS", "OPPORTUNITIES", "ACCOUNTS", "CONTRACTS", "QUOTES"],
    ("SALES", "MARTS"): ["PIPELINE", "BOOKINGS", "QUOTA", "TERRITORIES", "FORECAST", "CHURN"],
    ("OPS", "MONITORING"): ["WAREHOUSE_LOAD", "QUERY_HISTORY", "STORAGE", "LOGINS", "CREDITS", "ALERTS"],
}
VERBS = ["LOAD", "DEDUP", "MERGE", "CLEAN", "ENRICH", "TRANSFORM", "AGGREGATE", "VALIDATE", "SNAPSHOT",
         "REFRESH", "BUILD", "EXPORT", "PUBLISH", "SCORE", "RECONCILE"]  # fmt: skip
SUFFIXES = ["PIPELINE", "DAILY", "HOURLY", "REFRESH", "SYNC", "INGEST", "ROLLUP"]
SQL = {
    "LOAD": "COPY INTO {fq}.{noun} FROM @{fq}.{noun}_STAGE FILE_FORMAT = (TYPE = PARQUET) "
    "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE",
    "DEDUP": "CREATE OR REPLACE TABLE {fq}.{noun}_DEDUP AS SELECT * FROM {fq}.{noun} "
    "QUALIFY ROW_NUMBER() OVER (PARTITION BY ID ORDER BY UPDATED_AT DESC) = 1",
    "MERGE": "MERGE INTO {fq}.{noun} t USING {fq}.{noun}_STAGING s ON t.ID = s.ID "
    "WHEN MATCHED THEN UPDATE SET t.PAYLOAD = s.PAYLOAD "
    "WHEN NOT MATCHED THEN INSERT (ID, PAYLOAD) VALUES (s.ID, s.PAYLOAD)",
    "CLEAN": "DELETE FROM {fq}.{noun} WHERE IS_DELETED OR ID IS NULL",
    "AGGREGATE": "INSERT OVERWRITE INTO {fq}.{noun}_DAILY SELECT DATE_TRUNC('day', CREATED_AT) AS DAY, "
    "COUNT(*) AS N FROM {fq}.{noun} GROUP BY 1",
    "VALIDATE": "CALL {fq}.VALIDATE_TABLE('{noun}')",
    "SNAPSHOT": "INSERT INTO {fq}.{noun}_HISTORY SELECT *, CURRENT_TIMESTAMP() FROM {fq}.{noun}",
    "REFRESH": "ALTER DYNAMIC TABLE {fq}.{noun}_CURRENT REFRESH",
    "EXPORT": "COPY INTO @{fq}.EXPORT_STAGE/{lower}/ FROM {fq}.{noun} HEADER = TRUE OVERWRITE = TRUE",
}
DEFAULT_SQL = "CALL {fq}.{verb_lower}_{lower}()"
WAREHOUSES = ["TRANSFORM_WH", "LOAD_WH", "REPORTING_WH", None]
OWNERS = ["SYSADMIN", "DATA_ENGINEER", "ANALYTICS_ROLE", "OPS_ADMIN"]
MINUTES = [1, 2, 5, 5, 10, 15, 15, 30, 60, 60, 120, 240, 1440]
CRONS = ["*/15 * * * *", "0 */2 * * *", "0 6 * * 1-5", "15 3 * * *", "*/5 8-18 * * MON-FRI", "30 * * * *"]
ZONES = ["UTC", "America/Los_Angeles", "Europe/London", "Asia/Tokyo", "America/New_York"]
SIZES = [1, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30]
STREAM = "SYSTEM$STREAM_HAS_DATA('{fq}.{noun}_STREAM')"


@dataclass
class GraphSpec:
    """How one generated graph looks and behaves."""

    name: str
    shape: str
    size: int
    schedule: dict[str, Any] | None
    seconds: tuple[float, float] = (5, 60)  # per-task duration range
    fail_rate: float = 0.0  # chance per run that the graph fails
    suspended: bool = False
    finalizer: bool = False
    condition: str | None = None
    suspended_child: bool = False
    scope: int = 0


def _every(minutes: int) -> dict[str, Any]:
    return {"schedule_type": "MINUTES_TYPE", "minutes": minutes}


def _cron(expr: str, tz: str) -> dict[str, Any]:
    return {"schedule_type": "CRON_TYPE", "cron_expr": expr, "timezone": tz}


# Always first, in the default scope: what makes the default demo lively and worth investigating.
SHOWCASE = [
    GraphSpec("ORDERS_PIPELINE", "fan", 8, _every(5), (20, 50), 0.05, finalizer=True),  # 9 with it
    GraphSpec("CUSTOMER_360", "diamond", 6, _every(3), (5, 20), 0.45),
    GraphSpec("NIGHTLY_REBUILD", "chain", 4, _every(30), (200, 330), 0.02),
    GraphSpec("INVENTORY_SYNC", "tree", 7, _cron("*/10 * * * *", "America/New_York"), (10, 40), 0.05),
    GraphSpec("EVENTS_INGEST", "chain", 3, _every(1), (3, 10), 0.01, condition=STREAM),
    GraphSpec("LEGACY_EXPORT", "chain", 4, _every(60), (10, 30), 0.0, suspended=True),
    GraphSpec("REVENUE_ROLLUP", "deep", 9, _every(10), (15, 45), 0.03, suspended_child=True),
    GraphSpec("REFRESH_EXCHANGE_RATES", "single", 1, _cron("0 * * * *", "UTC"), (5, 15), 0.02),
    GraphSpec("PURGE_TEMP_TABLES", "single", 1, _cron("30 2 * * *", "Europe/Berlin"), (30, 90), 0.0),
]


def _shape(shape: str, n: int, rng: random.Random) -> list[list[int]]:
    preds: list[list[int]] = [[] for _ in range(n)]
    if shape == "fan" and n >= 3:
        for i in range(1, n - 1):
            preds[i] = [0]
        preds[n - 1] = list(range(1, n - 1))
    elif shape == "diamond":
        join, i = 0, 1
        while i < n:
            if i + 2 < n:
                preds[i], preds[i + 1], preds[i + 2] = [join], [join], [i, i + 1]
                join, i = i + 2, i + 3
            else:
                preds[i], join, i = [join], i, i + 1
    elif shape == "tree":
        for i in range(1, n):
            preds[i] = [(i - 1) // 2]
    elif shape == "deep":
        for i in range(1, n):
            preds[i] = [rng.randrange(max(0, i - 2), i)]
    elif shape == "wide":
        for i in range(1, n):
            preds[i] = [0]
    elif shape == "dag":
        for i in range(1, n):
            window = list(range(max(0, i - 6), i))
            preds[i] = sorted(rng.sample(window, min(len(window), rng.choice([1, 1, 2, 3]))))
    else:  # chain (and fan too small to fan)
        for i in range(1, n):
            preds[i] = [i - 1]
    return preds


def _random_spec(rng: random.Random, index: int, size: int, scopes: int) -> GraphSpec:
    shape = "single" if size == 1 else rng.choice(["chain", "fan", "diamond", "tree", "deep", "wide", "dag"])
    if rng.random() < 0.7:
        schedule = _every(rng.choice(MINUTES))
    else:
        schedule = _cron(rng.choice(CRONS), rng.choice(ZONES))
    roll = rng.random()
    fail = 0.0 if roll < 0.5 else 0.2 if roll > 0.96 else rng.uniform(0.005, 0.05)
    return GraphSpec(
        name="",
        shape=shape,
        size=size,
        schedule=schedule,
        seconds=(3, rng.choice([20, 40, 60, 90])),
        fail_rate=fail,
        suspended=rng.random() < 0.15,
        finalizer=size >= 3 and rng.random() < 0.08,
        condition=STREAM if rng.random() < 0.05 else None,
        suspended_child=size >= 3 and rng.random() < 0.05,
        scope=index % scopes,
    )


def _sizes(total: int, graphs: int | None, rng: random.Random) -> list[int]:
    if graphs:
        base, extra = divmod(total, graphs)
        return [min(1000, base + (1 if i < extra else 0)) for i in range(graphs) if base or i < extra]
    out, left = [], total
    while left > 0:
        size = min(left, rng.choice(SIZES))
        out.append(size)
        left -= size
    return out


def generate(seed: int, tasks: int, graphs: int | None, start: datetime, scopes: int = len(SCOPES)) -> World:
    """``tasks`` tasks spread over the first ``scopes`` schemas of SCOPES (one puts them all in
    ANALYTICS.PUBLIC: the one-huge-schema case)."""
    if not 1 <= scopes <= len(SCOPES):
        raise ValueError(f"scopes must be 1 to {len(SCOPES)}, not {scopes}")
    rng = random.Random(seed)
    world = World()
    for db, schema, comment in SCOPES[:scopes]:
        world.scopes[(db, schema)] = Scope(
            db, schema, comment=comment, created_on=start - timedelta(days=400)
        )
        world.database_comments[db] = DATABASE_COMMENTS[db]
        world.created_on[db] = start - timedelta(days=500)
    used = list(world.scopes.values())
    specs: list[GraphSpec] = []
    names = _Names()
    left = tasks
    for spec in SHOWCASE:
        if graphs is None and left >= spec.size + 20:
            specs.append(spec)
            left -= spec.size + spec.finalizer
    for i, size in enumerate(_sizes(left, graphs, rng)):
        spec = _random_spec(rng, i + 1, size, scopes)
        spec.finalizer = spec.finalizer and size >= 3
        if spec.finalizer:
            spec.size -= 1  # the finalizer is one of the graph's tasks, so the total stays exact
        specs.append(spec)
    for number, spec in enumerate(specs):
        _build(used[spec.scope], spec, number, rng, seed, start, names)
    return world


class _Names:
    """Unique task names per schema: a name already taken gets the first free _2, _3, ... Names are only
    added while generating, so the search for a name resumes where it last stopped: O(1) per task,
    not O(tasks) (50,000 tasks in one schema share about a hundred base names)."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, str, str], int] = {}

    def unique(self, scope: Scope, name: str) -> str:
        if name not in scope.tasks:
            return name
        key = (scope.database, scope.schema, name)
        n = self._next.get(key, 2)
        while f"{name}_{n}" in scope.tasks:
            n += 1
        self._next[key] = n
        return f"{name}_{n}"


@dataclass
class _Graph:
    """What every task of one graph being built shares."""

    scope: Scope
    spec: GraphSpec
    number: int
    seed: int
    t0: datetime
    noun: str
    created: datetime
    committed: datetime
    owner: str
    warehouse: str | None
    names: _Names

    @property
    def fq(self) -> str:
        return f"{self.scope.database}.{self.scope.schema}"

    @property
    def nouns(self) -> list[str]:
        return NOUNS[(self.scope.database, self.scope.schema)]


# Every helper below draws from ``rng`` in the same order as before the split: a seed builds the same
# account, so recorded screens and tests stay valid.
def _build(
    scope: Scope, spec: GraphSpec, number: int, rng: random.Random, seed: int, t0: datetime, names: _Names
) -> None:
    noun = rng.choice(NOUNS[(scope.database, scope.schema)])
    root_name = names.unique(scope, spec.name or f"{noun}_{rng.choice(SUFFIXES)}")
    preds = _shape(spec.shape, spec.size, rng)
    created = t0 - timedelta(days=rng.uniform(8, 60))
    committed = created + (t0 - created) * rng.uniform(0.3, 0.95)
    graph = _Graph(
        scope,
        spec,
        number,
        seed,
        t0,
        noun,
        created,
        committed,
        rng.choice(OWNERS),
        rng.choice(WAREHOUSES),
        names,
    )
    seconds = _durations(spec, preds, rng)
    suspended_child = rng.randrange(1, spec.size) if spec.suspended_child and spec.size > 1 else -1
    built: list[str] = []
    for i in range(spec.size):
        suspended = (spec.suspended and i == 0) or i == suspended_child
        record = _task(graph, i, root_name, tuple(built[p] for p in preds[i]), seconds[i], suspended, rng)
        built.append(record.name)
        scope.add(record)
    if spec.finalizer:
        _add_finalizer(graph, root_name)
    scope.versions[root_name] = rng.randint(1, 8)


def _durations(spec: GraphSpec, preds: list[list[int]], rng: random.Random) -> list[float]:
    """Each task's base duration; a run stays well inside its interval, or every other slot would be
    skipped as an overlap."""
    lo, hi = spec.seconds
    seconds = [rng.uniform(lo, hi) for _ in range(spec.size)]
    if spec.schedule and spec.schedule.get("minutes"):
        budget = spec.schedule["minutes"] * 60 * 0.7
        depth = _depth(preds, seconds)
        if depth > budget:
            seconds = [s * budget / depth for s in seconds]
    return seconds


def _task(
    graph: _Graph,
    i: int,
    root_name: str,
    predecessors: tuple[str, ...],
    seconds: float,
    suspended: bool,
    rng: random.Random,
) -> TaskRecord:
    """Task ``i`` of the graph (0 is the root)."""
    spec, scope = graph.spec, graph.scope
    verb = "LOAD" if i == 0 else rng.choice(VERBS)
    item = graph.noun if i == 0 or rng.random() < 0.6 else rng.choice(graph.nouns)
    name = root_name if i == 0 else graph.names.unique(scope, f"{verb}_{item}")
    per_task_fail = spec.fail_rate / max(1, spec.size - 1) if spec.size > 1 else spec.fail_rate
    return TaskRecord(
        name=name,
        database=scope.database,
        schema=scope.schema,
        props=_props(graph, i, verb, item, rng),
        predecessors=predecessors,
        id=str(digest(graph.seed, scope.database, scope.schema, name) >> 68),
        created_on=graph.created,
        last_committed_on=graph.committed,
        owner=graph.owner,
        state="suspended" if suspended else "started",
        last_suspended_on=graph.t0 - timedelta(hours=rng.uniform(1, 120)) if suspended else None,
        base_seconds=seconds,
        fail_probability=0.0 if i == 0 and spec.size > 1 else per_task_fail,
    )


def _props(graph: _Graph, i: int, verb: str, item: str, rng: random.Random) -> dict[str, Any]:
    """A task's properties as the REST API shows them; the root carries the graph's."""
    fq, spec = graph.fq, graph.spec
    sql = SQL.get(verb, DEFAULT_SQL)
    props: dict[str, Any] = {
        "definition": sql.format(fq=fq, noun=item, lower=item.lower(), verb_lower=verb.lower()),
    }
    if graph.warehouse:
        props["warehouse"] = graph.warehouse
    else:
        props["user_task_managed_initial_warehouse_size"] = "XSMALL"
    if i == 0:
        if spec.schedule:
            props["schedule"] = spec.schedule
        props["comment"] = f"{spec.shape} graph #{graph.number}: {item.lower().replace('_', ' ')} processing"
        props["config"] = {"env": "prod", "batch_size": rng.choice([1000, 5000, 20000])}
        props["suspend_task_after_num_failures"] = 10
        props["allow_overlapping_execution"] = False
        props["overlap_policy"] = "NO_OVERLAP"
        if spec.condition:
            props["condition"] = spec.condition.format(fq=fq, noun=item)
        if rng.random() < 0.3:
            props["error_integration"] = "OPS_ALERTS_SNS"
    elif rng.random() < 0.3:
        props["comment"] = f"{verb.lower()} {item.lower().replace('_', ' ')}"
    if rng.random() < 0.2:
        props["user_task_timeout_ms"] = 3_600_000
    return props


def _add_finalizer(graph: _Graph, root_name: str) -> None:
    """The graph's finalizer task, linked both ways with its root."""
    scope, fq = graph.scope, graph.fq
    name = graph.names.unique(scope, f"{root_name}_FINALIZER")
    rec = TaskRecord(
        name=name,
        database=scope.database,
        schema=scope.schema,
        props={"definition": f"CALL {fq}.NOTIFY_GRAPH_DONE('{root_name}')", "finalize": root_name},
        predecessors=(),
        id=str(digest(graph.seed, scope.database, scope.schema, name) >> 68),
        created_on=graph.created,
        last_committed_on=graph.committed,
        owner=graph.owner,
        state="started",
        base_seconds=3.0,
        finalizes=root_name,
    )
    scope.add(rec)
    scope.tasks[root_name].relations = {"Predecessors": [], "FinalizerTask": scope.task_fqn(name)}
    rec.relations = {"Predecessors": [], "FinalizedRootTask": scope.task_fqn(root_name)}


def _depth(preds: list[list[int]], seconds: list[float]) -> float:
    finish: list[float] = []
    for i, ps in enumerate(preds):
        finish.append(max((finish[p] for p in ps), default=0.0) + seconds[i])
    return max(finish, default=0.0)
