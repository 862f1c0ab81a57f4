"""The command gateway: every kubectl command an agent proposes passes here first.

``Gateway.check(proposal, role)`` reads a raw line with a shell grammar (:mod:`.shell`) or
takes an argv, parses it as kubectl would (:mod:`stratus.kube.command`), classifies it by
grammar (:mod:`.grammar`), applies the role's sandbox and the policy, and returns a
:class:`Decision`: allowed or not, the effect, one line of reason, and the canonical argv to
run. Manifests named with ``-f`` are read once, here, and passed to kubectl on standard
input, so what was checked and dry-run is exactly what runs. ``delete`` runs with
``--wait=false`` unless the line says otherwise: the kernel's settling, bounded and on its
clock, observes the deletion finish, rather than kubectl blocking on it. A write must then
be confirmed by :meth:`Gateway.confirm_with_dry_run`, which asks the server what it would touch.

Roles: ``detection`` and ``diagnosis`` only read; ``mitigation`` writes within policy;
``undo`` only reads here, because the kernel restores checkpoints itself through the REST
client and never through a command a model proposes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from stratus.kube.command import CommandError, Flag, KubectlCommand, parse
from stratus.tnr.errors import Refused
from stratus.tnr.grammar import Effect, classify
from stratus.tnr.policy import Operation, Policy
from stratus.tnr.redact import redact_secrets
from stratus.tnr.shell import split_line
from stratus.tnr.view import ClusterView

if TYPE_CHECKING:
    from stratus.kube.runner import Kubectl
    from stratus.tnr.dryrun import DryRun

__all__ = ["ROLES", "Decision", "Gateway", "Role"]

Role = Literal["detection", "diagnosis", "mitigation", "undo"]
ROLES: tuple[Role, ...] = ("detection", "diagnosis", "mitigation", "undo")
WORKLOAD_KINDS = frozenset(
    {
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
    }
)
_CREATED = {"expose": "Service", "autoscale": "HorizontalPodAutoscaler"}
_RAW_OUTPUTS = ("jsonpath", "go-template", "template", "custom-columns")
_MAX_MANIFEST_BYTES = 1 << 20


@dataclass(frozen=True)
class Decision:
    """The gateway's answer to one proposal."""

    allowed: bool
    role: Role
    line: str  # the proposal as given
    reason: str  # one line
    code: str = "ok"  # "ok", or the refusal keyword
    effect: Effect | None = None
    command: KubectlCommand | None = None  # as it will run (-f files pinned to stdin)
    argv: tuple[str, ...] = ()  # what to run: canonical, without "kubectl" and connection
    input: str | None = None  # manifests pinned from -f, passed as standard input

    @property
    def writes(self) -> bool:
        return self.allowed and self.effect in ("write", "irreversible")

    @property
    def outside_tnr(self) -> bool:
        """Allowed, but undo cannot reverse it (``exec`` under ``allow_irreversible``)."""
        return self.allowed and self.effect == "irreversible"

    def refusal(self) -> Refused:
        return Refused(self.code, self.reason)

    def to_dict(self) -> dict[str, object]:
        return {
            "allowed": self.allowed,
            "role": self.role,
            "line": self.line,
            "code": self.code,
            "reason": self.reason,
            "effect": self.effect,
            "argv": list(self.argv),
        }


