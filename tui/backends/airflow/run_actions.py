"""Actions on one chosen DAG run or task instance: mark success/failed, clear, delete.

Each previews with the server's own dry run where the API has one (a task instance's state PATCH, the
clear), is sent once, then re-read: the message says what the server shows afterwards, and a re-read
that contradicts the request is a ``ConflictError`` (never "done" for something that did not happen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui import domain
from tui.action_plan import ActionKind, ClearOptions, RunTarget
from tui.backends.airflow import mapping
from tui.errors import ActionOutcomeUnknown, ConflictError, NotFoundError, ProtocolError
from tui.plural import plural

if TYPE_CHECKING:
    from tui.backends.airflow.client import AirflowClient

_UNKNOWN_NOTE_START = "The action may or may not have happened"
_MARKS = {ActionKind.MARK_SUCCESS: "success", ActionKind.MARK_FAILED: "failed"}


class AirflowRunActions:
    """The ``RunActionsBackend`` half of ``AirflowBackend`` (which supplies ``client``, ``task_runs``)."""

    async def client(self) -> AirflowClient: ...  # provided by AirflowBackend

    async def task_runs(self, root: str, run_id: str) -> list[domain.TaskRun]: ...

    async def preview_run_action(
        self, kind: ActionKind, target: RunTarget, options: ClearOptions | None = None
    ) -> list[str] | None:
        """The task keys ``kind`` would change on ``target`` (the server's dry run; nothing changes),
        or None where the API has no dry run (a DAG run's state, a delete)."""
        try:
            return await self._preview(kind, target, options)
        except ActionOutcomeUnknown as exc:
            # A dry run goes out under the action policy (never resent), but an unanswered one changed
            # nothing: say that, not "the action may or may not have happened".
            words = str(exc).split(_UNKNOWN_NOTE_START, 1)[0].rstrip(". ")
            raise ProtocolError(
                f"the dry run failed (nothing was changed): {words}", status=exc.status
            ) from None

    async def _preview(
        self, kind: ActionKind, target: RunTarget, options: ClearOptions | None
    ) -> list[str] | None:
        dag_id, run_id, ti = _parts(target)
        client = await self.client()
        if kind is ActionKind.CLEAR:
            return await self._clear_chosen(
                client, dag_id, run_id, ti, options or ClearOptions(), dry_run=True
            )
        if kind in _MARKS and ti is not None:
            body = await client.set_task_state(dag_id, run_id, *ti, _MARKS[kind], dry_run=True)
            return _named(dag_id, body)
        return None

    async def run_action(
        self, kind: ActionKind, target: RunTarget, options: ClearOptions | None = None
    ) -> str:
        """Send ``kind`` once to ``target``, re-read what it changed and say so."""
        dag_id, run_id, ti = _parts(target)
        client = await self.client()
        if kind is ActionKind.DELETE_RUN:
            return await _delete(client, dag_id, run_id)
        if kind is ActionKind.CLEAR:
            cleared = await self._clear_chosen(
                client, dag_id, run_id, ti, options or ClearOptions(), dry_run=False
            )
            return await self._after_clear(client, dag_id, run_id, cleared)
        state = _MARKS[kind]
        if ti is None:
            await client.set_run_state(dag_id, run_id, state)
            run = mapping.parse_run(await client.get_run(dag_id, run_id))
            if run.raw_state != state:
                raise ConflictError(
                    f"asked to mark run {run_id} {state}; the server says it is {run.raw_state}"
                )
            return f"run {run_id} of {dag_id} is now {run.raw_state}"
        return await self._mark_task_run(client, target, state)

    async def _mark_task_run(self, client: AirflowClient, target: RunTarget, state: str) -> str:
        """Mark one task instance, then say what changed in its run: Airflow also clears the failed
        task instances downstream of one marked success (so they run again), which its dry run omits."""
        dag_id, run_id, ti = _parts(target)
        assert ti is not None
        before = {_key(t): t.raw_state or "none" for t in await self.task_runs(dag_id, run_id)}
        await client.set_task_state(dag_id, run_id, *ti, state, dry_run=False)
        label = _bare(target.task_run.label) if target.task_run else ti[0]
        after = await self.task_runs(dag_id, run_id)
        now = _find(after, target.task_run)
        word = now.raw_state if now is not None else "gone"
        if word != state:
            raise ConflictError(f"asked to mark {label} {state}; the server says it is {word or 'none'}")
        others = [
            f"{_bare(_key(t))} {before[_key(t)]} → {t.raw_state or 'none'}"
            for t in after
            if t is not now and _key(t) in before and before[_key(t)] != (t.raw_state or "none")
        ]
        also = f"; also changed: {', '.join(others)}" if others else ""
        return f"{label} in run {run_id} is now {word}{also}"

    async def _clear_chosen(
        self,
        client: AirflowClient,
        dag_id: str,
        run_id: str,
        ti: tuple[str, int] | None,
        options: ClearOptions,
        *,
        dry_run: bool,
    ) -> list[str]:
        body = await client.clear(
            dag_id,
            run_id,
            ti,
            downstream=options.downstream,
            upstream=options.upstream,
            only_failed=options.only_failed,
            dry_run=dry_run,
        )
        return _named(dag_id, body)

    async def _after_clear(self, client: AirflowClient, dag_id: str, run_id: str, cleared: list[str]) -> str:
        """What the clear did, re-read: each cleared task instance's state now and the run's."""
        if not cleared:
            return f"nothing was cleared in run {run_id} (no task instance matched)"
        states = {_key(tr): tr.raw_state or "none" for tr in await self.task_runs(dag_id, run_id)}
        run = mapping.parse_run(await client.get_run(dag_id, run_id))
        now = ", ".join(f"{_bare(k)} {states.get(k, '?')}" for k in cleared)
        return (
            f"cleared {plural(len(cleared), 'task instance')} of run {run_id} (now: {now}); "
            f"the run is {run.raw_state or 'none'}"
        )


async def _delete(client: AirflowClient, dag_id: str, run_id: str) -> str:
    await client.delete_run(dag_id, run_id)
    try:
        run = mapping.parse_run(await client.get_run(dag_id, run_id))
    except NotFoundError:
        return f"deleted run {run_id} of {dag_id}: the server no longer has it"
    raise ConflictError(f"asked to delete run {run_id}; the server still has it ({run.raw_state})")


def _parts(target: RunTarget) -> tuple[str, str, tuple[str, int] | None]:
    """(dag_id, run_id, (task_id, map_index) of the chosen task instance, or None for the run)."""
    dag_id = target.run.graph.split(mapping.SEP, 1)[0]
    tr = target.task_run
    if tr is None:
        return dag_id, target.run.run_id, None
    task_id = tr.task.split(mapping.SEP, 1)[1] if mapping.SEP in tr.task else tr.task
    return dag_id, target.run.run_id, (task_id, -1 if tr.map_index is None else tr.map_index)


def _named(dag_id: str, body: Any) -> list[str]:
    """Task keys a dry run or a change names (v1 answers a task instance's PATCH with one reference)."""
    if isinstance(body, dict) and "task_id" in body and "task_instances" not in body:
        body = {"task_instances": [body]}
    names = mapping.parse_cleared(body)
    return sorted({n if mapping.SEP in n else mapping.task_key(dag_id, n) for n in names})


def _find(task_runs: list[domain.TaskRun], chosen: domain.TaskRun | None) -> domain.TaskRun | None:
    if chosen is None:
        return None
    return next((t for t in task_runs if t.task == chosen.task and t.map_index == chosen.map_index), None)


def _key(tr: domain.TaskRun) -> str:
    """A task run as a clear names it: its task key, ``dag/task[3]`` for an index of a mapped task."""
    return tr.task if tr.map_index is None or tr.map_index < 0 else f"{tr.task}[{tr.map_index}]"


def _bare(key: str) -> str:
    return key.split(mapping.SEP, 1)[-1]
