"""What a kubectl command does, decided from its grammar alone (no policy, no cluster).

:func:`classify` returns the command's effect (``read``, ``write`` or ``irreversible``) or
raises :class:`Refused` for forms no role may use: interactive and streaming commands,
connection and impersonation overrides, local files, ``--dry-run`` (the gateway dry-runs
writes itself), unknown verbs. Choices:
- ``exec`` is the one *irreversible* write: what it does inside a container no snapshot can
  undo. ``delete`` of a pod is a write: its controller replaces it, and undo recreates a bare
  pod from its snapshot. Volumes and namespaces are guarded by policy, not grammar.
- ``wait``, ``rollout status`` and ``diff`` are reads; the runner's timeout bounds the first
  two. ``cp``, ``edit``, ``attach``, ``port-forward``, ``proxy``, ``debug``, ``kustomize``,
  ``plugin``, ``completion`` and every ``config`` write are refused for every role.
- The runner's own binary is used whatever path the line gives, so the line must say plain
  ``kubectl``; ``/usr/bin/kubectl``, ``sudo kubectl`` and aliases are refused.
"""

from __future__ import annotations

from typing import Literal

from stratus.kube.command import KubectlCommand
from stratus.kube.flags import flag_table
from stratus.tnr.errors import Refused

__all__ = ["READS", "WRITES", "Effect", "classify"]

Effect = Literal["read", "write", "irreversible"]


def _names(text: str) -> frozenset[str]:
    return frozenset(" ".join(n.split()) for n in text.split(",") if n.strip())


READS = _names(
    """
    get, describe, logs, top node, top pod, explain, api-resources, api-versions, version,
    events, auth can-i, auth whoami, cluster-info, cluster-info dump, diff, wait, rollout
    history, rollout status, config view, config current-context, config get-contexts, config
    get-clusters, config get-users, apply view-last-applied
    """
)
WRITES = _names(
    """
    apply, apply set-last-applied, create, replace, patch, scale, autoscale, expose, label,
    annotate, delete, cordon, uncordon, drain, taint, run, rollout restart, rollout undo,
    rollout pause, rollout resume, set env, set image, set resources, set selector, set
    serviceaccount, set subject, auth reconcile, certificate approve, certificate deny
    """
)
_IRREVERSIBLE = frozenset({"exec"})
_GROUPS = _names("rollout, set, top, auth, certificate, create secret, create service")

_VERB_REFUSALS: dict[str, tuple[str, str]] = {
    "edit": ("interactive", "edit opens an editor; use patch, set or apply instead"),
    "apply edit-last-applied": ("interactive", "this opens an editor; use apply or patch"),
    "attach": ("interactive", "attach is interactive; read the output with kubectl logs"),
    "debug": (
        "interactive",
        "debug starts an interactive container; read logs, describe the pod and its events instead",
    ),
    "port-forward": (
        "streaming",
        "port-forward runs until stopped; query metrics and traces through their tools instead",
    ),
    "proxy": ("streaming", "proxy runs until stopped; use kubectl get --raw for API paths"),
    "cp": (
        "local-files",
        "cp copies files between this machine and a container; read logs instead",
    ),
    "kustomize": (
        "local-files",
        "kustomize builds local directories; apply generated manifests with -f",
    ),
    "plugin": ("verb", "kubectl plugins are not allowed"),
    "config": (
        "connection",
        "the gateway owns the kubeconfig; config may only be viewed "
        "(config view, config current-context, config get-contexts)",
    ),
}
_CONNECTION = _names(
    """
    kubeconfig, context, cluster, server, token, user, username, password,
    certificate-authority, client-certificate, client-key, insecure-skip-tls-verify,
    tls-server-name, proxy-url, cache-dir, kuberc
    """
)
_TAKES_COMMAND = _names("exec, run, create deployment, create job, create cronjob")
_IMPERSONATION = frozenset({"as", "as-group", "as-uid", "as-user-extra"})
_FILE_OUTPUT = ("jsonpath-file", "go-template-file", "custom-columns-file", "templatefile")


