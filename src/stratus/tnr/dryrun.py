"""Confirm an allowed write with a server-side dry-run: never trust what a command claims.

The server is asked what the write would do (``--dry-run=server``), and the objects it
names are checked against the policy again, by their real kinds and namespaces: a ``-f``
file holding a Namespace, a selector matching a hundred pods, a patch that swaps in a new
image all show up here. kubectl cannot dry-run every verb, so some are asked differently:

- most writes: the command itself with ``--dry-run=server --output=json``;
- ``delete``: the command with ``--output=name`` (all delete prints), plus a ``get`` of the
  same objects for their bodies;
- ``rollout restart|pause|resume``, ``cordon``, ``uncordon`` (no ``--dry-run`` or no
  ``-o``): the objects are listed with ``get``, then the patch kubectl would send is
  dry-run on each;
- ``drain``: its own dry-run names the pods it would evict; the node is dry-run as cordoned.

kubectl dry-runs ``rollout undo`` but prints the object as it was, so its body is the current
object (the refs are right; the image it restores is an old ReplicaSet's, in scope by
definition). ``exec`` cannot be dry-run; it is confirmed as touching nothing kubectl can see
(its effect is ``irreversible`` and outside TNR). Reads are not dry-run: no read verb has a
``--dry-run`` flag (a test checks this against kubectl's own flag table).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from stratus.kube.command import Flag, KubectlCommand
from stratus.kube.refs import ObjectRef
from stratus.kube.runner import Kubectl, KubectlResult
from stratus.tnr.errors import Refused
from stratus.tnr.gateway import WORKLOAD_KINDS, Decision
from stratus.tnr.policy import Operation
from stratus.tnr.view import images_of

if TYPE_CHECKING:
    from stratus.tnr.gateway import Gateway

__all__ = ["DryRun", "Touched", "confirm"]

_EVICTING = re.compile(r"^evicting pod ([^/\s]+)/(\S+)")
_CREATES = frozenset({"create", "run", "expose", "autoscale"})
_PATCHES = {
    "rollout pause": {"spec": {"paused": True}},
    "rollout resume": {"spec": {"paused": False}},
    "cordon": {"spec": {"unschedulable": True}},
    "uncordon": {"spec": {"unschedulable": False}},
}
_SELECTING = ("namespace", "selector", "field-selector", "filename", "recursive")
_SERVER = Flag("dry-run", "server")


@dataclass(frozen=True)
class Touched:
    """One object a write would touch: how, and its body as the dry run returned it (for a
    delete, as it is now; for an evicted pod, empty)."""

    ref: ObjectRef
    operation: Operation
    body: dict[str, Any]


@dataclass(frozen=True)
class DryRun:
    decision: Decision
    touched: tuple[Touched, ...]
    calls: tuple[KubectlResult, ...]  # the dry-run kubectl calls, in order

    @property
    def refs(self) -> tuple[ObjectRef, ...]:
        return tuple(t.ref for t in self.touched)


def confirm(gateway: Gateway, runner: Kubectl, decision: Decision) -> DryRun:
    """Dry-run ``decision`` on the server and check what it would touch; raises
    :class:`Refused` if the server rejects it, it would change nothing, or what it would
    touch breaks the policy."""
    if not decision.allowed or decision.command is None:
        raise decision.refusal()
    if decision.effect != "write":
        return DryRun(decision, (), ())
    probe = _Probe(runner, decision)
    touched = _ask(probe, decision.command)
    if not touched:
        raise Refused(
            "no-effect",
            "the server's dry run shows this command changes nothing; "
            "check the names, selector and values",
        )
    _verify(gateway, decision.command, touched)
    return DryRun(decision, tuple(touched), tuple(probe.calls))


class _Probe:
    def __init__(self, runner: Kubectl, decision: Decision) -> None:
        self.runner = runner
        self.decision = decision
        self.calls: list[KubectlResult] = []

    def run(self, cmd: KubectlCommand, *extra: Flag) -> str:
        """Run ``cmd`` with ``extra`` flags; anything but ``get`` always as a dry run."""
        drop = {"output", "template", "dry-run"}
        server = () if cmd.verb == "get" else (_SERVER,)
        flags = (*(f for f in cmd.flags if f.name not in drop), *extra, *server)
        argv = KubectlCommand(cmd.path, cmd.args, flags, cmd.after_dash).argv()
        stdin = self.decision.input if "--filename=-" in argv else None
        result = self.runner.run(argv, input=stdin)
        self.calls.append(result)
        if not result.ok:
            error = result.error_line()
            if "unknown flag: --dry-run" in error:
                raise Refused(
                    "unverifiable",
                    f"kubectl cannot dry-run 'kubectl {cmd.name}', so "
                    "what it touches cannot be confirmed",
                )
            raise Refused("server", f"the server refused the dry run: {error}")
        return result.stdout

    def objects(self, cmd: KubectlCommand, *extra: Flag) -> list[dict[str, Any]]:
        out = self.run(cmd, *extra, Flag("output", "json"))
        try:
            return _objects(out)
        except json.JSONDecodeError:
            raise Refused("server", f"kubectl {cmd.name} printed no JSON: {out[:80]!r}") from None

    def current(self, cmd: KubectlCommand) -> list[dict[str, Any]]:
        """The objects ``cmd`` names, as they are now (same names, selectors, files)."""
        flags = tuple(f for f in cmd.flags if f.name in _SELECTING)
        args = ("nodes", *cmd.args) if cmd.verb in ("cordon", "uncordon", "drain") else cmd.args
        return self.objects(KubectlCommand(("get",), args, flags))


def _ask(probe: _Probe, cmd: KubectlCommand) -> list[Touched]:
    name = cmd.name
    if name == "delete":
        if not probe.run(cmd, Flag("output", "name")).strip():
            return []
        return [_touch(o, "delete") for o in probe.current(cmd)]
    if name in _PATCHES or name == "rollout restart":
        return [
            _touch(_patch(probe, obj, _patch_body(name)), "update") for obj in probe.current(cmd)
        ]
    if name == "drain":
        out = probe.run(cmd)
        nodes = [_patch(probe, n, _PATCHES["cordon"]) for n in probe.current(cmd)]
        pods = [m.groups() for m in map(_EVICTING.match, out.splitlines()) if m]
        return [_touch(n, "update") for n in nodes] + [
            Touched(ObjectRef("v1", "Pod", ns, pod), "delete", {}) for ns, pod in pods
        ]
    operation: Operation | None = "create" if cmd.verb in _CREATES else None
    return [_touch(o, operation) for o in probe.objects(cmd)]


def _patch_body(name: str) -> dict[str, Any]:
    if name == "rollout restart":
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        notes = {"kubectl.kubernetes.io/restartedAt": stamp}
        return {"spec": {"template": {"metadata": {"annotations": notes}}}}
    return _PATCHES[name]


def _patch(probe: _Probe, obj: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    ref = ObjectRef.of(obj)
    type_ = f"{ref.kind.lower()}.{ref.group}" if ref.group else ref.kind.lower()
    flags = [Flag("patch", json.dumps(body))]
    if ref.namespace:
        flags.append(Flag("namespace", ref.namespace))
    found = probe.objects(KubectlCommand(("patch",), (f"{type_}/{ref.name}",), tuple(flags)))
    return found[0] if found else obj


def _touch(obj: dict[str, Any], operation: Operation | None) -> Touched:
    return Touched(ObjectRef.of(obj), operation or "update", obj)


def _objects(stdout: str) -> list[dict[str, Any]]:
    """Every object in kubectl's JSON output: one object, a List, or several in a row."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    i = 0
    while i < len(stdout):
        if stdout[i].isspace():
            i += 1
            continue
        value, i = decoder.raw_decode(stdout, i)
        if isinstance(value, dict) and value.get("kind", "").endswith("List"):
            found.extend(v for v in value.get("items") or [] if isinstance(v, dict))
        elif isinstance(value, dict):
            found.append(value)
    return found


