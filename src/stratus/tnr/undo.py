"""Undo a journaled transaction, then check that it worked.

Each object the transaction touched goes back to its checkpoint (its first snapshot): objects
that did not exist are deleted, deleted ones are created again from the snapshot (without what
the server owns), modified ones are replaced by the snapshot on their current
``resourceVersion`` (for a Deployment that restores the pod template, and its controller rolls
the pods back). Deletions go first, dependents before what they depend on; then creations and
restorations in dependency order (``TIERS``). An object a controller manages (a ReplicaSet's
pod) is left for its controller to recreate, under a new name.

Then every object is read back and compared with its checkpoint (``semantic_diff``); any
difference, or a step that failed, raises ``UnfaithfulUndo`` with the differences. The outcome
is recorded in the journal either way. Undo is idempotent, so it also recovers a transaction a
dead process left open (``recover``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stratus.kube.client import KubeClient
from stratus.kube.errors import AlreadyExists, Conflict, Invalid, KubeError, NotFound, Unreachable
from stratus.kube.objects import (
    Obj,
    controller_of,
    restoration,
    semantic_diff,
    strip_allocated,
    strip_server_fields,
)
from stratus.kube.refs import ObjectRef
from stratus.tnr.errors import JournalError, UndoFailed, UnfaithfulUndo
from stratus.tnr.journal import Journal, TxState

__all__ = ["TIERS", "Step", "UndoReport", "recover", "undo", "verify"]

# Restore order by kind: what others refer to comes first. Unlisted kinds (HPA, PDB,
# NetworkPolicy, Ingress, custom resources ...) come after the workloads, nodes last.
_TIER_KINDS = (
    "Namespace CustomResourceDefinition StorageClass PriorityClass",
    "ConfigMap Secret ServiceAccount Role ClusterRole RoleBinding ClusterRoleBinding "
    "ResourceQuota LimitRange",
    "Service PersistentVolume PersistentVolumeClaim Endpoints EndpointSlice",
    "Deployment StatefulSet DaemonSet ReplicaSet ReplicationController Job CronJob Pod",
    "",  # everything else
    "Node",
)
TIERS: dict[str, int] = {k: tier for tier, kinds in enumerate(_TIER_KINDS) for k in kinds.split()}
_OTHER_TIER = 4
_ATTEMPTS = 3
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Step:
    """What undo did to one object: ``delete``, ``recreate``, ``restore``, ``unchanged``,
    ``absent`` (nothing to do) or ``controller`` (left to its controller); ``error`` if the
    server refused."""

    ref: ObjectRef
    action: str
    error: str = ""


@dataclass
class UndoReport:
    tx_id: int
    steps: list[Step] = field(default_factory=list)
    diffs: dict[ObjectRef, list[str]] = field(default_factory=dict)

    @property
    def failures(self) -> dict[ObjectRef, str]:
        return {s.ref: f"{s.action} failed: {s.error}" for s in self.steps if s.error}

    @property
    def faithful(self) -> bool:
        return not self.diffs and not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "tx_id": self.tx_id,
            "faithful": self.faithful,
            "steps": [
                {"ref": s.ref.to_dict(), "action": s.action, "error": s.error} for s in self.steps
            ],
            "diffs": [{"ref": r.to_dict(), "paths": p} for r, p in self.diffs.items()],
        }


def undo(
    client: KubeClient,
    journal: Journal,
    tx_id: int,
    *,
    wait: float = 30.0,
    poll: float = 0.5,
    sleep: Sleep = time.sleep,
) -> UndoReport:
    """Restore every checkpoint of transaction ``tx_id``, verify, record the outcome.

    ``wait`` bounds the seconds spent ``sleep``-ing for deletions to finish (finalizers,
    grace periods). Raises ``UnfaithfulUndo`` if the cluster does not match the checkpoints
    afterwards, ``UndoFailed`` if the cluster stopped answering."""
    tx = journal.transaction(tx_id)
    if tx.state is TxState.UNDONE:
        raise JournalError(f"transaction {tx_id} is already undone")
    checkpoints = journal.checkpoints(tx_id)
    report = UndoReport(tx_id)
    waiter = _Waiter(client, wait, poll, sleep)
    try:
        current = {ref: client.get(ref) for ref in checkpoints}
        for ref in _order(checkpoints, current):
            report.steps.append(_restore(client, waiter, ref, checkpoints[ref], current[ref]))
        waiter.until_absent([ref for ref, target in checkpoints.items() if target is None])
        report.diffs = verify(client, checkpoints)
    except KubeError as exc:
        journal.close(tx_id, TxState.UNDO_FAILED, {**report.to_dict(), "error": str(exc)})
        raise UndoFailed(
            f"undo of transaction {tx_id} stopped: {exc}; the cluster may be partly restored. "
            f"Run `stratus journal undo {tx_id}` once it answers",
            report,
        ) from exc
    if not report.faithful:
        journal.close(tx_id, TxState.UNDO_FAILED, report.to_dict())
        raise UnfaithfulUndo(tx_id, report.diffs, report.failures, report)
    journal.close(tx_id, TxState.UNDONE, report.to_dict())
    return report


def recover(
    client: KubeClient,
    journal: Journal,
    *,
    wait: float = 30.0,
    poll: float = 0.5,
    sleep: Sleep = time.sleep,
) -> list[UndoReport]:
    """Undo every transaction left ``open`` or ``aborted`` (by a process that died), newest
    first. The first that cannot be undone faithfully raises; the rest stay pending."""
    return [
        undo(client, journal, tx.id, wait=wait, poll=poll, sleep=sleep)
        for tx in reversed(journal.open_transactions())
    ]


def _order(
    checkpoints: Mapping[ObjectRef, Obj | None], current: Mapping[ObjectRef, Obj | None]
) -> list[ObjectRef]:
    popped = list(checkpoints)[::-1]  # newest first
    deletions = [r for r in popped if checkpoints[r] is None and current[r] is not None]
    rest = [r for r in popped if r not in deletions]
    deletions.sort(key=lambda r: -TIERS.get(r.kind, _OTHER_TIER))
    rest.sort(key=lambda r: TIERS.get(r.kind, _OTHER_TIER))
    return deletions + rest


def _restore(
    client: KubeClient, waiter: _Waiter, ref: ObjectRef, target: Obj | None, current: Obj | None
) -> Step:
    action = "restore"
    try:
        if target is None:
            if current is None:
                return Step(ref, "absent")
            action = "delete"
            _delete(client, ref)
            return Step(ref, action)
        if _replaced_by_controller(target, current):
            return Step(ref, "controller")
        if current is not None and _terminating(current) and not _terminating(target):
            # A deletion cannot be cancelled: let it finish, then create the object again.
            current = waiter.until_absent([ref])[ref]
        if current is None:
            action = "recreate"
            _create(client, target)
        elif not semantic_diff(target, current):
            action = "unchanged"
        else:
            _replace(client, waiter, ref, target, current)
    except Unreachable:
        raise
    except KubeError as exc:
        return Step(ref, action, str(exc))
    return Step(ref, action)


def _delete(client: KubeClient, ref: ObjectRef) -> None:
    with contextlib.suppress(NotFound):  # already gone: what undo wants
        client.delete(ref, propagation="Background")


def _create(client: KubeClient, target: Obj) -> None:
    body = strip_server_fields(target)
    try:
        client.create(body)
    except AlreadyExists:  # someone created it meanwhile: restore it instead
        fresh = client.get(ObjectRef.of(target))
        client.replace(restoration(target, fresh) if fresh is not None else body)
    except Invalid:
        if target.get("kind") != "Service":
            raise
        client.create(strip_allocated(body))  # its old address or node port is taken


def _replace(
    client: KubeClient, waiter: _Waiter, ref: ObjectRef, target: Obj, current: Obj
) -> None:
    for attempt in range(_ATTEMPTS):
        try:
            client.replace(restoration(target, current))
            return
        except Conflict:  # changed since read: read again
            if attempt == _ATTEMPTS - 1:
                raise
            fresh = client.get(ref)
            if fresh is None:
                _create(client, target)
                return
            current = fresh
        except Invalid:
            if _uid(current) == _uid(target):
                raise
            # The transaction replaced the object by another one (``replace --force``) with
            # different immutable fields; that one goes, the checkpoint comes back.
            _delete(client, ref)
            waiter.until_absent([ref])
            _create(client, target)
            return


def verify(
    client: KubeClient, checkpoints: Mapping[ObjectRef, Obj | None]
) -> dict[ObjectRef, list[str]]:
    """How each object differs from its checkpoint now (only those that differ). A
    controller-managed object counts as restored once its controller exists to replace it."""
    diffs: dict[ObjectRef, list[str]] = {}
    for ref, target in checkpoints.items():
        after = client.get(ref)
        if target is not None and _replaced_by_controller(target, after):
            owner = controller_of(target)
            if owner is not None and client.get(owner) is None:
                diffs[ref] = [f"(controller {owner} absent: nothing recreates it)"]
            continue
        paths = semantic_diff(target, after)
        if paths:
            diffs[ref] = paths
    return diffs


def _replaced_by_controller(target: Obj, current: Obj | None) -> bool:
    """A controller-managed object (a ReplicaSet's or StatefulSet's pod) that is gone, going,
    or already replaced by its controller with a new one: the controller's to restore."""
    if controller_of(target) is None:
        return False
    return current is None or _terminating(current) or _uid(current) != _uid(target)


class _Waiter:
    """Sleeps (for at most ``wait`` seconds over the whole undo) until objects are gone."""

    def __init__(self, client: KubeClient, wait: float, poll: float, sleep: Sleep) -> None:
        self._client, self._left, self._poll, self._sleep = client, wait, poll, sleep

    def until_absent(self, refs: list[ObjectRef]) -> dict[ObjectRef, Obj | None]:
        """The objects as last read (None: gone)."""
        seen = {ref: self._client.get(ref) for ref in refs}
        while any(obj is not None for obj in seen.values()) and self._left > 0:
            self._sleep(self._poll)
            self._left -= self._poll
            seen = {ref: self._client.get(ref) for ref in refs}
        return seen


def _terminating(obj: Mapping[str, Any]) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def _uid(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))