def classify(cmd: KubectlCommand) -> Effect:
    """The effect of ``cmd`` by grammar, or :class:`Refused` if no role may run it."""
    name = cmd.name
    refusal = _VERB_REFUSALS.get(name) or _VERB_REFUSALS.get(cmd.verb)
    if refusal and name not in READS:
        raise Refused(*refusal)
    if name in _GROUPS:
        raise Refused("usage", f"'kubectl {name}' needs a subcommand (kubectl {name} --help)")
    if name in READS:
        effect: Effect = "read"
    elif name in WRITES or cmd.verb == "create":
        effect = "write"
    elif name in _IRREVERSIBLE:
        effect = "irreversible"
    else:
        raise Refused("verb", f"'kubectl {name}' is not a command the gateway runs")
    _check_flags(cmd, effect)
    return effect


def _check_flags(cmd: KubectlCommand, effect: Effect) -> None:
    for flag in cmd.flags:
        name = flag.name
        if name in _CONNECTION and name not in flag_table().commands.get(cmd.path, {}):
            raise Refused(
                "connection",
                f"--{name} is not allowed: the gateway owns the cluster connection; drop the flag",
            )
        if name in _IMPERSONATION:
            raise Refused(
                "impersonation",
                f"--{name} (impersonation) is not allowed; act as the gateway's own identity",
            )
        if name in ("v", "vmodule"):
            raise Refused(
                "flag",
                f"--{name} is not allowed: verbose logs print request "
                "headers, credentials included",
            )
        if name in (
            "profile",
            "profile-output",
            "output-directory",
            "patch-file",
            "from-file",
            "from-env-file",
            "cert",
            "key",
            "kustomize",
        ):
            raise Refused(
                "local-files",
                f"--{name} reads or writes files on this machine; "
                "give values inline (e.g. --from-literal, -p)",
            )
        if name == "dry-run":
            raise Refused(
                "dry-run",
                "drop --dry-run: the gateway dry-runs every write itself before running it",
            )
    if (
        cmd.has("stdin")
        or cmd.has("tty")
        or cmd.has("attach")
        or cmd.has("rm")
        or (cmd.has("edit") or (cmd.verb == "delete" and cmd.has("interactive")))
    ):
        raise Refused(
            "interactive",
            "interactive forms (-i, -t, --attach, --rm, --edit) are "
            "not allowed; run a command that finishes by itself",
        )
    if (
        (cmd.has("watch") and cmd.name != "rollout status")
        or cmd.has("watch-only")
        or (cmd.has("follow"))
    ):
        raise Refused(
            "streaming",
            "streaming forms (-w, --watch, -f/--follow) are not "
            "allowed; read once (logs: use --tail or --since)",
        )
    if "-" in cmd.files:
        raise Refused(
            "stdin",
            "'-f -' reads standard input, which the gateway does not "
            "pass; write the manifest to a file and give its path",
        )
    if any("://" in f for f in cmd.files):
        raise Refused("local-files", "-f must name a local manifest file, not a URL")
    output = cmd.output or ""
    if output.startswith(_FILE_OUTPUT):
        raise Refused(
            "local-files",
            f"-o {output.split('=')[0]} reads a file on this machine; give the template inline",
        )
    if cmd.has("local"):
        raise Refused("flag", "--local only edits files on this machine; act on the cluster")
    raw = cmd.value("raw")
    if raw is not None and (
        effect != "read"
        or any(part in raw for part in ("/proxy", "/exec", "/attach", "/portforward"))
    ):
        raise Refused(
            "flag",
            "--raw may only read API paths (not proxy, exec or attach); "
            "use a typed kubectl command",
        )
    if cmd.has("prune"):
        raise Refused(
            "flag",
            "apply --prune deletes every object missing from the files; "
            "apply without --prune and delete objects by name",
        )
    if cmd.has("force") and cmd.verb in ("apply", "replace"):
        raise Refused("flag", f"{cmd.verb} --force deletes and recreates objects; drop --force")
    if cmd.name == "config view" and (cmd.has("raw") or cmd.has("flatten")):
        raise Refused("connection", "config view --raw/--flatten prints credentials")
    if effect == "irreversible" and cmd.after_dash is None:
        raise Refused("usage", "give the command after '--' (kubectl exec POD -- COMMAND)")
    if cmd.after_dash is not None and cmd.name not in _TAKES_COMMAND:
        raise Refused(
            "usage",
            "'--' is only for a container command (exec, run, create "
            "deployment|job|cronjob); remove it",
        )
