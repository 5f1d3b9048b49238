"""The table every bench prints: measure, value, baseline, ratio, target, result; the missed ones named."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def print_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Print ``rows`` under ``header`` in aligned columns; return the measures whose last cell is not
    "pass" (the ones that missed their target)."""
    table = [tuple(header), *(tuple(row) for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    sys.stdout.flush()
    return [row[0] for row in rows if row[-1] != "pass"]


def verdict(missed: Sequence[str], smoke: bool) -> int:
    """The bench's exit code: 1 when a target was missed (named on stderr), except in a smoke run."""
    if missed and not smoke:
        print("missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0
