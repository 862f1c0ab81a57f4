"""The offline analyzers on small fixtures: each finding names its cause and proposes the
generic remediation a person would, best first, from what any cluster exposes."""

from __future__ import annotations

import copy
import json
import shlex

from stratus.agents.offline import changes, network, scheduling, services, workloads
from stratus.agents.offline.index import Obj
from stratus.agents.offline.situation import CallFailure
from stratus.agents.results import Hypothesis
from tests.agents.fixtures import (
    NS,
    T_CHANGE,
    container,
    deployment,
    event,
    node,
    pod,
    replicaset,
    service,
    situation,
    waiting,
)


def _commands(found: list[Hypothesis]) -> list[str]:
    return [c for h in found for a in h.actions for c in a.commands]


def _broken_rollout(image: str = "shop/app:2") -> tuple[Obj, Obj, Obj]:
    """geo rolled out revision 2 (a new image) shortly before the incident."""
    good = deployment("geo")
    bad = deployment("geo", containers=[container(image=image)], revision=2, available=0)
    old = replicaset(good, 1, good["spec"]["template"])
    new = replicaset(bad, 2, bad["spec"]["template"], created=T_CHANGE)
    return bad, old, new


def test_an_image_that_cannot_be_pulled_is_rolled_back_to_the_revision_before() -> None:
    geo, old, new = _broken_rollout("shop/app:oops")
    broken = pod("geo-rs2-a", new, ready=False, statuses=[waiting("ImagePullBackOff", "not found")])
    found = workloads.analyze(situation([geo, old, new, broken]))
    assert found[0].category == "image"
    assert found[0].actions[0].commands == (
        f"kubectl rollout undo deployment/geo -n {NS} --to-revision=1",
    )
    assert any("revision 2" in e for e in found[0].evidence)


def test_credentials_refused_inside_an_app_need_a_person_not_a_restart() -> None:
    geo = deployment("geo", available=0)
    rs = replicaset(geo, 1, geo["spec"]["template"])
    crash = pod("geo-rs1-a", rs, ready=False, statuses=[waiting("CrashLoopBackOff", last="Error")])
    log = "INF connecting\nPNC (Unauthorized) not authorized on geo-db to execute command"
    found = workloads.analyze(situation([geo, rs, crash], logs={"geo-rs1-a": log}))
    assert [h.category for h in found] == ["credentials"]
    assert found[0].actions == ()
    assert "not authorized" in found[0].needs_human


_INIT = (
    "db = db.getSiblingDB('admin');\n"
    "db.createUser({user: 'admin', pwd: 'admin', roles: [{role: 'userAdminAnyDatabase', db: "
    "'admin'}]});\n"
    "db.grantRolesToUser('admin', [{role: 'readWrite', db: 'geo-db'}]);\n"
    "db.createUser({user: 'root', pwd: 'secret', roles: [{role: 'userAdminAnyDatabase', db: "
    "'admin'}]});\n"
)


def _refused_by_mongo(log: str, script: str = _INIT) -> list[Hypothesis]:
    geo = deployment("geo", available=0)
    rs = replicaset(geo, 1, geo["spec"]["template"])
    crash = pod("geo-rs1-a", rs, ready=False, statuses=[waiting("CrashLoopBackOff", last="Error")])
    mongo = deployment(
        "mongodb-geo",
        containers=[container(image="mongo:4.4.6")],
        pod_spec={"volumes": [{"name": "init", "configMap": {"name": "mongo-geo-script"}}]},
    )
    init = {"kind": "ConfigMap", "metadata": {"name": "mongo-geo-script"}, "data": {"i.js": script}}
    return workloads.analyze(situation([geo, rs, crash, mongo, init], logs={"geo-rs1-a": log}))


def test_a_revoked_role_is_granted_again_from_the_databases_init_script() -> None:
    found = _refused_by_mongo("PNC (Unauthorized) not authorized on geo-db to execute command")
    [exec_line, restart] = _commands(found)
    words = shlex.split(exec_line)
    assert words[:6] == ["kubectl", "exec", "deployment/mongodb-geo", "-n", NS, "--"]
    assert words[6:12] == ["mongo", "admin", "-u", "root", "-p", "secret"]
    script = words[-1]
    assert "grantRolesToUser('admin', [{role: 'readWrite', db: 'geo-db'}])" in script
    assert "createUser" not in script, "the user exists: only its roles are restored"
    assert restart == f"kubectl rollout restart deployment/geo -n {NS}"
    assert found[0].needs_human, "exec needs a policy that allows it; else a person does it"


