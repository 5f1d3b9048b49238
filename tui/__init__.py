"""dagtop: a keyboard-driven terminal console for task graphs."""

__version__ = "0.1.0"
