"""``stratus sim``: run the emulated cloud in the foreground."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

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


fault_app = typer.Typer(
    help="Faults as data: list, show, inject and recover them.", no_args_is_help=True
)
sim_app.add_typer(fault_app, name="fault")

_AppNamespace = Annotated[str | None, typer.Option(help="Where the app runs (default: its own).")]
_TargetKubeconfig = Annotated[
    Path | None, typer.Option(help="Cluster to change (default: the one `sim up` wrote).")
]
_FaultFiles = Annotated[
    list[Path] | None, typer.Option("--file", help="Extra fault files or folders.")
]


def _catalog(files: list[Path] | None) -> Any:
    from stratus.sim.errors import DefinitionError
    from stratus.sim.faults import FaultCatalog

    try:
        return FaultCatalog(files or [])
    except DefinitionError as exc:
        _console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _fault(files: list[Path] | None, name: str) -> Any:
    catalog = _catalog(files)
    try:
        return catalog.get(name)
    except KeyError as exc:
        _console.print(f"[red]error:[/red] {exc.args[0]} (see `stratus sim fault list`)")
        raise typer.Exit(2) from exc


@fault_app.command("list")
def fault_list(
    app: Annotated[str | None, typer.Option(help="Only the faults of this app.")] = None,
    files: _FaultFiles = None,
) -> None:
    """List the known faults."""
    rows = [("NAME", "APP", "SOURCE", "CATEGORY", "LEVEL")]
    rows += [
        (f.name, f.app, f.source, f.category, f.level)
        for f in _catalog(files).all()
        if app is None or f.app == app
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        typer.echo(
            "   ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
            + "   "
            + row[-1]
        )


@fault_app.command("show")
def fault_show(name: str, files: _FaultFiles = None) -> None:
    """Print a fault's definition as YAML."""
    import yaml

    fault = _fault(files, name)
    typer.echo(
        yaml.safe_dump(
            fault.model_dump(exclude_none=True, exclude_defaults=False), sort_keys=False, width=100
        ),
        nl=False,
    )


def _apply(
    name: str,
    files: list[Path] | None,
    namespace: str | None,
    kubeconfig: Path | None,
    recover: bool,
) -> None:
    from stratus.sim.apps import load_app
    from stratus.sim.errors import SimError
    from stratus.sim.faults import FaultRunner, app_manifests
    from stratus.sim.faults.remote import RemoteClient

    fault = _fault(files, name)
    settings = load_settings()
    config_path = kubeconfig or settings.state_dir / "sim" / "kubeconfig"
    if not config_path.is_file():
        _console.print(
            f"[red]error:[/red] no kubeconfig at {config_path}: start a cloud with "
            "`stratus sim up` or pass --kubeconfig"
        )
        raise typer.Exit(2)
    app = load_app(fault.app)
    target = namespace or app.namespace
    steps = fault.recover if recover else fault.inject
    verb = "recovering from" if recover else "injecting"
    _console.print(f"{verb} [bold]{fault.name}[/bold] in namespace {target}")
    with RemoteClient(config_path) as client:
        runner = FaultRunner(client, target, lambda: app_manifests(app, target))
        for index, step in enumerate(steps, 1):
            try:
                result = runner.step(step)
            except (SimError, ValueError, RuntimeError) as exc:
                _console.print(f"[red]error:[/red] step {index} ({step.kind}): {exc}")
                raise typer.Exit(1) from exc
            last = result.strip().splitlines()[-1] if result.strip() else "done"
            _console.print(f"  {index}. {step.kind}: {last}")


@fault_app.command("inject")
def fault_inject(
    name: str,
    namespace: _AppNamespace = None,
    kubeconfig: _TargetKubeconfig = None,
    files: _FaultFiles = None,
) -> None:
    """Inject a fault into its app in a running cloud."""
    _apply(name, files, namespace, kubeconfig, recover=False)


@fault_app.command("recover")
def fault_recover(
    name: str,
    namespace: _AppNamespace = None,
    kubeconfig: _TargetKubeconfig = None,
    files: _FaultFiles = None,
) -> None:
    """Undo a fault's changes."""
    _apply(name, files, namespace, kubeconfig, recover=True)
