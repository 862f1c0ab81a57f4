"""The kubelet runs containers as their image behaviours say, on the virtual clock."""

from __future__ import annotations

from stratus.sim.apps import load_app
from stratus.sim.cloud import Cloud
from tests.sim.controllers.helpers import container, container_state, events, get, pod, ready


def _messages(cloud: Cloud, reason: str, name: str) -> list[str]:
    return [str(e["message"]) for e in events(cloud, reason) if e["involvedObject"]["name"] == name]


def test_pull_create_start_and_become_ready(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "web",
            containers=[
                container(readinessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 2})
            ],
        )
    )
    cloud.advance(1)
    assert container_state(get(cloud, "pods", "web")) == ("waiting", "ContainerCreating")
    cloud.settle(10)
    web = get(cloud, "pods", "web")
    assert container_state(web)[0] == "running"
    assert web["status"]["phase"] == "Running"
    assert ready(web)
    assert web["status"]["podIP"].startswith("10.244.")
    pulled = _messages(cloud, "Pulled", "web")
    assert pulled
    assert pulled[0].startswith('Successfully pulled image "nginx:1.27" in ')


def test_missing_tag_backs_off(cloud: Cloud) -> None:
    cloud.create(pod("web", containers=[container(image="nginx:0.0.404")]))
    cloud.settle(30)
    assert container_state(get(cloud, "pods", "web")) == ("waiting", "ImagePullBackOff")
    assert "Error: ErrImagePull" in _messages(cloud, "Failed", "web")
    assert any(
        m == 'Back-off pulling image "nginx:0.0.404"' for m in _messages(cloud, "BackOff", "web")
    )


def test_unknown_repositories_run_the_default_program(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "anything",
            containers=[
                container(image="example.org/team/tool:7", command=["/bin/whatever", "--flag"])
            ],
        )
    )
    cloud.settle(10)
    assert container_state(get(cloud, "pods", "anything"))[0] == "running"


def test_missing_config_map_key_then_fixed(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "app",
            containers=[
                container(
                    env=[
                        {
                            "name": "MODE",
                            "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}},
                        }
                    ]
                )
            ],
        )
    )
    cloud.settle(10)
    state = get(cloud, "pods", "app")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert state == {
        "reason": "CreateContainerConfigError",
        "message": 'configmap "settings" not found',
    }
    cloud.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "default"},
            "data": {"other": "x"},
        }
    )
    cloud.settle(15)
    message = get(cloud, "pods", "app")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert message["message"] == "couldn't find key mode in ConfigMap default/settings"
    cloud.api.patch(
        cloud.kind("configmaps"), "default", "settings", "merge", {"data": {"mode": "fast"}}
    )
    cloud.settle(15)
    assert container_state(get(cloud, "pods", "app"))[0] == "running"


def test_missing_config_volume_blocks_the_mount(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "app",
            containers=[container(volumeMounts=[{"name": "cfg", "mountPath": "/etc/app"}])],
            volumes=[{"name": "cfg", "configMap": {"name": "absent"}}],
        )
    )
    cloud.settle(10)
    assert container_state(get(cloud, "pods", "app")) == ("waiting", "ContainerCreating")
    assert _messages(cloud, "FailedMount", "app") == [
        'MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found'
    ]


def test_command_the_image_lacks_is_a_start_error_then_crash_loop(cloud: Cloud) -> None:
    cloud.create(pod("bad", containers=[container(command=["/bin/nope"])]))
    cloud.settle(60)
    status = get(cloud, "pods", "bad")["status"]["containerStatuses"][0]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    last = status["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("StartError", 128)
    assert 'exec: "/bin/nope": stat /bin/nope: no such file or directory' in last["message"]
    assert status["restartCount"] >= 2


def test_missing_required_env_crashes_with_the_programs_line(cloud: Cloud) -> None:
    for spec in load_app("demo").behaviours:
        cloud.behaviours.add(spec)
    cloud.create(pod("api", containers=[container(image="ghcr.io/stratus-sim/demo-api:1.0")]))
    cloud.settle(40)
    api = get(cloud, "pods", "api")
    status = api["status"]["containerStatuses"][0]
    assert status["lastState"]["terminated"]["exitCode"] == 1
    lines = cloud.logs.read(api["metadata"]["uid"], "main")
    assert lines is not None
    assert lines[-1].text.endswith("FATAL environment variable DB_HOST must be set")


def test_memory_limit_below_need_is_oom_killed(cloud: Cloud) -> None:
    cloud.create(pod("small", containers=[container(resources={"limits": {"memory": "4Mi"}})]))
    cloud.settle(30)
    status = get(cloud, "pods", "small")["status"]["containerStatuses"][0]
    last = status["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("OOMKilled", 137)


def test_readiness_probe_on_a_closed_port_keeps_the_pod_unready(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "web",
            containers=[
                container(
                    readinessProbe={"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 5}
                )
            ],
        )
    )
    cloud.settle(30)
    web = get(cloud, "pods", "web")
    assert container_state(web)[0] == "running"
    assert not ready(web)
    assert any("connect: connection refused" in m for m in _messages(cloud, "Unhealthy", "web"))


def test_failing_liveness_probe_restarts_the_container(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "web",
            containers=[
                container(
                    livenessProbe={
                        "httpGet": {"path": "/healthz", "port": 9999},
                        "periodSeconds": 5,
                        "failureThreshold": 2,
                    }
                )
            ],
        )
    )
    cloud.settle(60)
    status = get(cloud, "pods", "web")["status"]["containerStatuses"][0]
    assert status["restartCount"] >= 1
    assert "Container main failed liveness probe, will be restarted" in _messages(
        cloud, "Killing", "web"
    )


def test_init_containers_run_first_and_in_order(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "app",
            initContainers=[
                container("wait", image="busybox:1.36", command=["sh", "-c", "sleep 5"])
            ],
        )
    )
    cloud.settle(3)
    app = get(cloud, "pods", "app")
    assert app["status"]["initContainerStatuses"][0]["state"].get("running") is not None
    assert container_state(app) == ("waiting", "PodInitializing")
    cloud.settle(15)
    app = get(cloud, "pods", "app")
    assert app["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert container_state(app)[0] == "running"


def test_finished_job_style_pod_succeeds(cloud: Cloud) -> None:
    cloud.create(
        pod(
            "once",
            restartPolicy="Never",
            containers=[container(image="busybox:1.36", command=["sh", "-c", "echo done; exit 0"])],
        )
    )
    cloud.settle(10)
    once = get(cloud, "pods", "once")
    assert once["status"]["phase"] == "Succeeded"
    assert container_state(once) == ("terminated", "Completed")


def test_deleted_pod_stops_within_its_grace_period(cloud: Cloud) -> None:
    cloud.create(pod("web"))
    cloud.settle(10)
    cloud.api.delete(cloud.kind("pods"), "default", "web")
    assert get(cloud, "pods", "web")["metadata"]["deletionTimestamp"]
    cloud.settle(5)
    assert cloud.store.get("pods", "default", "web") is None
    assert "Stopping container main" in _messages(cloud, "Killing", "web")


def test_repeated_events_are_counted_not_duplicated(cloud: Cloud) -> None:
    cloud.create(pod("bad", containers=[container(command=["/bin/nope"])]))
    cloud.settle(120)
    back_offs = [e for e in events(cloud, "BackOff") if e["involvedObject"]["name"] == "bad"]
    assert len(back_offs) == 1
    assert back_offs[0]["count"] >= 3
