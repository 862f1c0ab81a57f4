"""``stratus kubectl`` (one guarded command inside a transaction) and ``stratus journal``."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from stratus.settings import load_settings

if TYPE_CHECKING:
    from stratus.tnr.connect import Connection
    from stratus.tnr.transaction import KernelEvent

__all__ = ["journal_app", "kubectl_command"]

_err = Console(stderr=True, highlight=False)

# Exit statuses of `stratus kubectl`.
EXIT_OK = 0  # a read ran, or the transaction committed (or was only dry-run)
EXIT_ERROR = 1  # something failed before the command could be judged
EXIT_ABORTED = 3  # the write ran, μ rose or the system crashed: it was undone (verified)
EXIT_REFUSED = 4  # the gateway or policy refused the command
EXIT_UNDO_FAILED = 5  # undo could not be verified: the cluster differs from the checkpoint

Kubeconfig = Annotated[
    Path | None, typer.Option(help="Kubeconfig (default: $KUBECONFIG, else ~/.kube/config).")
]
Context = Annotated[str | None, typer.Option(help="Context in the kubeconfig.")]
Namespace = Annotated[
    str | None, typer.Option("--namespace", "-n", help="Namespace commands act in.")
]
Prometheus = Annotated[
    str | None,
    typer.Option(help="Prometheus-compatible base URL (default: the emulated cloud's, if any)."),
]
Jaeger = Annotated[str | None, typer.Option(help="Jaeger query base URL.")]


def connection(
    kubeconfig: Path | None,
    context: str | None,
    namespace: str | None,
    prometheus: str | None,
    jaeger: str | None,
) -> Connection:
    """The options as a connection; endpoints missing fall back to the ``endpoints.json`` a
    ``stratus sim up`` wrote beside its kubeconfig."""
    from stratus.tnr.connect import Connection

    config = kubeconfig or _default_kubeconfig()
    endpoints: dict[str, str] = {}
    beside = config.parent / "endpoints.json" if config is not None else None
    if beside is not None and beside.is_file():
        endpoints = json.loads(beside.read_text())
    return Connection(
        kubeconfig=config,
        context=context,
        namespace=namespace or "default",
        prometheus=prometheus or endpoints.get("prometheus"),
        jaeger=jaeger or endpoints.get("jaeger"),
    )


def _default_kubeconfig() -> Path | None:
    if os.environ.get("KUBECONFIG"):
        return Path(os.environ["KUBECONFIG"].split(os.pathsep)[0])
    home = Path.home() / ".kube" / "config"
    if home.is_file():
        return home
    sim = load_settings().state_dir / "sim" / "kubeconfig"
    return sim if sim.is_file() else None


def _print_event(event: KernelEvent) -> None:
    _err.print(f"[dim]{event.kind:>8}[/dim] {event.message}")


def kubectl_command(
    args: Annotated[list[str] | None, typer.Argument(help="kubectl arguments, after --.")] = None,
    line: Annotated[
        str | None, typer.Option(help="A raw command line, as a model would write it.")
    ] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy file (YAML).")] = None,
    approve: Annotated[
        str | None, typer.Option(help="auto | ask | dry-run (default: the policy's).")
    ] = None,
    entrypoint: Annotated[
        list[str] | None,
        typer.Option(help="A user-facing service, namespace/service, for the SLA part of μ."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    settle_min: Annotated[
        float | None,
        typer.Option(help="Seconds to wait at least after a write before measuring (60)."),
    ] = None,
    settle_max: Annotated[
        float | None, typer.Option(help="Seconds to wait at most for rollouts to settle (300).")
    ] = None,
    journal: Annotated[
        Path | None,
        typer.Option(help="Journal file (default: the context's, in the state directory)."),
    ] = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    namespace: Namespace = None,
    prometheus: Prometheus = None,
    jaeger: Jaeger = None,
) -> None:
    """Run one kubectl command through the safety kernel: reads run if the gateway allows
    them; a write runs inside a transaction and is kept only if severity did not rise.

    Exit status: 0 read ran or write committed (or dry-run), 3 aborted and undone, 4 refused,
    5 undo could not be verified, 1 other errors."""
    from stratus.kube.errors import KubeError
    from stratus.observe.errors import ObserveError
    from stratus.observe.sla import Entrypoint
    from stratus.settings import SettingsError
    from stratus.tnr.connect import open_kernel
    from stratus.tnr.errors import TnrError, UndoFailed, UnfaithfulUndo
    from stratus.tnr.policy import Policy
    from stratus.tnr.settle import SettleBounds
    from stratus.tnr.severity import SeverityWeights

    if (line is None) == (not args):
        _err.print("[red]error:[/red] give the command after -- or with --line, not both")
        raise typer.Exit(2)
    proposal: str | list[str] = line if line is not None else ["kubectl", *(args or [])]
    text = line if line is not None else shlex.join(["kubectl", *(args or [])])
    if approve not in (None, "auto", "ask", "dry-run"):
        _err.print(f"[red]error:[/red] --approve must be auto, ask or dry-run, not {approve!r}")
        raise typer.Exit(2)
    conn = connection(kubeconfig, context, namespace, prometheus, jaeger)
    try:
        defaults = load_settings().kernel
    except SettingsError as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_ERROR) from exc
    low = defaults.settle_min if settle_min is None else settle_min
    high = max(defaults.settle_max if settle_max is None else settle_max, low)
    try:
        rules = Policy.load(policy) if policy is not None else None
        entrypoints = [Entrypoint.parse(e) for e in entrypoint or []]
        kernel = open_kernel(
            conn,
            policy=rules,
            approval=approve,  # type: ignore[arg-type]
            ask=_ask,
            on_event=None if as_json else _print_event,
            settle=SettleBounds(
                min_seconds=low,
                max_seconds=high,
                steady_seconds=min(30.0, low / 2),
                step_seconds=min(5.0, max(low / 6, 0.1)),
            ),
            weights=SeverityWeights(
                w_alerts=defaults.w_alerts, w_sla=defaults.w_sla, w_capacity=defaults.w_capacity
            ),
            journal=journal or defaults.journal,
        )
    except (TnrError, KubeError, ObserveError, ValueError) as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_ERROR) from exc
    with kernel:
        try:
            decision = kernel.gateway.check(proposal, "mitigation")
            if not decision.allowed or decision.effect == "read":
                read = kernel.read(proposal, "diagnosis")
                _finish_read(read, as_json, text)
                return
            baseline = kernel.meter.capture_baseline(entrypoints)
            tx = kernel.begin(baseline, text)
            record = tx.write(proposal)
            if not record.decision.allowed:
                tx.finish()
                _emit({"status": "refused", "reason": record.decision.reason}, as_json)
                _err.print(f"refused: {record.decision.reason}")
                raise typer.Exit(EXIT_REFUSED)
            if record.output and not as_json:
                typer.echo(record.output)
            result = tx.finish()
        except (UnfaithfulUndo, UndoFailed) as exc:
            _emit({"status": "undo-failed", "error": str(exc)}, as_json)
            _err.print(f"[bold red]UNDO NOT VERIFIED:[/bold red] {exc}")
            raise typer.Exit(EXIT_UNDO_FAILED) from exc
        except (TnrError, KubeError, ObserveError) as exc:
            _emit({"status": "error", "error": str(exc)}, as_json)
            _err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(EXIT_ERROR) from exc
    _emit({"status": result.outcome, **result.to_dict()}, as_json)
    if not as_json:
        _err.print(f"{result.outcome}: {result.reason}")
    if result.outcome == "aborted-and-undone":
        raise typer.Exit(EXIT_ABORTED)


def _finish_read(read: Any, as_json: bool, text: str) -> None:
    if not read.decision.allowed:
        _emit({"status": "refused", "command": text, "reason": read.decision.reason}, as_json)
        if not as_json:
            _err.print(f"refused: {read.decision.reason}")
        raise typer.Exit(EXIT_REFUSED)
    ok = read.result is not None and read.result.ok
    _emit({"status": "read-ok" if ok else "error", "command": text, "output": read.output}, as_json)
    if not as_json:
        typer.echo(read.output, nl=not read.output.endswith("\n"), err=not ok)
    if not ok:
        raise typer.Exit(EXIT_ERROR)


def _emit(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))


def _ask(decision: Any) -> bool:
    return typer.confirm(f"run: {decision.line}?", default=False, err=True)


# -- stratus journal -------------------------------------------------------------------

journal_app = typer.Typer(
    help="The kernel's durable journal of transactions.", no_args_is_help=True
)
JournalPath = Annotated[
    Path | None,
    typer.Option("--journal", help="Journal file (default: the context's, in the state dir)."),
]


def _journal_file(path: Path | None, kubeconfig: Path | None, context: str | None) -> Path:
    from stratus.kube.client import KubeClient
    from stratus.tnr.journal import journal_path

    if path is not None:
        return path
    client = KubeClient.from_kubeconfig(kubeconfig or _default_kubeconfig(), context)
    try:
        return journal_path(client.context or "default")
    finally:
        client.close()


@journal_app.command("list")
def journal_list(
    journal: JournalPath = None, kubeconfig: Kubeconfig = None, context: Context = None
) -> None:
    """List transactions, newest last."""
    from stratus.tnr.journal import Journal

    with Journal.open(_journal_file(journal, kubeconfig, context), writer=False) as book:
        for tx in book.transactions():
            note = str(tx.meta.get("note", ""))[:60]
            typer.echo(
                f"{tx.id:>5}  {tx.state.value:<12} μ_pre={tx.meta.get('mu_pre')!s:<6} {note}"
            )


@journal_app.command("show")
def journal_show(
    tx_id: int, journal: JournalPath = None, kubeconfig: Kubeconfig = None, context: Context = None
) -> None:
    """Print one transaction and its entries as JSON (snapshots included, secrets too: the
    journal is private to its owner)."""
    from stratus.tnr.journal import Journal

    with Journal.open(_journal_file(journal, kubeconfig, context), writer=False) as book:
        tx = book.transaction(tx_id)
        body = {
            "id": tx.id,
            "state": tx.state.value,
            "meta": tx.meta,
            "detail": tx.detail,
            "entries": [
                {"kind": e.kind, "seq": e.seq, "ref": str(e.ref) if e.ref else None, "data": e.data}
                for e in book.entries(tx_id)
            ],
        }
    typer.echo(json.dumps(body, indent=2, default=str))


@journal_app.command("undo")
def journal_undo(
    tx_id: int, journal: JournalPath = None, kubeconfig: Kubeconfig = None, context: Context = None
) -> None:
    """Undo a transaction (even a committed one) and verify the result."""
    _undo(journal, kubeconfig, context, tx_id)


@journal_app.command("recover")
def journal_recover(
    journal: JournalPath = None, kubeconfig: Kubeconfig = None, context: Context = None
) -> None:
    """Roll back every transaction a dead process left unfinished."""
    _undo(journal, kubeconfig, context, None)


def _undo(
    path: Path | None, kubeconfig: Path | None, context: str | None, tx_id: int | None
) -> None:
    from stratus.kube.client import KubeClient
    from stratus.kube.errors import KubeError
    from stratus.tnr.errors import TnrError, UndoFailed, UnfaithfulUndo
    from stratus.tnr.journal import Journal
    from stratus.tnr.undo import recover, undo

    try:
        client = KubeClient.from_kubeconfig(kubeconfig or _default_kubeconfig(), context)
        file = path or _journal_file(None, kubeconfig, context)
        with client, Journal.open(file) as book:
            reports = [undo(client, book, tx_id)] if tx_id is not None else recover(client, book)
    except (UnfaithfulUndo, UndoFailed) as exc:
        _err.print(f"[bold red]UNDO NOT VERIFIED:[/bold red] {exc}")
        raise typer.Exit(EXIT_UNDO_FAILED) from exc
    except (TnrError, KubeError) as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_ERROR) from exc
    if not reports:
        typer.echo("nothing to recover")
    for report in reports:
        typer.echo(f"transaction {report.tx_id}: {len(report.steps)} objects restored, verified")
