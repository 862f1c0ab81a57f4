"""``kubectl exec`` into HotelReservation: environment, mounted ConfigMaps, the MongoDB shell and
its users, and the errors kubectl reports for unknown commands and pods."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.sim.apps import load_app
from stratus.sim.cloud import Cloud
from tests.conftest import Kubectl, ServedCloud, kubectl_binary

pytestmark = pytest.mark.kubectl

NS = "test-hotel-reservation"
ROOT = ["mongo", "admin", "-u", "root", "-p", "root", "--authenticationDatabase", "admin"]


def _hotel(path: Path) -> ServedCloud:
    """HotelReservation deployed and past its start-up crash loops, served to kubectl."""
    cloud = Cloud(seed=7)
    cloud.deploy(load_app("hotel-reservation"))
    cloud.settle(400, step=5.0)
    app = cloud.serve()
    kubeconfig = cloud.write_kubeconfig(path / "kubeconfig", app)
    return ServedCloud(cloud, app.url, Kubectl(kubectl_binary(), kubeconfig, path / "cache"))


@pytest.fixture(scope="module")
def hotel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedCloud]:
    """Shared by the tests that leave the app as they found it."""
    served = _hotel(tmp_path_factory.mktemp("hotel"))
    try:
        yield served
    finally:
        served.cloud.close()


@pytest.fixture
def own_hotel(tmp_path: Path) -> Iterator[ServedCloud]:
    served = _hotel(tmp_path)
    try:
        yield served
    finally:
        served.cloud.close()


def kubectl(
    served: ServedCloud, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return served.kubectl.run("-n", NS, *args, check=check)


def mongo_geo(
    served: ServedCloud, script: str, login: list[str] = ROOT, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return kubectl(
        served, "exec", "deploy/mongodb-geo", "--", *login, "--eval", script, check=check
    )


def test_env_shows_the_container_environment(hotel: ServedCloud) -> None:
    result = kubectl(hotel, "exec", "deploy/geo", "--", "env")
    env = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert env["JAEGER_SAMPLE_RATIO"] == "1"
    assert env["HOSTNAME"].startswith("geo-")
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert "PATH" in env
    single = kubectl(
        hotel,
        "exec",
        "deploy/geo",
        "-c",
        "hotel-reserv-geo",
        "--",
        "printenv",
        "JAEGER_SAMPLE_RATIO",
    )
    assert single.stdout == "1\n"
    unset = kubectl(hotel, "exec", "deploy/geo", "--", "printenv", "NOT_SET", check=False)
    assert unset.returncode == 1
    assert unset.stdout == ""


def test_mounted_configmaps_are_files(hotel: ServedCloud) -> None:
    scripts = kubectl(hotel, "exec", "deploy/mongodb-geo", "--", "ls", "/scripts").stdout
    assert scripts.splitlines() == [
        "remove-admin-mongo.js",
        "remove-mitigate-admin-geo-mongo.js",
        "revoke-admin-geo-mongo.js",
        "revoke-mitigate-admin-geo-mongo.js",
    ]
    init = kubectl(hotel, "exec", "deploy/mongodb-geo", "--", "ls", "/docker-entrypoint-initdb.d")
    assert init.stdout == "k8s-geo-mongo.js\n"

    configmap = json.loads(
        kubectl(hotel, "get", "configmap", "failure-admin-geo", "-o=json").stdout
    )
    for name, content in configmap["data"].items():
        shown = kubectl(hotel, "exec", "deploy/mongodb-geo", "--", "cat", f"/scripts/{name}")
        assert shown.stdout == content
    init_script = kubectl(
        hotel,
        "exec",
        "deploy/mongodb-geo",
        "--",
        "cat",
        "/docker-entrypoint-initdb.d/k8s-geo-mongo.js",
    ).stdout
    assert "db.createUser({user: 'admin', pwd: 'admin'" in init_script

    missing = kubectl(
        hotel, "exec", "deploy/mongodb-geo", "--", "cat", "/scripts/nope.js", check=False
    )
    assert missing.returncode == 1
    assert "cat: /scripts/nope.js: No such file or directory" in missing.stderr
    assert "command terminated with exit code 1" in missing.stderr
    absent_dir = kubectl(hotel, "exec", "deploy/geo", "--", "ls", "/scripts", check=False)
    assert absent_dir.returncode == 2
    assert "No such file or directory" in absent_dir.stderr


def _roles(served: ServedCloud, user: str) -> set[tuple[str, str]]:
    shown = mongo_geo(served, f"printjson(db.getUser('{user}'))").stdout
    document = json.loads(shown[shown.index("{") :])
    return {(r["role"], r["db"]) for r in document["roles"]}


def test_mongo_user_administration(hotel: ServedCloud) -> None:
    users = mongo_geo(hotel, "db.getUsers()").stdout
    assert '"user": "admin"' in users
    assert '"user": "root"' in users
    assert ("readWrite", "geo-db") in _roles(hotel, "admin")

    mongo_geo(
        hotel, "db.createUser({user: 'bob', pwd: 'b0b', roles: [{role: 'read', db: 'geo-db'}]})"
    )
    assert _roles(hotel, "bob") == {("read", "geo-db")}
    again = mongo_geo(hotel, "db.createUser({user: 'bob', pwd: 'x', roles: []})", check=False)
    assert again.returncode != 0
    assert 'User "bob@admin" already exists' in again.stdout + again.stderr

    mongo_geo(hotel, "db.grantRolesToUser('bob', [{role: 'readWrite', db: 'geo-db'}])")
    assert _roles(hotel, "bob") == {("read", "geo-db"), ("readWrite", "geo-db")}
    mongo_geo(hotel, "db.revokeRolesFromUser('bob', [{role: 'read', db: 'geo-db'}])")
    assert _roles(hotel, "bob") == {("readWrite", "geo-db")}

    # bob may log in, but administering users is not among his roles
    bob = ["mongo", "admin", "-u", "bob", "-p", "b0b", "--authenticationDatabase", "admin"]
    denied = mongo_geo(hotel, "db.getUsers()", login=bob, check=False)
    assert denied.returncode != 0
    assert "not authorized" in denied.stdout + denied.stderr

    assert mongo_geo(hotel, "db.dropUser('bob')").returncode == 0
    assert mongo_geo(hotel, "db.getUser('bob')").stdout.splitlines()[-1] == "null"
    gone = mongo_geo(hotel, "db.dropUser('bob')", check=False)
    assert gone.returncode != 0
    assert "not found" in gone.stdout + gone.stderr


def test_mongo_with_a_wrong_password_fails_to_authenticate(hotel: ServedCloud) -> None:
    wrong = ["mongo", "admin", "-u", "root", "-p", "wrong", "--authenticationDatabase", "admin"]
    result = mongo_geo(hotel, "db.getUsers()", login=wrong, check=False)
    assert result.returncode != 0
    assert "Authentication failed" in result.stdout + result.stderr
    assert f"command terminated with exit code {result.returncode}" in result.stderr
    anonymous = mongo_geo(hotel, "db.getUsers()", login=["mongo", "admin"], check=False)
    assert anonymous.returncode != 0
    assert "requires authentication" in anonymous.stdout + anonymous.stderr


def test_mongo_reads_a_script_from_stdin(hotel: ServedCloud) -> None:
    result = hotel.kubectl.run(
        "-n",
        NS,
        "exec",
        "-i",
        "deploy/mongodb-geo",
        "--",
        *ROOT,
        input="printjson(db.getUser('root'))\n",
    )
    assert '"user": "root"' in result.stdout


def test_an_unknown_command_is_exit_code_127(hotel: ServedCloud) -> None:
    direct = kubectl(hotel, "exec", "deploy/geo", "--", "no-such-tool", "--help", check=False)
    assert direct.returncode == 127
    assert 'exec: "no-such-tool": executable file not found in $PATH' in direct.stderr
    assert "command terminated with exit code 127" in direct.stderr

    shell = kubectl(hotel, "exec", "deploy/geo", "--", "sh", "-c", "no-such-tool", check=False)
    assert shell.returncode == 127
    assert "no-such-tool: not found" in shell.stderr
    assert "command terminated with exit code 127" in shell.stderr


def test_exec_into_what_does_not_exist(hotel: ServedCloud) -> None:
    pod = kubectl(hotel, "exec", "no-such-pod", "--", "env", check=False)
    assert pod.returncode == 1
    assert pod.stderr.strip() == 'Error from server (NotFound): pods "no-such-pod" not found'
    deployment = kubectl(hotel, "exec", "deploy/no-such-deployment", "--", "env", check=False)
    assert deployment.returncode == 1
    assert (
        'Error from server (NotFound): deployments.apps "no-such-deployment" not found'
        in deployment.stderr
    )
    container = kubectl(hotel, "exec", "deploy/geo", "-c", "nope", "--", "env", check=False)
    assert container.returncode == 1
    assert "container nope is not valid for pod geo-" in container.stderr


def _geo_pod(served: ServedCloud) -> list[str]:
    rows = kubectl(
        served, "get", "pods", "-l", "io.kompose.service=geo", "--no-headers"
    ).stdout.splitlines()
    running = [row.split() for row in rows if "Terminating" not in row]
    assert len(running) == 1, rows
    return running[0]


def test_revoking_geo_db_access_crash_loops_geo_until_granted_again(
    own_hotel: ServedCloud,
) -> None:
    served = own_hotel
    assert _geo_pod(served)[1:3] == ["1/1", "Running"]
    mongo_geo(served, "db.revokeRolesFromUser('admin', [{role: 'readWrite', db: 'geo-db'}])")
    assert ("readWrite", "geo-db") not in _roles(served, "admin")

    kubectl(served, "rollout", "restart", "deployment/geo")
    for _ in range(60):
        served.cloud.advance(5.0)
        row = _geo_pod(served)
        if row[2] == "CrashLoopBackOff":
            break
    assert row[1:3] == ["0/1", "CrashLoopBackOff"]
    assert int(row[3]) >= 1
    logs = kubectl(served, "logs", f"pod/{row[0]}", "--previous").stdout
    assert "not authorized on geo-db" in logs.splitlines()[-1]

    # the shipped mitigation script, run the way an operator would
    kubectl(
        served,
        "exec",
        "deploy/mongodb-geo",
        "--",
        *ROOT,
        "/scripts/revoke-mitigate-admin-geo-mongo.js",
    )
    assert ("readWrite", "geo-db") in _roles(served, "admin")
    for _ in range(120):
        served.cloud.advance(5.0)
        row = _geo_pod(served)
        if row[1] == "1/1":
            break
    assert row[1:3] == ["1/1", "Running"]
    assert "not authorized" not in kubectl(served, "logs", f"pod/{row[0]}").stdout
