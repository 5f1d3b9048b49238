"""The sandbox: a local task-graph service that speaks the Snowflake Tasks REST API v2 over real HTTP
(or, with ``SandboxConfig(dialect="qlik")``, Qlik Cloud's ``/api/v1/tasks``: see http_qlik).

It simulates graph runs on a fast (or manual) clock, lazily and deterministically per seed.
Never imports Textual.
"""

from tui.sandbox.app import create_app
from tui.sandbox.clock import ManualClock, ScaledClock
from tui.sandbox.config import SandboxConfig
from tui.sandbox.faults import FaultConfig
from tui.sandbox.server import SandboxServer

__all__ = ["FaultConfig", "ManualClock", "SandboxConfig", "SandboxServer", "ScaledClock", "create_app"]
