"""The ``stratus`` command line."""

from __future__ import annotations

import typer

from stratus import __version__
from stratus.cli.bench import bench_app
from stratus.cli.demo import demo_command
from stratus.cli.kernel import journal_app, kubectl_command
from stratus.cli.run import run_command
from stratus.cli.sim import sim_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="stratus",
    help="STRATUS: a transactional autonomous SRE for Kubernetes, with an emulated cloud.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("demo")(demo_command)
app.command("run")(run_command)
app.add_typer(sim_app, name="sim")
app.add_typer(bench_app, name="bench")
app.add_typer(journal_app, name="journal")
app.command(
    "kubectl",
    context_settings={"allow_interspersed_args": False},
    help="Run one kubectl command through the safety kernel (see `stratus kubectl --help`).",
)(kubectl_command)


@app.command()
def version() -> None:
    """Print the STRATUS version."""
    typer.echo(__version__)


def main() -> None:
    app()
