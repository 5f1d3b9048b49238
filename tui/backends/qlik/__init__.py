"""Qlik Cloud Tasks (``/api/v1/tasks``, the scheduling API's graphs where a tenant has them): wire models,
client, chains, adapter."""

from tui.backends.qlik.adapter import QlikBackend
from tui.backends.qlik.client import QlikClient

__all__ = ["QlikBackend", "QlikClient"]
