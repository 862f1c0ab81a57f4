"""``stratus sim fault``: list, show, and inject/recover against a served cloud over the
Kubernetes API (the same path a running ``stratus sim up`` is reached by)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stratus.cli import app as cli
from stratus.sim.apps import load_app
from stratus.sim.cloud import Cloud

runner = CliRunner()


@pytest.fixture(scope="module")
def hotel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cloud, Path]]:
    """HotelReservation, warmed up, served, with a kubeconfig for it."""
    app = load_app("hotel-reservation")
    cloud = Cloud(seed=3)
    cloud.deploy(app)
    cloud.settle(120, step=5)
    served = cloud.serve()
    kubeconfig = cloud.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config", served)
    try:
        yield cloud, kubeconfig
    finally:
        cloud.close()


def test_list_shows_every_fault_with_its_app() -> None:
    result = runner.invoke(cli, ["sim", "fault", "list", "--app", "hotel-reservation"])
    assert result.exit_code == 0, result.output
    assert "revoke-auth-mongodb-geo" in result.output
    assert "aiopslab" in result.output


def test_show_prints_a_fault_as_yaml() -> None:
    result = runner.invoke(cli, ["sim", "fault", "show", "wrong-service-selector-geo"])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(result.output)
    assert doc["name"] == "wrong-service-selector-geo"
    assert doc["app"] == "hotel-reservation"
    assert doc["inject"]
    assert doc["fix"]


def test_unknown_fault_is_a_clear_error() -> None:
    result = runner.invoke(cli, ["sim", "fault", "show", "revoke-auth"])
    assert result.exit_code == 2
    assert "no fault named 'revoke-auth'" in result.output
    assert "did you mean" in result.output


def test_bad_fault_file_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ndescription: d\napp: demo\nsource: aiopslab\ncategory: c\n"
        "level: Application\ncomponents: [a]\ninject: [{wait: 1, kubectl: x}]\n"
    )
    result = runner.invoke(cli, ["sim", "fault", "list", "--file", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output.replace("\n", "")
    assert "inject.0" in result.output
    assert "exactly one of" in result.output


def test_inject_and_recover_change_the_served_cluster(hotel: tuple[Cloud, Path]) -> None:
    cloud, kubeconfig = hotel
    ns = "test-hotel-reservation"
    args = ["--kubeconfig", str(kubeconfig)]
    result = runner.invoke(cli, ["sim", "fault", "inject", "wrong-service-selector-geo", *args])
    assert result.exit_code == 0, result.output
    service = cloud.store.get("services", ns, "geo")
    assert service is not None
    assert service["spec"]["selector"] == {"io.kompose.service": "geo-v2"}

    result = runner.invoke(cli, ["sim", "fault", "recover", "wrong-service-selector-geo", *args])
    assert result.exit_code == 0, result.output
    service = cloud.store.get("services", ns, "geo")
    assert service is not None
    assert service["spec"]["selector"] == {"io.kompose.service": "geo"}


def test_inject_runs_exec_steps_in_the_database(hotel: tuple[Cloud, Path]) -> None:
    cloud, kubeconfig = hotel
    args = ["--kubeconfig", str(kubeconfig)]
    result = runner.invoke(cli, ["sim", "fault", "inject", "revoke-auth-mongodb-rate", *args])
    assert result.exit_code == 0, result.output
    assert "1. exec" in result.output
    mongo = cloud.shell.run(
        "test-hotel-reservation",
        _pod(cloud, "io.kompose.service=mongodb-rate"),
        "",
        ["mongo", "admin", "-u", "root", "-p", "root", "--eval", "printjson(db.getUser('admin'))"],
    )
    assert "rate-db" not in mongo.stdout.split("roles", 1)[-1]
    result = runner.invoke(cli, ["sim", "fault", "recover", "revoke-auth-mongodb-rate", *args])
    assert result.exit_code == 0, result.output


def test_inject_without_a_cluster_says_how_to_get_one(tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "sim",
            "fault",
            "inject",
            "wrong-service-selector-geo",
            "--kubeconfig",
            str(tmp_path / "none"),
        ],
    )
    assert result.exit_code == 2
    assert "stratus sim up" in result.output


def _pod(cloud: Cloud, selector: str) -> str:
    pods = cloud.api.list(cloud.kind("pods"), "test-hotel-reservation", selector)
    return str(pods[0]["metadata"]["name"])
