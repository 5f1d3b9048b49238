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


def _random_spec(rng: random.Random, index: int, size: int) -> GraphSpec:
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
        scope=index % len(SCOPES),
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


def generate(seed: int, tasks: int, graphs: int | None, start: datetime) -> World:
    rng = random.Random(seed)
    world = World()
    for db, schema, comment in SCOPES:
        world.scopes[(db, schema)] = Scope(
            db, schema, comment=comment, created_on=start - timedelta(days=400)
        )
        world.database_comments[db] = DATABASE_COMMENTS[db]
        world.created_on[db] = start - timedelta(days=500)
    scopes = list(world.scopes.values())
    specs: list[GraphSpec] = []
    left = tasks
    for spec in SHOWCASE:
        if graphs is None and left >= spec.size + 20:
            specs.append(spec)
            left -= spec.size + spec.finalizer
    for i, size in enumerate(_sizes(left, graphs, rng)):
        spec = _random_spec(rng, i + 1, size)
        spec.finalizer = spec.finalizer and size >= 3
        if spec.finalizer:
            spec.size -= 1  # the finalizer is one of the graph's tasks, so the total stays exact
        specs.append(spec)
    for number, spec in enumerate(specs):
        _build(scopes[spec.scope], spec, number, rng, seed, start)
    return world


def _unique(scope: Scope, name: str) -> str:
    if name not in scope.tasks:
        return name
    n = 2
    while f"{name}_{n}" in scope.tasks:
        n += 1
    return f"{name}_{n}"


def _build(scope: Scope, spec: GraphSpec, number: int, rng: random.Random, seed: int, t0: datetime) -> None:
    nouns = NOUNS[(scope.database, scope.schema)]
    noun = rng.choice(nouns)
    root_name = _unique(scope, spec.name or f"{noun}_{rng.choice(SUFFIXES)}")
    preds = _shape(spec.shape, spec.size, rng)
    created = t0 - timedelta(days=rng.uniform(8, 60))
    committed = created + (t0 - created) * rng.uniform(0.3, 0.95)
    owner = rng.choice(OWNERS)
    warehouse = rng.choice(WAREHOUSES)
    fq = f"{scope.database}.{scope.schema}"
    lo, hi = spec.seconds
    seconds = [rng.uniform(lo, hi) for _ in range(spec.size)]
    if spec.schedule and spec.schedule.get("minutes"):
        # Keep a run well inside its interval, or every other slot would be skipped as an overlap.
        budget = spec.schedule["minutes"] * 60 * 0.7
        depth = _depth(preds, seconds)
        if depth > budget:
            seconds = [s * budget / depth for s in seconds]
    per_task_fail = spec.fail_rate / max(1, spec.size - 1) if spec.size > 1 else spec.fail_rate
    names: list[str] = []
    suspended_child = rng.randrange(1, spec.size) if spec.suspended_child and spec.size > 1 else -1
    for i in range(spec.size):
        verb = "LOAD" if i == 0 else rng.choice(VERBS)
        item = noun if i == 0 or rng.random() < 0.6 else rng.choice(nouns)
        name = root_name if i == 0 else _unique(scope, f"{verb}_{item}")
        names.append(name)
        props: dict[str, Any] = {
            "definition": SQL.get(verb, DEFAULT_SQL).format(
                fq=fq, noun=item, lower=item.lower(), verb_lower=verb.lower()
            ),
        }
        if warehouse:
            props["warehouse"] = warehouse
        else:
            props["user_task_managed_initial_warehouse_size"] = "XSMALL"
        if i == 0:
            if spec.schedule:
                props["schedule"] = spec.schedule
            props["comment"] = f"{spec.shape} graph #{number}: {item.lower().replace('_', ' ')} processing"
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
        suspended = (spec.suspended and i == 0) or i == suspended_child
        rec = TaskRecord(
            name=name,
            database=scope.database,
            schema=scope.schema,
            props=props,
            predecessors=tuple(names[p] for p in preds[i]),
            id=str(digest(seed, scope.database, scope.schema, name) >> 68),
            created_on=created,
            last_committed_on=committed,
            owner=owner,
            state="suspended" if suspended else "started",
            last_suspended_on=t0 - timedelta(hours=rng.uniform(1, 120)) if suspended else None,
            base_seconds=seconds[i],
            fail_probability=0.0 if i == 0 and spec.size > 1 else per_task_fail,
        )
        scope.add(rec)
    if spec.finalizer:
        name = _unique(scope, f"{root_name}_FINALIZER")
        rec = TaskRecord(
            name=name,
            database=scope.database,
            schema=scope.schema,
            props={"definition": f"CALL {fq}.NOTIFY_GRAPH_DONE('{root_name}')", "finalize": root_name},
            predecessors=(),
            id=str(digest(seed, scope.database, scope.schema, name) >> 68),
            created_on=created,
            last_committed_on=committed,
            owner=owner,
            state="started",
            base_seconds=3.0,
            finalizes=root_name,
        )
        scope.add(rec)
        scope.tasks[root_name].relations = {"Predecessors": [], "FinalizerTask": scope.task_fqn(name)}
        rec.relations = {"Predecessors": [], "FinalizedRootTask": scope.task_fqn(root_name)}
    scope.versions[root_name] = rng.randint(1, 8)


def _depth(preds: list[list[int]], seconds: list[float]) -> float:
    finish: list[float] = []
    for i, ps in enumerate(preds):
        finish.append(max((finish[p] for p in ps), default=0.0) + seconds[i])
    return max(finish, default=0.0)
