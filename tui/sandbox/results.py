"""Result handles: 202 answers to poll later and the pages of long list results.

Bounded (LRU): old handles expire so memory stays flat however long the sandbox runs.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

MAX_HANDLES = 512


@dataclass
class Result:
    status: int
    body: Any  # the JSON body; for list results, the whole list (paged on read)
    paged: bool
    polls_left: int  # 202s still to answer before the result


class ResultStore:
    def __init__(self, seed: int, max_handles: int = MAX_HANDLES) -> None:
        self._items: OrderedDict[str, Result] = OrderedDict()
        self._max = max_handles
        self._counter = 0
        self._seed = seed
        self._lock = threading.Lock()

    def add(self, result: Result) -> str:
        with self._lock:
            self._counter += 1
            handle = str(uuid.UUID(int=(self._seed * 1_000_003 + self._counter) & (2**128 - 1), version=4))
            self._items[handle] = result
            while len(self._items) > self._max:
                self._items.popitem(last=False)
            return handle

    def get(self, handle: str) -> Result | None:
        with self._lock:
            result = self._items.get(handle)
            if result is not None:
                self._items.move_to_end(handle)
            return result

    def __len__(self) -> int:
        return len(self._items)
