"""``stratus demo``: an emulated cloud with an app under load and a fault, then the agents,
through the public endpoints only, on the cloud's virtual clock, with live progress."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from stratus.cli.models import BaseUrl, Model, agents_and_settings

__all__ = ["demo_command"]

Apps = ("hotel-reservation", "social-network", "astronomy-shop")


def demo_command(
    app: Annotated[
        str | None,
        typer.Option(help="hotel-reservation (default), social-network or astronomy-shop."),
    ] = None,
    fault: Annotated[
        str | None,
        typer.Option(
            help="A fault of the app (see `stratus sim fault list`); default: a typical one."
        ),
    ] = None,
    model: Model = "offline",
    base_url: BaseUrl = None,
    seed: Annotated[int, typer.Option(help="Seed of the emulated cloud.")] = 0,
    attempts: Annotated[
        int, typer.Option(min=1, help="Mitigation attempts before escalating.")
    ] = 5,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the report (default: the state dir).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Break an emulated app and watch STRATUS fix it.

    Starts an emulated Kubernetes cloud in this process with the app under load, warms it
    up, takes the healthy reference, injects the fault and serves the cluster over the
    Kubernetes, Prometheus and Jaeger APIs. The agents then work through those endpoints
    only (they are not told the fault), on the cloud's virtual clock: detect, diagnose,
    mitigate one transaction at a time, validate, commit or undo, retry, resolve or escalate.

    Exit status: 0 resolved (or nothing was wrong), 3 escalated, 1 error."""
    from stratus.agents import Budget
    from stratus.agents.errors import AgentError
    from stratus.cli.progress import Progress
    from stratus.cli.reports import (
        exit_status,
        fail,
        print_summary,
        report_path,
        write_report,
    )
    from stratus.kube.errors import KubeError
    from stratus.lab import DEFAULT_FAULTS, IncidentLab
    from stratus.machine import DIAGRAM
    from stratus.observe.errors import ObserveError
    from stratus.settings import SettingsError
    from stratus.sim.errors import SimError
    from stratus.sim.faults import FaultCatalog
    from stratus.tnr.errors import TnrError

    console = Console(stderr=as_json, highlight=False, quiet=as_json and not sys.stderr.isatty())
    catalog = FaultCatalog()
    try:
        spec = catalog.get(fault) if fault else None
        name = app or (spec.app if spec is not None else "hotel-reservation")
        if name not in Apps:
            raise ValueError(f"--app must be one of {', '.join(Apps)}, not {name!r}")
        spec = spec or catalog.get(DEFAULT_FAULTS[name])
        if spec.app != name:
            raise ValueError(f"fault {spec.name} breaks {spec.app}, not {name}")
        budget = Budget(attempts=attempts)
        agents, settings = agents_and_settings(model, base_url, budget)
        reports = settings.state_dir / "reports"
    except (KeyError, ValueError, SimError, AgentError, SettingsError) as exc:
        fail(str(exc))
    console.print(f"[bold]STRATUS demo[/bold]: {name} with the fault [bold]{spec.name}[/bold]")
    console.print(f"[dim]{spec.description}[/dim]\n")
    console.print(f"[dim]{DIAGRAM}[/dim]\n")
    try:
        with tempfile.TemporaryDirectory(prefix="stratus-demo-") as tmp:
            with console.status(f"Starting an emulated cloud with {name} under load, warming up…"):
                lab = IncidentLab(name, Path(tmp), seed=seed)
            with lab:
                console.print(
                    f"Serving {name} (namespace {lab.namespace}): Kubernetes API "
                    f"{lab.api_url}, Prometheus {lab.prometheus}, Jaeger {lab.jaeger}"
                )
                console.print(f"The agents ({agents.model}) see only these endpoints.\n")

                def injected(fault_spec: object) -> None:
                    console.print(
                        f"[bold red]fault injected[/bold red]: {spec.name}; waiting "
                        f"{spec.settle:.0f} s (virtual) for its symptoms to show\n"
                    )

                with Progress(console, budget.attempts) as progress:
                    run = lab.run(
                        spec, agents, budget=budget, listeners=(progress,), on_injected=injected
                    )
    except (TnrError, KubeError, ObserveError, AgentError, SimError, OSError) as exc:
        fail(str(exc))
    extra = {"app": name, "fault": spec.name, "seed": seed}
    path = write_report(
        run.report, report or report_path(reports, f"{name}-{spec.name}", as_json), extra
    )
    if as_json:
        typer.echo(path.read_text(), nl=False)
    else:
        console.print()
        print_summary(console, run.report, path)
    raise typer.Exit(exit_status([run.report]))
