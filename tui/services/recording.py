"""Record every HTTP answer the console receives, and replay them (`dagtop --record FILE`, `dagtop replay`).

The file is gzip-compressed JSON lines: a header record (the backend kind and the profile's facts, so a
replay builds the same backend), then one record per HTTP exchange and a marker per poll. Why this format:
the standard library writes and reads it (no dependency), it is appended to as the console runs (a
recording cut short by a crash is readable up to its last flush), and `zcat FILE | jq` reads it by hand.

Secrets never reach the file: request headers are not kept at all, only the response headers a replay
needs (never Authorization, Cookie, Set-Cookie or a token header), and the connection's live secrets are
masked in URLs and bodies as the log spill masks them. Server text is otherwise kept verbatim (it is made
inert when shown, as live).

Writing is off the event loop: the loop only queues a record (no copy, no JSON); a thread masks, encodes,
compresses and flushes. No Textual here.
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import hashlib
import json
import os
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import httpx

from tui.domain import RunState, Task

FORMAT = "dagtop-recording"
VERSION = 1
_REDACTED = "***"
# The response headers a replay needs (content type, the server's clock, paging, redirects, rate limits,
# the request id errors quote). Never credentials: those names are refused whatever this list says.
KEPT_HEADERS = ("content-type", "date", "retry-after", "link", "location", "x-snowflake-request-id")
_NEVER = ("authorization", "cookie", "set-cookie", "proxy-authorization")
FLUSH_EVERY = 0.5  # seconds: what a crash can lose
SCAN_BUDGET = 1_000_000  # objects looked at per poll for a failed run (only until the first is found)


class RecordingError(Exception):
    """A file that is not a readable recording (its message says why, for the user)."""


def request_key(method: str, path: str, query: str | bytes, body: bytes | None = None) -> str:
    """``METHOD /path?sorted-query``: the path as sent, the query in a stable order; a POST read (a batch
    query) also by a digest of its body, which is what tells two of them apart."""
    if isinstance(query, bytes):
        query = query.decode("ascii", errors="replace")
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    key = f"{method.upper()} {path}" + (f"?{urlencode(pairs)}" if pairs else "")
    if body and method.upper() != "GET":
        with contextlib.suppress(ValueError, RecursionError):  # the same query however its keys were ordered
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        key += " #" + hashlib.sha256(body).hexdigest()[:16]
    return key


def _mask(text: str, secrets: Iterable[str]) -> str:
    """Every secret (and its percent-encoded form) replaced, longest first, as the log spill does."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, _REDACTED)
        encoded = quote(secret, safe="")
        if encoded != secret:
            text = text.replace(encoded, _REDACTED)
    return text


def kept_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in headers:
        low = name.lower()
        if low in KEPT_HEADERS and low not in _NEVER and "token" not in low:
            kept[low] = value
    return kept


_LEAVES = (str, bytes, int, float, datetime, type(None))
_NO_RUNS = (Task,)  # a task's definition holds no run state: at 50,000 tasks, skipping it is most of the walk


def find_failure(data: Any, budget: int = SCAN_BUDGET) -> str | None:
    """Words for the first failed run found anywhere in ``data`` (domain objects, lists, dicts), or None.

    Backend-neutral: it looks for the domain's failed states, whatever screen fetched them. Plain values
    are never stacked (a task row is one object, not its forty fields), so the budget goes to objects."""
    stack: list[tuple[Any, Any]] = [(data, None)]
    seen = 0
    while stack and seen < budget:
        obj, holder = stack.pop()
        seen += 1
        if isinstance(obj, RunState):
            if obj.is_failure:
                return _describe(holder, obj)
            continue
        if isinstance(obj, dict):
            values, holder_of = obj.values(), holder
        elif isinstance(obj, list | tuple | set | frozenset):
            values, holder_of = obj, holder
        elif hasattr(obj, "__dict__"):
            values, holder_of = vars(obj).values(), obj
        elif hasattr(obj, "__slots__"):
            values, holder_of = (getattr(obj, s, None) for s in obj.__slots__), obj
        else:
            continue
        stack.extend(
            (v, holder_of)
            for v in values
            if isinstance(v, RunState) or (not isinstance(v, _LEAVES) and not isinstance(v, _NO_RUNS))
        )
    return None


