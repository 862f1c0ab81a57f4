"""``stratus sim``: run the emulated cloud in the foreground."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console

from stratus.settings import SettingsError, load_settings

__all__ = ["sim_app"]

sim_app = typer.Typer(help="The emulated Kubernetes cloud.", no_args_is_help=True)
_console = Console(highlight=False)


@sim_app.command("up")
def up(
    app: Annotated[
        list[str] | None,
        typer.Option(
            help="An app to deploy: a built-in name (see `stratus sim apps`) or a folder of "
            "manifests; repeat for several."
        ),
    ] = None,
    nodes: Annotated[int | None, typer.Option(help="Nodes in the cloud (default 3).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of every random choice.")] = None,
    port: Annotated[int | None, typer.Option(help="API port; 0 picks a free one.")] = None,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(help="Where to write the kubeconfig (default: <state dir>/sim/kubeconfig)."),
    ] = None,
    speed: Annotated[
        float | None, typer.Option(help="Virtual seconds per wall second (default 1).")
    ] = None,
    load: Annotated[
        float | None,
        typer.Option(
            help="Requests per second each app's workload sends (default: the rate "
            "the app declares; 0 sends none)."
        ),
    ] = None,
    rules: Annotated[
        list[Path] | None, typer.Option(help="Extra Prometheus alerting-rule files or folders.")
    ] = None,
    behaviours: Annotated[
        list[Path] | None, typer.Option(help="Extra image behaviour files or folders.")
    ] = None,
) -> None:
    """Start the emulated cloud and serve the Kubernetes API until interrupted."""
    from stratus.sim.apps import load_app
    from stratus.sim.behaviours import BehaviourRegistry
    from stratus.sim.cloud import Cloud
    from stratus.sim.errors import DefinitionError, SimError

    try:
        settings = load_settings(
            sim={
                k: v
                for k, v in {"nodes": nodes, "seed": seed, "port": port, "speed": speed}.items()
                if v is not None
            }
        )
    except SettingsError as exc:
        _console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    sim = settings.sim
    try:
        apps = [load_app(name) for name in app or []]
        registry = BehaviourRegistry.load(behaviours or [])
        cloud = Cloud(
            seed=sim.seed,
            nodes=sim.nodes,
            start=time.time(),
            behaviours=registry,
            rules=tuple(rules or ()),
        )
    except DefinitionError as exc:
        _console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    for application in apps:
        try:
            cloud.deploy(application)
        except SimError as exc:
            _console.print(f"[red]error:[/red] deploying {application.name}: {exc}")
            raise typer.Exit(1) from exc
        if application.workload is not None and load != 0:
            cloud.start_load(application, rate=load)
    try:
        served = cloud.serve(port=sim.port)
        telemetry = cloud.serve_telemetry()
    except OSError as exc:
        _console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    config_path = kubeconfig or settings.state_dir / "sim" / "kubeconfig"
    cloud.write_kubeconfig(config_path, served)
    endpoints_path = config_path.parent / "endpoints.json"
    endpoints = {"kubernetes": served.url, **{k: v.url for k, v in telemetry.items()}}
    endpoints_path.write_text(json.dumps(endpoints, indent=2) + "\n")
    _console.print(
        f"[bold]STRATUS emulated cloud[/bold]: {sim.nodes} nodes, seed {sim.seed}, "
        f"speed {sim.speed:g}x"
    )
    _console.print(f"  Kubernetes API  {served.url}")
    _console.print(f"  Prometheus      {telemetry['prometheus'].url}")
    _console.print(f"  Jaeger          {telemetry['jaeger'].url}")
    _console.print(f"  kubeconfig      {config_path}  (context stratus-sim)")
    _console.print(f"  endpoints       {endpoints_path}")
    for application in apps:
        workload = cloud.traffic.workloads.get(f"{application.name}-load")
        rate = f", load {workload.spec.rate:g} req/s" if workload is not None else ""
        _console.print(
            f"  app             {application.name} (namespace {application.namespace}{rate})"
        )
    _console.print(f"\n  export KUBECONFIG={config_path}\n  kubectl get nodes\n")
    _console.print("Press Ctrl-C to stop.")

    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    tick = 0.1
    last = time.monotonic()
    try:
        while not stop.wait(tick):
            now = time.monotonic()
            cloud.advance((now - last) * sim.speed)
            last = now
    finally:
        cloud.close()
    _console.print("stopped.")


@sim_app.command("apps")
def apps_command() -> None:
    """List the built-in apps."""
    from stratus.sim.apps import builtin_apps, load_app

    for name in builtin_apps():
        application = load_app(name)
        _console.print(
            f"[bold]{name}[/bold]  namespace {application.namespace}, "
            f"{len(application.manifests)} objects\n  {application.description}"
        )