def _verify(gateway: Gateway, cmd: KubectlCommand, touched: list[Touched]) -> None:
    policy = gateway.policy
    if len(touched) > policy.max_objects:
        raise Refused(
            "blast-radius",
            f"the dry run touches {len(touched)} objects, over the "
            f"policy maximum of {policy.max_objects}; narrow it",
        )
    in_use: set[str] | None = None
    view = gateway.view
    for i, item in enumerate(touched):
        ref, operation = item.ref, item.operation
        if cmd.verb == "apply" and view is not None:
            operation = "update" if view.exists(ref) else "create"
            touched[i] = Touched(ref, operation, item.body)
        if cmd.verb == "drain" and ref.kind == "Pod":
            gateway.check_namespace(ref.namespace)  # evictions: scope only
            continue
        gateway.check_object(operation, ref.kind, ref.namespace)
        if (
            operation == "create"
            and ref.kind in WORKLOAD_KINDS
            and not (policy.allow_new_workloads)
        ):
            raise Refused(
                "new-workload",
                f"the dry run creates {ref}, a new workload, which "
                "policy refuses; fix the existing workloads",
            )
        if operation != "delete":
            images = images_of(item.body)
            if images and in_use is None:
                in_use = gateway.images_in_scope()
            for image in images:
                gateway.check_image(image, in_use)
