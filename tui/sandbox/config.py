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
