"""``stratus run``: the agents against any cluster, through its kubeconfig and monitoring
endpoints, on the wall clock; once, or ``--watch``-ing and handling incidents one at a time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml
from rich.console import Console

from stratus.cli.kernel import Context, Jaeger, Kubeconfig, Prometheus, connection
from stratus.cli.models import BaseUrl, Model, agents_and_settings
from stratus.cli.reports import fail

if TYPE_CHECKING:
    from stratus.agents.tools import ReadTools
    from stratus.observe.jaeger import JaegerClient
    from stratus.observe.sla import Entrypoint
    from stratus.tnr.transaction import Kernel

__all__ = ["discover_entrypoints", "run_command"]


def run_command(
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", help="The namespace to look after.")
    ],
    model: Model = "offline",
    base_url: BaseUrl = None,
    entrypoint: Annotated[
        list[str] | None,
        typer.Option(help="A user-facing service, namespace/service (default: found in traces)."),
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep watching; handle incidents one at a time.")
    ] = False,
    approve: Annotated[
        str | None, typer.Option(help="auto | ask | dry-run (default: the policy's).")
    ] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy file (YAML).")] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help="Healthy reference file: read if it exists; --watch keeps it current."),
    ] = None,
    attempts: Annotated[int, typer.Option(min=1, help="Mitigation attempts per incident.")] = 5,
    poll: Annotated[float, typer.Option(min=1, help="Seconds between checks in --watch.")] = 30.0,
    duration: Annotated[
        float | None, typer.Option(min=0, help="Stop watching after this many seconds.")
    ] = None,
    max_incidents: Annotated[
        int | None, typer.Option(min=1, help="Stop watching after this many incidents.")
    ] = None,
    quiet_window: Annotated[
        float, typer.Option(min=0, help="Seconds no alert may fire for a fix to count.")
    ] = 120.0,
    validate_for: Annotated[
        float, typer.Option(min=0, help="Seconds a kept fix is given for the oracles to pass.")
    ] = 360.0,
    settle_min: Annotated[
        float | None,
        typer.Option(min=0, help="Seconds to wait at least after a write before measuring (60)."),
    ] = None,
    settle_max: Annotated[
        float | None,
        typer.Option(min=0, help="Seconds to wait at most for rollouts to settle (300)."),
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the report (default: the state dir).")
    ] = None,
    journal: Annotated[Path | None, typer.Option(help="Journal file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report(s) as JSON.")] = False,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    prometheus: Prometheus = None,
    jaeger: Jaeger = None,
) -> None:
    """Look after NAMESPACE of any cluster: detect an incident, diagnose it, mitigate it one
    transaction at a time (each kept only if severity did not rise, else undone), and
    resolve it or escalate with a report of what was tried.

    Without --watch it checks once; a healthy reference comes from --baseline, else it is
    rebuilt from what the cluster records (rollout history, last-applied configuration).
    With --watch the reference is taken when watching starts (the system is taken to be
    healthy then) and retaken while it stays healthy.

    Exit status: 0 resolved (or nothing was wrong), 3 escalated, 1 error."""
    from stratus.agents import Budget, Reference
    from stratus.agents.errors import AgentError
    from stratus.cli.kernel import _ask
    from stratus.cli.progress import Progress
    from stratus.cli.reports import (
        EXIT_ERROR,
        exit_status,
        print_summary,
        report_path,
        write_report,
    )
    from stratus.kube.errors import KubeError
    from stratus.machine import EventBus, IncidentReport, KernelEnvironment, Machine
    from stratus.machine import watch as watch_loop
    from stratus.observe.errors import ObserveError
    from stratus.observe.jaeger import JaegerClient
    from stratus.observe.sla import Entrypoint
    from stratus.settings import SettingsError
    from stratus.tnr.connect import open_kernel
    from stratus.tnr.errors import TnrError
    from stratus.tnr.policy import Policy
    from stratus.tnr.settle import SettleBounds
    from stratus.tnr.severity import SeverityWeights

    console = Console(stderr=as_json, highlight=False, quiet=as_json and not sys.stderr.isatty())
    if approve not in (None, "auto", "ask", "dry-run"):
        fail(f"--approve must be auto, ask or dry-run, not {approve!r}", 2)
    budget = Budget(attempts=attempts, seconds=None)
    progress = Progress(console, budget.attempts, clock_name="wall")
    bus = EventBus(progress)
    try:
        conn = connection(kubeconfig, context, namespace, prometheus, jaeger)
        agents, settings = agents_and_settings(model, base_url, budget)
        defaults = settings.kernel
        low = defaults.settle_min if settle_min is None else settle_min
        high = max(defaults.settle_max if settle_max is None else settle_max, low)
        eps = [Entrypoint.parse(e) for e in entrypoint or []]
        rules = Policy.load(policy) if policy is not None else None
        saved = Reference.load(baseline) if baseline is not None and baseline.is_file() else None
        kernel = open_kernel(
            conn,
            policy=rules,
            approval=approve,  # type: ignore[arg-type]
            ask=_ask,
            on_event=bus.kernel,
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
            namespaces=[namespace],
        )
    except (SettingsError, AgentError, TnrError, KubeError, ObserveError, ValueError) as exc:
        fail(str(exc))
    except yaml.YAMLError as exc:  # a kubeconfig that is not YAML
        fail(f"invalid YAML: {exc}")
    except OSError as exc:  # an unreadable file: kubeconfig, policy, baseline
        fail(f"cannot read {exc.filename or 'a file'}: {exc.strerror or exc}")
    try:
        _check_namespace(kernel, namespace)
    except (KubeError, ValueError) as exc:
        kernel.close()
        fail(str(exc))
    traces = JaegerClient(conn.jaeger) if conn.jaeger else None
    reports: list[IncidentReport] = []
    interrupted = False
    failure: str | None = None  # after the incidents handled so far are reported
    try:
        with kernel, progress:
            env = KernelEnvironment(
                kernel,
                namespace,
                eps,
                jaeger=traces,
                oracle_window=quiet_window,
                oracle_step=max(0.1, min(15.0, quiet_window / 8)),
            )
            if not eps:
                env.entrypoints = tuple(discover_entrypoints(traces, env.read_tools("detection")))
                found = ", ".join(map(str, env.entrypoints)) or "none (the SLA part of μ is off)"
                console.print(f"entrypoints: {found}")
            machine = Machine(
                env,
                agents,
                budget,
                bus=bus,
                validate_seconds=validate_for,
                validate_poll=max(0.5, min(30.0, validate_for / 12)),
            )
            if watch:
                if saved is None:
                    saved = machine.observe_reference()
                    if baseline is not None:
                        saved.save(baseline)

                def handled(incident: IncidentReport) -> None:
                    reports.append(incident)
                    console.print(f"incident {len(reports)}: {incident.outcome}")

                console.print(
                    f"watching {namespace} against the {saved.source} reference, "
                    f"checking every {poll:g} s"
                    + (f" for {duration:g} s" if duration is not None else "")
                )
                bus.start(kernel.clock.now)
                watched = watch_loop(
                    machine,
                    reference=saved,
                    poll=poll,
                    duration=duration,
                    max_incidents=max_incidents,
                    save_reference=baseline,
                    on_incident=handled,
                )
                console.print(
                    f"watched {watched.polls} checks ({watched.healthy} healthy), "
                    f"{len(reports)} incidents"
                )
            else:
                reports = [machine.handle(saved)]
    except KeyboardInterrupt:
        interrupted = True
        console.print(
            f"stopped; {len(reports)} incidents handled" if watch else "stopped before the end"
        )
    except (TnrError, KubeError, ObserveError, AgentError) as exc:
        failure = str(exc)
    finally:
        if traces is not None:
            traces.close()
    directory = settings.state_dir / "reports"
    for index, incident in enumerate(reports):
        target = report if report is not None and len(reports) == 1 else None
        label = f"{namespace}-{index + 1}" if len(reports) > 1 else namespace
        path = write_report(
            incident, target or report_path(directory, label, as_json), {"model": model}
        )
        if as_json:
            typer.echo(path.read_text(), nl=False)
        else:
            print_summary(console, incident, path)
    if failure is not None:
        fail(failure)
    if interrupted and not watch:
        raise typer.Exit(EXIT_ERROR)  # the incident was left unhandled: not resolved
    raise typer.Exit(exit_status(reports))


def _check_namespace(kernel: Kernel, namespace: str) -> None:
    """A namespace that does not exist is a mistake (a typo, the wrong context), not a
    healthy system. A user who may not read namespaces is given the benefit of the doubt."""
    from stratus.kube.errors import Forbidden
    from stratus.kube.refs import ObjectRef

    try:
        found = kernel.client.get(ObjectRef("v1", "Namespace", "", namespace))
    except Forbidden:
        return
    if found is None:
        where = kernel.client.context or kernel.client.server
        raise ValueError(f"namespace {namespace!r} does not exist (context {where})")


def discover_entrypoints(jaeger: JaegerClient | None, tools: ReadTools) -> list[Entrypoint]:
    """User-facing services from the call graph: services of the namespace that nothing in
    it calls, or that an outside client (a root of the graph) calls."""
    from stratus.observe.errors import ObserveError
    from stratus.observe.sla import Entrypoint

    if jaeger is None:
        return []
    try:
        edges = jaeger.dependencies()
    except ObserveError:
        return []
    services = {str((s.get("metadata") or {}).get("name")) for s in tools.objects("services")}
    children = {e.child for e in edges}
    found = set()
    for root in {e.parent for e in edges} - children:
        if root in services:
            found.add(root)
        else:
            found |= {e.child for e in edges if e.parent == root and e.child in services}
    return [Entrypoint(namespace=tools.namespace, service=s) for s in sorted(found)]