def test_a_dropped_user_is_created_again_with_its_roles_once() -> None:
    found = _refused_by_mongo(
        "auth error: sasl conversation error: (AuthenticationFailed) Authentication failed.",
        _INIT + _INIT,  # mounted twice: each statement is replayed once
    )
    script = shlex.split(_commands(found)[0])[-1]
    assert script.count("createUser({user: 'admin'") == 1
    assert script.count("grantRolesToUser('admin'") == 1
    assert "user: 'root'" not in script


def test_without_an_administrator_in_the_script_nothing_is_proposed() -> None:
    only_app = _INIT.split("db.createUser({user: 'root'", maxsplit=1)[0]
    found = _refused_by_mongo("not authorized on geo-db to execute command", only_app)
    assert _commands(found) == []
    assert "not authorized" in found[0].needs_human


def test_an_oom_killed_container_gets_more_memory() -> None:
    geo = deployment("geo", containers=[container(resources={"limits": {"memory": "10Mi"}})])
    rs = replicaset(geo, 1, geo["spec"]["template"])
    oom = pod(
        "geo-rs1-a", rs, ready=False, statuses=[waiting("CrashLoopBackOff", last="OOMKilled")]
    )
    found = workloads.analyze(situation([geo, rs, oom]))
    assert found[0].category == "resources"
    assert _commands(found) == [
        f"kubectl set resources deployment/geo -n {NS} -c app --limits=memory=256Mi"
    ]


def test_a_workload_scaled_below_its_baseline_is_scaled_back() -> None:
    user = deployment("user", replicas=0, available=0)
    found = workloads.analyze(situation([user], replicas={"user": 2}))
    assert _commands(found) == [f"kubectl scale deployment/user -n {NS} --replicas=2"]


def test_a_service_selecting_no_pod_is_pointed_at_the_workload_named_like_it() -> None:
    geo = deployment("geo", labels={"app": "geo"})
    rs = replicaset(geo, 1, geo["spec"]["template"])
    running = pod("geo-rs1-a", rs)
    svc = service("geo", {"app": "geo-v2"})
    found = services.analyze(situation([geo, rs, running, svc]))
    patch = [{"op": "replace", "path": "/spec/selector", "value": {"app": "geo"}}]
    assert _commands(found) == [
        shlex.join(["kubectl", "patch", "service/geo", "-n", NS, "--type=json", "-p", _json(patch)])
    ]


def test_a_target_port_nothing_declares_is_fixed_only_when_calls_to_it_fail() -> None:
    text = deployment("text", containers=[container(ports=(9090,))])
    rs = replicaset(text, 1, text["spec"]["template"])
    objects = [text, rs, pod("text-rs1-a", rs), service("text", {"app": "text"}, [(9090, 9999)])]
    assert services.analyze(situation(objects)) == []
    failing = [CallFailure("compose", "text", "refused", "connection refused", 12)]
    found = services.analyze(situation(objects, failures=failing))
    assert '"value":9090' in _commands(found)[0]


def test_a_missing_service_that_callers_cannot_resolve_is_recreated() -> None:
    geo = deployment("geo", containers=[container(ports=(8083,))])
    failing = [CallFailure("search", "geo", "dns", "lookup geo: no such host", 9)]
    found = services.analyze(situation([geo], failures=failing))
    assert _commands(found) == [
        f"kubectl expose deployment/geo -n {NS} --name=geo --port=8083 --target-port=8083"
    ]


def _pending(message: str) -> list[Obj]:
    geo = deployment("geo", available=0)
    rs = replicaset(geo, 1, geo["spec"]["template"])
    unscheduled = {"type": "PodScheduled", "status": "False", "message": message}
    return [geo, rs, pod("geo-rs1-a", rs, phase="Pending", ready=False, conditions=[unscheduled])]


def test_pods_no_worker_tolerates_untaint_the_workers_not_the_control_plane() -> None:
    message = (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 node(s) had untolerated taint "
        "{maintenance: true}."
    )
    taint = {"key": "maintenance", "value": "true", "effect": "NoSchedule"}
    cp_taint = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    nodes = [
        node("cp", taints=[cp_taint], control_plane=True),
        node("w1", taints=[taint]),
        node("w2", taints=[taint]),
    ]
    found = scheduling.analyze(situation(_pending(message), nodes=nodes))
    assert _commands(found) == [
        "kubectl taint nodes w1 maintenance:NoSchedule-",
        "kubectl taint nodes w2 maintenance:NoSchedule-",
    ]