class Gateway:
    """Checks proposals against the grammar, the role sandboxes and ``policy``.

    ``namespace`` is the default namespace commands without ``-n`` act in (the runner's);
    ``view`` answers which images are in use and which objects exist; ``workdir`` is where
    relative ``-f`` paths are found (and, with ``policy.manifest_dirs``, the only places
    manifests may be read from)."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        view: ClusterView | None = None,
        namespace: str = "default",
        workdir: Path | str | None = None,
    ) -> None:
        self.policy = policy or Policy()
        self.view = view
        self.namespace = namespace
        self.workdir = Path(workdir or Path.cwd()).resolve()

    def check(
        self, proposal: str | Sequence[str], role: Role = "mitigation", *, writes_done: int = 0
    ) -> Decision:
        """Decide on one proposal: a raw line (``"kubectl get pods"``) or an argv (with or
        without the leading ``kubectl``). ``writes_done`` counts the transaction's writes."""
        line = proposal if isinstance(proposal, str) else " ".join(proposal)
        effect: Effect | None = None
        cmd: KubectlCommand | None = None
        try:
            if role not in ROLES:
                raise Refused("role", f"unknown role {role!r}; one of {', '.join(ROLES)}")
            words = split_line(proposal) if isinstance(proposal, str) else tuple(proposal)
            if isinstance(proposal, str) and words[0] != "kubectl":
                raise Refused(
                    "not-kubectl",
                    f"only kubectl commands run here, not {words[0][:40]!r}; write 'kubectl ...'",
                )
            try:
                cmd = parse(words)
            except CommandError as exc:
                raise Refused(exc.code, f"{exc.message}; see 'kubectl --help'") from None
            effect = classify(cmd)
            if effect != "read" and role != "mitigation":
                raise Refused(
                    "role",
                    f"the {role} role may only read, and "
                    f"'kubectl {cmd.name}' writes; leave changes to mitigation",
                )
            if effect == "read":
                self._check_read(cmd)
            else:
                self._check_write(cmd, effect, writes_done)
            run, stdin = self._pin_files(cmd)
            if cmd.verb == "delete" and not cmd.values("wait"):
                run = KubectlCommand(
                    run.path, run.args, (*run.flags, Flag("wait", "false")), run.after_dash
                )
        except Refused as refused:
            return Decision(False, role, line, refused.reason, refused.code, effect, cmd)
        what = "outside TNR: undo cannot reverse it" if effect == "irreversible" else "allowed"
        return Decision(
            True, role, line, f"{effect} {what}: {cmd}", "ok", effect, run, run.argv(), stdin
        )

    def confirm_with_dry_run(self, runner: Kubectl, decision: Decision) -> DryRun:
        """Ask the server what an allowed write would touch; see :mod:`.dryrun`."""
        from stratus.tnr.dryrun import confirm  # noqa: PLC0415 (dryrun builds on this module)

        return confirm(self, runner, decision)

    def redact(self, text: str) -> str:
        """Output as a model may see it: Secret values blanked unless policy says not to."""
        return redact_secrets(text) if self.policy.redact_secrets else text

    def images_in_scope(self) -> set[str]:
        if self.view is None:
            return set()
        return {
            image
            for ns, images in self.view.images_in_use().items()
            if self.policy.in_scope(ns)
            for image in images
        }

    def check_object(self, operation: Operation, kind: str, namespace: str) -> None:
        """Refuse an ``operation`` on an object of ``kind`` in ``namespace`` ("" if
        cluster-scoped) that the policy forbids."""
        rule = self.policy.forbidding(operation, kind)
        if rule is not None:
            why = f": {rule.reason}" if rule.reason else ""
            raise Refused("forbidden-kind", f"policy forbids {operation} of {kind}{why}")
        if not namespace and kind not in self.policy.cluster_kinds:
            raise Refused(
                "forbidden-kind",
                f"{kind} is cluster-scoped and policy allows "
                f"writing only {', '.join(self.policy.cluster_kinds)}",
            )
        if namespace:
            self.check_namespace(namespace)

    def check_namespace(self, namespace: str) -> None:
        if not self.policy.in_scope(namespace):
            raise Refused(
                "namespace",
                f"namespace {namespace!r} is outside the policy scope "
                f"({self.policy.scope_text()}); use -n with a namespace "
                "in scope",
            )

    def check_image(self, image: str, in_use: set[str] | None = None) -> None:
        in_use = self.images_in_scope() if in_use is None else in_use
        if not self.policy.image_allowed(image, in_use):
            raise Refused(
                "image",
                f"image {image!r} is not running in scope nor in the image "
                "allow-list; use an image the workload ran before (kubectl "
                "rollout history/undo shows them)",
            )

    # --- static checks -------------------------------------------------------------------

    def _check_read(self, cmd: KubectlCommand) -> None:
        p = self.policy
        if not p.read_anywhere:
            if cmd.all_namespaces:
                raise Refused(
                    "namespace",
                    "policy limits reads to the namespaces in scope; drop -A and give -n NAMESPACE",
                )
            self.check_namespace(cmd.namespace or self.namespace)
        secret = any(t.kind == "Secret" for t in cmd.targets)
        raw = (cmd.output or "").startswith(_RAW_OUTPUTS) or cmd.value("template") is not None
        if p.redact_secrets and secret and (raw or cmd.name == "apply view-last-applied"):
            raise Refused(
                "secret",
                "secret values are redacted: read secrets with -o yaml or "
                "-o json (values are blanked) or describe",
            )
        if p.redact_secrets and cmd.has("show-secrets"):
            raise Refused("secret", "--show-secrets would print secret values; drop it")

    def _check_write(self, cmd: KubectlCommand, effect: Effect, writes_done: int) -> None:
        p = self.policy
        if p.forbids_verb(cmd.path):
            raise Refused("forbidden-verb", f"policy forbids 'kubectl {cmd.name}'")
        if effect == "irreversible" and not p.allow_irreversible:
            raise Refused(
                "irreversible",
                f"'kubectl {cmd.name}' has effects undo cannot "
                "reverse, and policy does not allow irreversible "
                "actions; change objects with patch, set or apply",
            )
        if writes_done >= p.max_writes:
            raise Refused(
                "write-limit",
                f"this transaction already made {writes_done} writes, "
                f"the policy maximum (K={p.max_writes}); finish it",
            )
        if cmd.all_namespaces:
            raise Refused(
                "namespace", "a write must act in one namespace; drop -A and give -n NAMESPACE"
            )
        targets = cmd.targets
        if (cmd.verb == "delete" and cmd.has("all")) or any(
            t.type.lower() == "all" for t in targets
        ):
            raise Refused(
                "blast-radius",
                "writes to every object at once ('all', --all) are "
                "refused; name the objects or use a label selector",
            )
        namespace = cmd.namespace or self.namespace
        for operation, kind, namespaced in _static_effects(cmd):
            self.check_object(operation, kind, namespace if namespaced else "")
        if not targets or any(not t.resource or t.resource.namespaced for t in targets):
            self.check_namespace(namespace)
        creates = cmd.name in ("run", "create deployment", "create job", "create cronjob")
        if creates and not p.allow_new_workloads:
            raise Refused(
                "new-workload",
                "policy refuses new workloads; fix the existing ones (scale, set, patch, rollout)",
            )
        images = [v for v in cmd.values("image") if v]
        if cmd.name == "set image":
            images += [pair.partition("=")[2] for pair in cmd.pairs]
        in_use = self.images_in_scope() if images else set()
        for image in images:
            self.check_image(image, in_use)

    def _pin_files(self, cmd: KubectlCommand) -> tuple[KubectlCommand, str | None]:
        """``cmd`` reading its manifests from standard input, and their text."""
        if not cmd.files:
            return cmd, None
        roots = [self.workdir, *(Path(d).resolve() for d in self.policy.manifest_dirs)]
        texts: list[str] = []
        for name in cmd.files:
            path = (self.workdir / name).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise Refused(
                    "local-files",
                    f"-f {name}: manifests must be under {', '.join(map(str, roots))}",
                )
            if path.is_dir():
                pattern = "**/*" if cmd.has("recursive") else "*"
                found = sorted(
                    f for f in path.glob(pattern) if f.suffix in (".yaml", ".yml", ".json")
                )
            else:
                found = [path]
            for file in found:
                try:
                    texts.append(file.read_text())
                except (OSError, UnicodeDecodeError) as exc:
                    raise Refused("usage", f"-f {name}: cannot read {file.name}: {exc}") from None
        stream = "---\n" + "\n---\n".join(t.strip("\n") for t in texts) + "\n"
        if len(stream) > _MAX_MANIFEST_BYTES or not any(t.strip() for t in texts):
            raise Refused("usage", "the manifests given with -f are empty or over 1 MiB")
        flags = tuple(f for f in cmd.flags if f.name not in ("filename", "recursive"))
        flags = (*flags, Flag("filename", "-"))
        return KubectlCommand(cmd.path, cmd.args, flags, cmd.after_dash), stream


def _static_effects(cmd: KubectlCommand) -> list[tuple[Operation, str, bool]]:
    """(operation, kind, namespaced) for what the line names with a known kind."""
    if cmd.verb in ("create", "run"):
        return [
            ("create", t.kind, t.resource.namespaced) for t in cmd.targets if t.resource and t.kind
        ]
    if cmd.verb in _CREATED:
        return [("create", _CREATED[cmd.verb], True)]
    operation: Operation = "delete" if cmd.verb == "delete" else "update"
    return [
        (operation, t.kind, t.resource.namespaced) for t in cmd.targets if t.resource and t.kind
    ]