def _describe(holder: Any, state: RunState) -> str:
    """``failed: ORDERS_PIPELINE run 1796113200000`` from whatever held the state (a run, a task row)."""
    words = [state.value.lower().replace("_", " ") + ":"]
    run = getattr(holder, "last_run", None) or holder
    task = getattr(holder, "task", None)
    for value in (getattr(run, "graph", None), getattr(task, "name", task)):
        if isinstance(value, str) and value and value not in words:
            words.append(value)
    run_id = getattr(run, "run_id", None)
    if isinstance(run_id, str) and run_id:
        words.append(f"run {run_id}")
    return " ".join(words)


# --------------------------------------------------------------------------------------------- writing


@dataclass
class Recorder:
    """Appends a session's exchanges to ``path``. ``wall``: seconds since the epoch (when an answer
    arrived); ``clock``: the console's time for the data (the sandbox's simulated clock differs)."""

    path: Path
    wall: Callable[[], float] = time.time
    clock: Callable[[], datetime] | None = None
    poll: int = 0
    failure_seen: bool = False
    _seq: int = 0
    _queue: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    _thread: threading.Thread | None = None
    _file: Any = None
    _raw: Any = None
    error: str | None = None  # the writer's failure (a full disk): said when the console ends

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        # Opened here, not in the thread: a path that cannot be written is said before the console starts.
        # Readable by its owner only: it holds what the servers answered (names, errors, logs).
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._raw = os.fdopen(fd, "wb")
        self._file = gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=self._raw)
        self._thread = threading.Thread(target=self._write_loop, name="dagtop-recorder", daemon=True)
        self._thread.start()

    def _stamp(self, kind: str) -> dict[str, Any]:
        self._seq += 1
        now = self.clock() if self.clock is not None else None
        record: dict[str, Any] = {"k": kind, "seq": self._seq, "poll": self.poll, "t": self.wall()}
        if now is not None:
            record["c"] = now.timestamp()
        return record

    def header(self, facts: dict[str, Any], secrets: Iterable[str] = ()) -> None:
        """The first record: what a replay needs to build the same backend (never a credential)."""
        from tui import __version__

        record = self._stamp("header")
        clean = {k: _mask(v, secrets) if isinstance(v, str) else v for k, v in facts.items()}
        record.update(format=FORMAT, version=VERSION, dagtop=__version__, facts=clean)
        self._queue.put((record, (), None))

    def exchange(
        self,
        method: str,
        url: Any,
        request_body: bytes | None,
        status: int,
        headers: Iterable[tuple[str, str]],
        content: bytes,
        secrets: list[str],
    ) -> None:
        """One answer as it came (called on the event loop: it only queues)."""
        if self.error is not None:  # the writer stopped (a full disk): nothing piles up in memory
            return
        record = self._stamp("x")
        record.update(method=method, status=status)
        raw_path = url.raw_path.split(b"?", 1)[0].decode("ascii", errors="replace")
        key = request_key(method, raw_path, url.query, request_body)
        self._queue.put((record, secrets, (key, kept_headers(headers), content)))

    def mark_poll(self, screen: str) -> None:
        """A screen's poll starts: the step a replay moves by."""
        self.poll += 1
        record = self._stamp("poll")
        record["screen"] = screen
        self._queue.put((record, (), None))

    def scan(self, data: Any) -> None:
        """After a poll: the first failed run the console was shown is noted (replay jumps to it)."""
        if not self.failure_seen:  # looked at by the writer thread: a big poll's walk stays off the loop
            self._queue.put(({"k": "scan", "poll": self.poll, "t": self.wall()}, (), data))

    def close(self) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._thread = None

    # -- the writer thread -----------------------------------------------------------------------------
    def _write_loop(self) -> None:
        last_flush = time.monotonic()
        dirty = False
        try:
            while True:
                try:
                    item = self._queue.get(timeout=FLUSH_EVERY)
                except queue.Empty:
                    item = ()
                if item is None:
                    break
                if item and item[0]["k"] == "scan":
                    item = self._scanned(*item)
                if item:
                    self._file.write(self._encode(*item))
                    dirty = True
                if dirty and (time.monotonic() - last_flush >= FLUSH_EVERY or self._queue.empty()):
                    self._file.flush(zlib.Z_SYNC_FLUSH)  # readable up to here if dagtop dies
                    last_flush, dirty = time.monotonic(), False
        except OSError as exc:
            self.error = f"the recording {self.path} stopped: {exc.strerror or exc}"
        finally:
            try:
                self._file.close()
                self._raw.close()
            except OSError as exc:
                self.error = self.error or f"the recording {self.path} is incomplete: {exc.strerror or exc}"

    def _scanned(self, record: dict[str, Any], _secrets: Any, data: Any) -> Any:
        """A poll's data looked through for a failed run: the first one found is a failure record (it
        carries its poll's number, not a ``seq``: it answers nothing)."""
        if self.failure_seen:
            return ()
        what = find_failure(data)
        if what is None:
            return ()
        self.failure_seen = True
        record.update(k="failure", what=what)
        return (record, (), None)

    @staticmethod
    def _encode(record: dict[str, Any], secrets: Iterable[str], exchange: Any) -> bytes:
        if exchange is not None:
            key, headers, content = exchange
            # Bytes kept exactly: undecodable ones survive as surrogates (escaped by json).
            body = content.decode("utf-8", errors="surrogateescape")
            record.update(key=_mask(key, secrets), headers=headers, body=_mask(body, secrets))
        return json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n"