def test_pods_waiting_for_cordoned_workers_uncordon_them() -> None:
    message = "0/3 nodes are available: 3 node(s) were unschedulable."
    nodes = [node("cp", control_plane=True), node("w1", unschedulable=True), node("w2")]
    found = scheduling.analyze(situation(_pending(message), nodes=nodes))
    assert _commands(found) == ["kubectl uncordon w1"]


def test_a_quota_that_refuses_new_pods_is_raised() -> None:
    geo = deployment("geo", available=0)
    rs = replicaset(geo, 1, geo["spec"]["template"])
    refused = event(
        "ReplicaSet",
        "geo-rs1",
        "FailedCreate",
        'Error creating: pods "geo-rs1-x" is forbidden: exceeded quota: budget, '
        "requested: pods=1, used: pods=18, limited: pods=18",
    )
    found = scheduling.analyze(situation([geo, rs, refused]))
    assert found[0].category == "quota"
    assert _commands(found)[0] == (
        f"kubectl patch resourcequota/budget -n {NS} --type=merge -p "
        + shlex.quote('{"spec":{"hard":{"pods":"20"}}}')
    )
    assert _commands(found)[1] == f"kubectl delete resourcequota/budget -n {NS}"


def test_a_configmap_that_drifted_is_restored_and_its_readers_restarted() -> None:
    mount = {"volumes": [{"name": "cfg", "configMap": {"name": "flags"}}]}
    flagd = deployment("flagd", pod_spec=mount)
    now = {"kind": "ConfigMap", "metadata": {"name": "flags"}, "data": {"f.json": "on"}}
    healthy = {**copy.deepcopy(now), "data": {"f.json": "off"}}
    found = changes.analyze(situation([flagd, now], known=[healthy]))
    patch = [{"op": "replace", "path": "/data", "value": {"f.json": "off"}}]
    assert _commands(found) == [
        shlex.join(
            ["kubectl", "patch", "configmap/flags", "-n", NS, "--type=json", "-p", _json(patch)]
        ),
        f"kubectl rollout restart deployment/flagd -n {NS}",
    ]


def test_a_deny_all_policy_in_front_of_a_called_service_is_removed() -> None:
    geo = deployment("geo")
    rs = replicaset(geo, 1, geo["spec"]["template"])
    policy = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny-geo"},
        "spec": {"podSelector": {"matchLabels": {"app": "geo"}}, "policyTypes": ["Ingress"]},
    }
    timeouts = [CallFailure("search", "geo", "timeout", "context deadline exceeded", 20)]
    sit = situation(
        [geo, rs, pod("geo-rs1-a", rs), service("geo", {"app": "geo"}), policy],
        edges=[("search", "geo")],
        failures=timeouts,
    )
    found = network.analyze(sit)
    assert _commands(found) == [f"kubectl delete networkpolicy/deny-geo -n {NS}"]
    assert found[0].confidence > 0.8


def test_earlier_images_come_only_from_before_the_current_rollout() -> None:
    geo, old, new = _broken_rollout("shop/geo:buggy")
    field = "spec.containers{app}"
    pulled = [
        event(
            "Pod",
            "geo-rs1-a",
            "Pulling",
            'Pulling image "shop/app:1"',
            "2026-01-01T00:01:00Z",
            field,
        ),
        event(
            "Pod", "geo-rs2-b", "Pulling", 'Pulling image "pause:3"', "2026-01-01T00:29:00Z", field
        ),
    ]
    del old["metadata"]["ownerReferences"]  # the old ReplicaSet was deleted: no history left
    sit = situation([geo, new, *pulled])
    evidence, actions = changes.history(sit, geo)
    assert [a.commands for a in actions] == [
        (f"kubectl set image deployment/geo -n {NS} app=shop/app:1",)
    ]
    assert "shop/app:1" in evidence[0]


def test_revisions_rolled_out_after_the_incident_began_are_not_rollback_targets() -> None:
    geo, old, new = _broken_rollout()
    later = replicaset(
        geo,
        3,
        deployment("geo", containers=[container(image="x:9")])["spec"]["template"],
        created="2026-01-01T00:40:00Z",
    )
    geo["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "4"  # rev 2 again
    _, actions = changes.history(situation([geo, old, new, later]), geo)
    assert [a.commands[0].split("--to-revision=")[1] for a in actions] == ["1"]


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
