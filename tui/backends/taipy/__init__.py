"""Taipy REST (``/api/v1`` of taipy-rest 4.x): wire models, client, mapping, adapter, wording."""

from tui.backends.taipy.adapter import TaipyBackend
from tui.backends.taipy.client import TaipyClient

__all__ = ["TaipyBackend", "TaipyClient"]