# --------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Exchange:
    seq: int
    t: float
    key: str
    status: int
    headers: dict[str, str]
    body: str

    def content(self) -> bytes:
        return self.body.encode("utf-8", errors="surrogateescape")


@dataclass(frozen=True)
class Step:
    """One poll of the recording: where it starts (its marker's ``seq``), when, and on which screen."""

    number: int
    seq: int
    t: float
    c: float | None
    screen: str


@dataclass
class Recording:
    facts: dict[str, Any]
    steps: list[Step]
    by_key: dict[str, list[Exchange]]
    times: list[tuple[int, float, float | None]]  # (seq, wall, data clock) of every record, in order
    failures: list[tuple[int, str]]  # (poll number, words)
    truncated: bool = False
    exchanges: int = 0


def load_recording(path: str | Path) -> Recording:
    """Read a recording; a file that is not one, or is damaged beyond its last good line, is a
    RecordingError saying so. A file cut short (dagtop killed) is read up to where it ends."""
    path = Path(path)
    if not path.is_file():
        raise RecordingError(f"{path}: no such file")
    handle = gzip.open(path, "rb")  # noqa: SIM115 (closed by _read_lines)
    records, truncated = _read_lines(handle, path)
    if not records or records[0].get("k") != "header" or records[0].get("format") != FORMAT:
        raise RecordingError(f"{path}: not a dagtop recording (no dagtop header record)")
    if records[0].get("version") != VERSION:
        raise RecordingError(
            f"{path}: recording format version {records[0].get('version')!r}; this dagtop reads {VERSION}"
        )
    return _assemble(records, truncated)


def _read_lines(handle: Any, path: Path) -> tuple[list[dict[str, Any]], bool]:
    records: list[dict[str, Any]] = []
    truncated = False
    pending: bytes | None = None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if pending is not None:
                    raise RecordingError(
                        f"{path}: line {number - 1} is damaged (not JSON): corrupt recording"
                    )
                try:
                    record = json.loads(line)
                except ValueError:
                    pending = line  # the last line of a file cut short is expected to be partial
                    continue
                if not isinstance(record, dict):
                    raise RecordingError(f"{path}: line {number} is not a record: corrupt recording")
                records.append(record)
        except (EOFError, zlib.error) as exc:
            truncated = True
            if not records:
                raise RecordingError(
                    f"{path}: not a dagtop recording, or damaged at its start ({exc})"
                ) from None
        except gzip.BadGzipFile as exc:
            raise RecordingError(f"{path}: not a dagtop recording (not gzip-compressed: {exc})") from None
    return records, truncated or pending is not None


