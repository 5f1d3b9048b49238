"""What a sandbox is built from."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.sandbox.faults import FaultConfig


@dataclass
class SandboxConfig:
    seed: int = 7
    tasks: int = 200  # how many tasks the generator creates, across all scopes
    graphs: int | None = None  # how many graphs; None = about one per 8 tasks
    scopes: int = 5  # how many schemas hold them (1 = every task in one schema)
    speed: float = 60.0  # simulated seconds per real second (ScaledClock)
    token: str = "sandbox-token"  # noqa: S105 - the bearer token every request must carry
    page_size: int = 1000  # list results longer than this paginate (Link header)
    async_probability: float = 0.0  # chance that any API call answers 202 + Location
    async_polls: int = 1  # how many polls of a result handle answer 202 before the result
    faults: FaultConfig = field(default_factory=FaultConfig)
    # Which API the sandbox speaks: "snowflake" (Tasks REST v2) or "qlik" (Qlik Cloud /api/v1/tasks).
    dialect: str = "snowflake"
    # Qlik dialect options.
    qlik_links: str = "absolute"  # links.next.href absolute (https://host/api/...) or "relative" (/api/...)
    qlik_require_resource_id: bool = False  # GET /api/v1/tasks answers 400 without resourceId (seed doc)
    qlik_graph_api: bool = False  # serve /api/scheduling/tasks/{id}/graphs/... (else 404)
    qlik_rate_limit: int = 600  # requests per minute before 429 + Retry-After (0: no limit)
    qlik_string_codes: bool = False  # error codes as strings ("TASKS-404") as the CLI docs quote them
    qlik_user: str = "sandboxuser00000000000000"  # the user the API key belongs to (new owner on PUT)
