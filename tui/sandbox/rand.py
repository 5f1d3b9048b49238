"""Deterministic pseudo-randomness from hashing: any value can be derived again from its coordinates.

This is what keeps the sandbox lazy: a past run's outcome is a pure function of (seed, root, time), so
history of any length exists without being stored.
"""

from __future__ import annotations

import hashlib


def digest(*parts: object) -> int:
    """A 128-bit integer from the parts (stable across processes, unlike ``hash``)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big")


def units(*parts: object, count: int = 4) -> list[float]:
    """``count`` (at most 4) independent floats in [0, 1) derived from the parts."""
    value = digest(*parts)
    return [((value >> (32 * i)) & 0xFFFFFFFF) / 2**32 for i in range(count)]


def unit(*parts: object) -> float:
    return units(*parts, count=1)[0]