def _assemble(records: list[dict[str, Any]], truncated: bool) -> Recording:
    steps: list[Step] = []
    by_key: dict[str, list[Exchange]] = {}
    times: list[tuple[int, float, float | None]] = []
    failures: list[tuple[int, str]] = []
    count = 0
    try:
        for r in records:
            kind = r.get("k")
            if kind == "failure":
                failures.append((int(r["poll"]), str(r.get("what", ""))))
                continue
            seq, t = int(r["seq"]), float(r["t"])
            times.append((seq, t, r.get("c")))
            if kind == "x":
                count += 1
                exchange = Exchange(
                    seq, t, str(r["key"]), int(r["status"]), dict(r["headers"]), str(r["body"])
                )
                by_key.setdefault(exchange.key, []).append(exchange)
            elif kind == "poll":
                steps.append(Step(int(r["poll"]), seq, t, r.get("c"), str(r.get("screen", ""))))
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordingError(
            f"a record lacks a field or has a wrong one ({exc!r}): corrupt recording"
        ) from None
    if not steps:  # recorded without any poll: one step holding everything
        first = times[0]
        steps.append(Step(0, first[0], first[1], first[2], ""))
    header = records[0]
    return Recording(dict(header.get("facts") or {}), steps, by_key, times, failures, truncated, count)


# --------------------------------------------------------------------------------------------- replaying


class ReplayCursor:
    """Where a replay is: a poll of the recording. Answers are those recorded up to the end of it."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.index = 0
        self._seqs = [seq for seq, _t, _c in recording.times]  # in file order: ascending
        self._times: dict[int, tuple[float, float | None]] = {}

    @property
    def steps(self) -> list[Step]:
        return self.recording.steps

    @property
    def step(self) -> Step:
        return self.steps[self.index]

    def limit(self) -> int:
        """The last record (by ``seq``) this step sees: everything before the next poll started."""
        if self.index + 1 < len(self.steps):
            return self.steps[self.index + 1].seq - 1
        return self.recording.times[-1][0]

    def _last_time(self) -> tuple[float, float | None]:
        """(wall, data clock) of the last record this step sees; cached per step: the console asks the
        time for every row it draws."""
        cached = self._times.get(self.index)
        if cached is None:
            at = bisect.bisect_right(self._seqs, self.limit()) - 1
            cached = self.recording.times[at][1:] if at >= 0 else (self.step.t, self.step.c)
            self._times[self.index] = cached
        return cached

    def wall(self) -> datetime:
        """The recording's time at this step (when its last answer arrived)."""
        return datetime.fromtimestamp(self._last_time()[0], UTC)

    def clock(self) -> datetime:
        """The console's time for the data at this step (the sandbox's simulated clock, where recorded)."""
        t, c = self._last_time()
        return datetime.fromtimestamp(c if c is not None else t, UTC)

    def move(self, delta: int) -> bool:
        target = max(0, min(len(self.steps) - 1, self.index + delta))
        moved, self.index = target != self.index, target
        return moved

    def first_failure(self) -> tuple[int, str] | None:
        """The step where the console first showed a failed run, and what it was."""
        for poll, what in self.recording.failures:
            for i, step in enumerate(self.steps):
                if step.number == poll:
                    return i, what
        return None

    def gap(self) -> float:
        """Seconds between this step and the next, as recorded (what playing at 1x waits)."""
        if self.index + 1 >= len(self.steps):
            return 0.0
        return max(0.0, self.steps[self.index + 1].t - self.step.t)

    def answer(self, key: str) -> Exchange:
        """The latest answer to ``key`` recorded up to this step; LookupError in words otherwise."""
        found = self.recording.by_key.get(key)
        limit = self.limit()
        best = None
        for exchange in found or ():
            if exchange.seq > limit:
                break
            best = exchange
        if best is not None:
            return best
        if found:
            at = datetime.fromtimestamp(found[0].t, UTC).strftime("%H:%M:%S UTC")
            raise LookupError(f"not in the recording yet: {key} (first recorded at {at}: step forward)")
        raise LookupError(f"not in the recording: {key} (this was never asked while recording)")


class ReplayTransport(httpx.AsyncBaseTransport):
    """An httpx transport answering from a recording at the cursor; what it lacks is a 501 naming it
    (a BackendError like any other on screen, never retried, never a crash)."""

    def __init__(self, cursor: ReplayCursor) -> None:
        self.cursor = cursor
        self.misses: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.content if request.method != "GET" else None
        key = request_key(
            request.method, request.url.raw_path.split(b"?", 1)[0].decode(), request.url.query, body
        )
        try:
            exchange = self.cursor.answer(key)
        except LookupError as exc:
            self.misses.append(key)
            return httpx.Response(501, json={"message": str(exc)}, request=request)
        return httpx.Response(
            exchange.status, headers=exchange.headers, content=exchange.content(), request=request
        )

    async def aclose(self) -> None:
        return None
