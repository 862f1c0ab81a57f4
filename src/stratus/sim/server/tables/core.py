"""Printers for core/v1 kinds, with the columns and cell rules kubectl users know."""

from __future__ import annotations

from typing import Any

from stratus.sim.clock import parse_timestamp
from stratus.sim.server.tables.base import (
    AGE,
    NAME,
    Cell,
    Column,
    Printer,
    age,
    format_labels,
    human_duration,
    since,
)
from stratus.sim.store import Obj

__all__ = ["CORE_PRINTERS", "access_modes", "pod_status_reason", "quantity_string"]


def _s(description: str, name: str, priority: int = 0, type_: str = "string") -> Column:
    return Column(name, type=type_, description=description, priority=priority)


# -- Pod -----------------------------------------------------------------------------------


def pod_status_reason(pod: Obj, now: float) -> tuple[str, int, int, str]:
    """(STATUS, ready containers, total containers, RESTARTS) as kubectl shows them."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    init_specs = spec.get("initContainers") or []
    total = len(spec.get("containers") or [])
    ready = restarts = sidecar_restarts = 0
    last_restart = last_sidecar_restart = 0.0
    reason = status.get("reason") or status.get("phase", "")
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total += len(sidecars)
    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        finished = _finished(cs)
        last_restart = max(last_restart, finished)
        sidecar = cs.get("name") in sidecars
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            last_sidecar_restart = max(last_sidecar_restart, finished)
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode") == 0:
            continue
        if sidecar and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if terminated:
            if terminated.get("reason"):
                reason = "Init:" + terminated["reason"]
            elif terminated.get("signal"):
                reason = f"Init:Signal:{terminated['signal']}"
            else:
                reason = f"Init:ExitCode:{terminated.get('exitCode', 0)}"
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    initialized = any(
        c.get("type") == "Initialized" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    if not initializing or initialized:
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            last_restart = max(last_restart, _finished(cs))
            state = cs.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated:
                signal = terminated.get("signal", 0)
                reason = f"Signal:{signal}" if signal else f"ExitCode:{terminated.get('exitCode')}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            pod_ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or []
            )
            reason = "Running" if pod_ready else "NotReady"
    deleting = pod["metadata"].get("deletionTimestamp")
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and status.get("phase") not in ("Succeeded", "Failed"):
        reason = "Terminating"
    restart_text = str(restarts)
    if restarts and last_restart:
        restart_text = f"{restarts} ({human_duration(now - last_restart)} ago)"
    return reason, ready, total, restart_text


def _finished(container_status: dict[str, Any]) -> float:
    terminated = (container_status.get("lastState") or {}).get("terminated") or {}
    finished = terminated.get("finishedAt")
    return parse_timestamp(finished) if finished else 0.0


def _pod_row(pod: Obj, now: float) -> list[Cell]:
    reason, ready, total, restarts = pod_status_reason(pod, now)
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ips = status.get("podIPs") or ([{"ip": status["podIP"]}] if status.get("podIP") else [])
    gates = spec.get("readinessGates") or []
    gate_text = "<none>"
    if gates:
        conditions = status.get("conditions") or []
        passed = 0
        for gate in gates:
            for cond in conditions:
                if cond.get("type") == gate.get("conditionType"):
                    passed += cond.get("status") == "True"
                    break
        gate_text = f"{passed}/{len(gates)}"
    return [
        pod["metadata"]["name"],
        f"{ready}/{total}",
        reason,
        restarts,
        age(pod, now),
        ips[0]["ip"] if ips else "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gate_text,
    ]


def _pod_conditions(pod: Obj) -> list[dict[str, str]] | None:
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Succeeded",
                "message": "The pod has completed successfully.",
            }
        ]
    if phase == "Failed":
        return [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Failed",
                "message": "The pod failed.",
            }
        ]
    return None


# -- Node ----------------------------------------------------------------------------------


def _node_row(node: Obj, now: float) -> list[Cell]:
    status, spec = node.get("status") or {}, node.get("spec") or {}
    state = "Unknown"
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Ready":
            state = "Ready" if cond.get("status") == "True" else "NotReady"
    if spec.get("unschedulable"):
        state += ",SchedulingDisabled"
    roles: set[str] = set()
    for key, value in (node["metadata"].get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key.split("/", 1)[1]:
            roles.add(key.split("/", 1)[1])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    info = status.get("nodeInfo") or {}

    def address(kind: str) -> str:
        for entry in status.get("addresses") or []:
            if entry.get("type") == kind:
                return str(entry.get("address", ""))
        return "<none>"

    return [
        node["metadata"]["name"],
        state,
        ",".join(sorted(roles)) or "<none>",
        age(node, now),
        info.get("kubeletVersion", ""),
        address("InternalIP"),
        address("ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


# -- Service and endpoints -------------------------------------------------------------------


def _service_row(svc: Obj, now: float) -> list[Cell]:
    spec = svc.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    external = ",".join(spec.get("externalIPs") or []) or "<none>"
    if kind == "LoadBalancer":
        ingress = sorted(
            {
                i.get("ip") or i.get("hostname", "")
                for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
            }
        )
        lb = ",".join(ingress)
        if spec.get("externalIPs"):
            external = ",".join([*ingress, *spec["externalIPs"]])
        else:
            external = lb or "<pending>"
    elif kind == "ExternalName":
        external = spec.get("externalName", "")
    elif kind not in ("ClusterIP", "NodePort"):
        external = "<unknown>"
    ports = []
    for port in spec.get("ports") or []:
        protocol = port.get("protocol", "TCP")
        if port.get("nodePort"):
            ports.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            ports.append(f"{port.get('port')}/{protocol}")
    return [
        svc["metadata"]["name"],
        kind,
        cluster_ips[0] if cluster_ips else "<none>",
        external,
        ",".join(ports) or "<none>",
        age(svc, now),
        format_labels(spec.get("selector")),
    ]


def _endpoints_row(ep: Obj, now: float) -> list[Cell]:
    subsets = ep.get("subsets") or []
    if not subsets:
        text = "<none>"
    else:
        entries: list[str] = []
        count = 0
        for subset in subsets:
            addresses = subset.get("addresses") or []
            ports = subset.get("ports") or []
            if not ports:
                count += len(addresses)
                entries.extend(a.get("ip", "") for a in addresses)
            for port in ports:
                count += len(addresses)
                entries.extend(f"{a.get('ip', '')}:{port.get('port')}" for a in addresses)
        text = ",".join(entries[:3])
        if count > 3:
            text += f" + {count - 3} more..."
    return [ep["metadata"]["name"], text, age(ep, now)]


# -- Config, storage, events, quotas --------------------------------------------------------


def quantity_string(value: Any) -> str:
    if value is None:
        return "0"
    return str(value)


def access_modes(modes: list[str] | None) -> str:
    short = {
        "ReadWriteOnce": "RWO",
        "ReadOnlyMany": "ROX",
        "ReadWriteMany": "RWX",
        "ReadWriteOncePod": "RWOP",
    }
    present = set(modes or [])
    return ",".join(v for k, v in short.items() if k in present)


def _pv_row(pv: Obj, now: float) -> list[Cell]:
    spec, status = pv.get("spec") or {}, pv.get("status") or {}
    claim = spec.get("claimRef")
    phase = "Terminating" if pv["metadata"].get("deletionTimestamp") else status.get("phase", "")
    storage_class = (pv["metadata"].get("annotations") or {}).get(
        "volume.beta.kubernetes.io/storage-class", spec.get("storageClassName", "")
    )
    return [
        pv["metadata"]["name"],
        quantity_string((spec.get("capacity") or {}).get("storage")),
        access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy", ""),
        phase,
        f"{claim.get('namespace')}/{claim.get('name')}" if claim else "",
        storage_class,
        spec.get("volumeAttributesClassName") or "<unset>",
        status.get("reason", ""),
        age(pv, now),
        spec.get("volumeMode") or "<unset>",
    ]


def _pvc_row(pvc: Obj, now: float) -> list[Cell]:
    spec, status = pvc.get("spec") or {}, pvc.get("status") or {}
    bound = bool(spec.get("volumeName"))
    phase = "Terminating" if pvc["metadata"].get("deletionTimestamp") else status.get("phase", "")
    storage_class = (pvc["metadata"].get("annotations") or {}).get(
        "volume.beta.kubernetes.io/storage-class", spec.get("storageClassName") or ""
    )
    return [
        pvc["metadata"]["name"],
        phase,
        spec.get("volumeName", ""),
        quantity_string((status.get("capacity") or {}).get("storage")) if bound else "",
        access_modes(status.get("accessModes")) if bound else "",
        storage_class,
        spec.get("volumeAttributesClassName") or "<unset>",
        age(pvc, now),
        spec.get("volumeMode") or "<unset>",
    ]


def _event_row(ev: Obj, now: float) -> list[Cell]:
    first = since(ev.get("firstTimestamp") or ev.get("eventTime"), now)
    last = since(ev["lastTimestamp"], now) if ev.get("lastTimestamp") else first
    count = ev.get("count") or 1
    series = ev.get("series")
    if series:
        last = since(series.get("lastObservedTime"), now)
        count = series.get("count", count)
    involved = ev.get("involvedObject") or {}
    kind = str(involved.get("kind", "")).lower()
    obj = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = ev.get("source") or {}
    component = source.get("component") or ev.get("reportingComponent", "")
    instance = source.get("host") or ev.get("reportingInstance", "")
    return [
        last,
        ev.get("type", ""),
        ev.get("reason", ""),
        obj,
        involved.get("fieldPath", ""),
        f"{component}, {instance}" if instance else component,
        str(ev.get("message", "")).strip(),
        first,
        count,
        ev["metadata"]["name"],
    ]


def _quota_row(quota: Obj, now: float) -> list[Cell]:
    status = quota.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests: list[str] = []
    limits: list[str] = []
    for key in sorted(hard):
        entry = f"{key}: {quantity_string(used.get(key))}/{hard[key]}"
        (limits if key.split(".")[0] == "limits" else requests).append(entry)
    return [quota["metadata"]["name"], age(quota, now), ", ".join(requests), ", ".join(limits)]


CORE_PRINTERS: dict[str, Printer] = {
    "Namespace": Printer(
        (NAME, _s("The status of the namespace", "Status"), AGE),
        lambda o, now: [
            o["metadata"]["name"],
            (o.get("status") or {}).get("phase", ""),
            age(o, now),
        ],
    ),
    "Node": Printer(
        (
            NAME,
            _s("The status of the node", "Status"),
            _s("The roles of the node", "Roles"),
            AGE,
            _s("Kubelet Version reported by the node.", "Version"),
            _s("The node's internal address.", "Internal-IP", 1),
            _s("The node's external address.", "External-IP", 1),
            _s("OS Image reported by the node.", "OS-Image", 1),
            _s("Kernel Version reported by the node.", "Kernel-Version", 1),
            _s("Container runtime version reported by the node.", "Container-Runtime", 1),
        ),
        _node_row,
    ),
    "Pod": Printer(
        (
            NAME,
            _s("The aggregate readiness state of this pod for accepting traffic.", "Ready"),
            _s("The aggregate status of the containers in this pod.", "Status"),
            _s(
                "The number of times the containers in this pod have been restarted and when the "
                "last container in this pod has restarted.",
                "Restarts",
            ),
            AGE,
            _s("The pod's IP address.", "IP", 1),
            _s("The node the pod runs on.", "Node", 1),
            _s("The node the scheduler nominated.", "Nominated Node", 1),
            _s("Readiness gates that pass, of all declared.", "Readiness Gates", 1),
        ),
        _pod_row,
        _pod_conditions,
    ),
    "Service": Printer(
        (
            NAME,
            _s("The type of the service.", "Type"),
            _s("The cluster IP.", "Cluster-IP"),
            _s("External addresses.", "External-IP"),
            _s("The ports the service exposes.", "Port(s)"),
            AGE,
            _s("The label selector of the service.", "Selector", 1),
        ),
        _service_row,
    ),
    "Endpoints": Printer((NAME, _s("Ready endpoint addresses.", "Endpoints"), AGE), _endpoints_row),
    "ConfigMap": Printer(
        (NAME, _s("Number of keys.", "Data"), AGE),
        lambda o, now: [
            o["metadata"]["name"],
            len(o.get("data") or {}) + len(o.get("binaryData") or {}),
            age(o, now),
        ],
    ),
    "Secret": Printer(
        (NAME, _s("The type of the secret.", "Type"), _s("Number of keys.", "Data"), AGE),
        lambda o, now: [
            o["metadata"]["name"],
            o.get("type", ""),
            len(o.get("data") or {}),
            age(o, now),
        ],
    ),
    "ServiceAccount": Printer(
        (NAME, _s("Number of secrets.", "Secrets"), AGE),
        lambda o, now: [o["metadata"]["name"], len(o.get("secrets") or []), age(o, now)],
    ),
    "PersistentVolume": Printer(
        (
            NAME,
            _s("Storage capacity.", "Capacity"),
            _s("Access modes.", "Access Modes"),
            _s("Reclaim policy.", "Reclaim Policy"),
            _s("Phase.", "Status"),
            _s("The bound claim.", "Claim"),
            _s("Storage class.", "StorageClass"),
            _s("Volume attributes class.", "VolumeAttributesClass"),
            _s("Reason.", "Reason"),
            AGE,
            _s("Volume mode.", "VolumeMode", 1),
        ),
        _pv_row,
    ),
    "PersistentVolumeClaim": Printer(
        (
            NAME,
            _s("Phase.", "Status"),
            _s("The bound volume.", "Volume"),
            _s("Capacity.", "Capacity"),
            _s("Access modes.", "Access Modes"),
            _s("Storage class.", "StorageClass"),
            _s("Volume attributes class.", "VolumeAttributesClass"),
            AGE,
            _s("Volume mode.", "VolumeMode", 1),
        ),
        _pvc_row,
    ),
    "Event": Printer(
        (
            _s("Time since the event was last seen.", "Last Seen"),
            _s("Normal or Warning.", "Type"),
            _s("Short reason.", "Reason"),
            _s("The object the event is about.", "Object"),
            _s("Part of the object.", "Subobject", 1),
            _s("Who reported it.", "Source", 1),
            _s("What happened.", "Message"),
            _s("Time since first seen.", "First Seen", 1),
            _s("How many times.", "Count", 1),
            Column("Name", format="name", description="The event's name.", priority=1),
        ),
        _event_row,
    ),
    "ResourceQuota": Printer(
        (
            NAME,
            AGE,
            _s(
                "Request represents a minimum amount of cpu/memory that a container may consume.",
                "Request",
            ),
            _s(
                "Limits control the maximum amount of cpu/memory that a container may use "
                "independent of contention on the node.",
                "Limit",
            ),
        ),
        _quota_row,
    ),
}
