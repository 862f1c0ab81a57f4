"""The kubelets of every node: pull images, start containers as their image behaviours say,
restart them with back-off, run probes, write logs, report pod status and events.

The kubelet is level-triggered: ``sync(pod)`` looks at the pod and the kubelet's memory of it
at the current virtual time, moves each container's state machine as far as it can go, writes
the status, and asks to be woken at the next time something is due.
"""

from __future__ import annotations

import hashlib
from typing import Any

from stratus.sim.clock import format_timestamp
from stratus.sim.controllers.base import Controller, ControllerEnv, update_status
from stratus.sim.controllers.conditions import condition, set_condition
from stratus.sim.controllers.kubelet.config import missing_volume, resolve_config
from stratus.sim.controllers.kubelet.probes import listening_ports, run_probe
from stratus.sim.controllers.kubelet.registration import running_container
from stratus.sim.controllers.kubelet.runs import (
    ContainerRun,
    PodRun,
    ProbeState,
    container_status,
    fingerprint,
)
from stratus.sim.kinds.quantity import parse_quantity
from stratus.sim.store import Change, Obj, ObjectKey

__all__ = ["BACKOFF_STEPS", "Kubelet"]

BACKOFF_STEPS = (0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0)
_PULL_BYTES_PER_SECOND = 50 * 2**20
_RETRY_SECONDS = 10.0
_MOUNT_EVENT_EVERY = 120.0
_RESET_BACKOFF_AFTER = 600.0
_COMPONENT = "kubelet"


class Kubelet(Controller):
    name = "kubelet"
    resource = "pods"

    def __init__(self, env: ControllerEnv) -> None:
        super().__init__(env)
        self.runs: dict[str, PodRun] = {}
        env.containers.handle_exits(self._program_died)
        self.images: dict[str, set[str]] = {}  # node -> images present
        self._next_ip: dict[str, int] = {}
        self._serial = 0

    # -- queueing ------------------------------------------------------------------------

    def observe(self, change: Change) -> None:
        if change.resource == "pods":
            if (change.new.get("spec") or {}).get("nodeName"):
                meta = change.new["metadata"]
                self.enqueue(("pods", meta["namespace"], meta["name"]))
            if change.type == "DELETED":
                run = self.runs.pop(change.new["metadata"]["uid"], None)
                if run is not None:
                    for name in run.containers:
                        self.env.containers.remove(run.uid, name)
                    self.env.logs.forget(run.uid)
        elif change.resource in ("configmaps", "secrets"):
            namespace = change.new["metadata"].get("namespace", "")
            for run in self.runs.values():
                if run.mount_error or any(
                    c.phase == "config_wait" for c in run.containers.values()
                ):
                    pod = self.env.store.by_uid(run.uid)
                    if pod is not None and pod["metadata"]["namespace"] == namespace:
                        self.enqueue(("pods", namespace, pod["metadata"]["name"]))
        elif change.resource == "nodes":
            name = change.new["metadata"]["name"]
            was, now = _node_ready(change.old), _node_ready(change.new)
            if now and not was:
                for pod in self.env.store.iter("pods"):
                    if (pod.get("spec") or {}).get("nodeName") == name:
                        self.enqueue(
                            ("pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
                        )

    def wake(self, run: PodRun, key: ObjectKey, when: float) -> None:
        if run.wake_at is not None and run.wake_at <= when and run.wake_at > self.env.clock.now():
            return
        run.wake_at = when

        def fire() -> None:
            if run.wake_at == when:
                run.wake_at = None
            run.poked = True
            self.enqueue(key)

        self.env.clock.call_at(when, fire)

    def _program_died(self, pod_uid: str, name: str, code: int, reason: str, line: str) -> None:
        """A running program ended on its own (it met an error it treats as fatal)."""
        run = self.runs.get(pod_uid)
        pod = self.env.store.by_uid(pod_uid)
        c = run.containers.get(name) if run is not None else None
        if run is None or pod is None or c is None or c.state != "running":
            return
        c.end_at, c.end_code, c.end_reason, c.end_line = self.env.clock.now(), code, reason, line
        run.poked = True
        self.enqueue(("pods", pod["metadata"]["namespace"], pod["metadata"]["name"]))

    # -- the pod loop --------------------------------------------------------------------

    def sync(self, key: ObjectKey) -> None:
        pod = self.get(key)
        if pod is None:
            return
        run = self.runs.get(pod["metadata"]["uid"])
        if run is not None and self._quiet(pod, run):
            return
        node_name = (pod.get("spec") or {}).get("nodeName")
        node = self.env.store.get("nodes", "", node_name or "")
        if not node_name or node is None or not _node_ready(node):
            return
        if run is None:
            run = self.runs[pod["metadata"]["uid"]] = self._new_run(pod, node)
        run.poked = False
        now = self.env.clock.now()
        if pod["metadata"].get("deletionTimestamp"):
            self._terminate(pod, run, key)
            return
        if (pod.get("status") or {}).get("phase") in (
            "Succeeded",
            "Failed",
        ) and run.start_time < now:
            return
        mount_error = missing_volume(self.env.store, pod)
        if mount_error:
            run.mount_error = mount_error
            if now - run.mount_event_at >= _MOUNT_EVENT_EVERY:
                run.mount_event_at = now
                self._event(pod, "Warning", "FailedMount", mount_error)
            self._write_status(pod, run)
            self.wake(run, key, now + _RETRY_SECONDS)
            return
        run.mount_error = ""
        spec = pod.get("spec") or {}
        for container in spec.get("initContainers") or []:
            crun = self._container(pod, run, container, init=True)
            self._step(pod, run, crun, container, init=True)
            if not (crun.state == "terminated" and crun.exit_code == 0):
                break
        else:
            for container in spec.get("containers") or []:
                self._step(
                    pod,
                    run,
                    self._container(pod, run, container, init=False),
                    container,
                    init=False,
                )
        self._write_status(pod, run)
        due = [c.next_at for c in run.containers.values() if c.next_at > now]
        due += [
            p.next_at
            for c in run.containers.values()
            if c.state == "running"
            for p in c.probes.values()
            if p.next_at > now
        ]
        due += [
            c.end_at
            for c in run.containers.values()
            if c.state == "running" and c.end_at is not None and c.end_at > now
        ]
        due += [c.up_at for c in run.containers.values() if c.state == "running" and c.up_at > now]
        if due:
            self.wake(run, key, min(due))

    @staticmethod
    def _quiet(pod: Obj, run: PodRun) -> bool:
        """Nothing can have changed: the pod is as we last wrote it, no timer of ours fired,
        and no container waits on configuration (whose changes we are told about)."""
        return (
            not run.poked
            and run.written is not None
            and pod["metadata"].get("resourceVersion") == run.written_version
            and not pod["metadata"].get("deletionTimestamp")
            and not run.mount_error
            and all(
                c.phase not in ("config_wait", "blocked", "create", "pull")
                for c in run.containers.values()
            )
        )

    def _new_run(self, pod: Obj, node: Obj) -> PodRun:
        name = node["metadata"]["name"]
        cidr = (node.get("spec") or {}).get("podCIDR", "10.244.0.0/24")
        base = cidr.split("/")[0].rsplit(".", 1)[0]
        used = {r.ip for r in self.runs.values() if r.node == name}
        index = self._next_ip.get(name, 2)
        for _ in range(253):
            candidate = f"{base}.{index}"
            index = index + 1 if index < 254 else 2
            if candidate not in used:
                break
        self._next_ip[name] = index
        return PodRun(
            uid=pod["metadata"]["uid"], node=name, ip=candidate, start_time=self.env.clock.now()
        )

    def _container(self, pod: Obj, run: PodRun, spec: dict[str, Any], init: bool) -> ContainerRun:
        crun = run.containers.get(spec["name"])
        if crun is None:
            crun = run.containers[spec["name"]] = ContainerRun(
                spec["name"], init, spec.get("image", "")
            )
        elif crun.image != spec.get("image", "") and crun.phase not in ("done",):
            # Only the image of a pod's container may change; the kubelet restarts it.
            if crun.state == "running":
                self._event(
                    pod,
                    "Normal",
                    "Killing",
                    f"Container {crun.name} definition changed, will be restarted",
                    _field_path(spec, init),
                )
                if crun.launch is not None:
                    self._log_lines(run, crun, crun.launch.logs.stop)
            self.env.containers.remove(run.uid, crun.name)
            crun.image = spec.get("image", "")
            crun.phase, crun.state, crun.reason = "pull", "waiting", "ContainerCreating"
            crun.ready = crun.started = False
        return crun

    # -- one container's state machine ----------------------------------------------------

    def _step(
        self, pod: Obj, run: PodRun, c: ContainerRun, spec: dict[str, Any], init: bool
    ) -> None:
        now = self.env.clock.now()
        for _ in range(20):
            if c.phase == "pull":
                if not self._start_pull(pod, run, c, spec):
                    return
            elif c.phase == "pulling" and now >= c.next_at:
                self.images.setdefault(run.node, set()).add(c.image)
                self._event(
                    pod,
                    "Normal",
                    "Pulled",
                    f'Successfully pulled image "{c.image}" in '
                    f"{c.pull_seconds:.3f}s ({c.pull_seconds:.3f}s including waiting). "
                    f"Image size: {c.pull_size} bytes.",
                    _field_path(spec, init),
                )
                c.phase = "create"
            elif c.phase == "pull_failed" and now >= c.next_at:
                self._pull_failed(pod, c)
                return
            elif c.phase == "pull_backoff" and now >= c.next_at:
                c.phase = "pull"
            elif c.phase in ("create", "config_wait"):
                if c.phase == "config_wait" and now < c.next_at:
                    return
                if not self._create(pod, run, c, spec):
                    return
            elif c.phase == "running":
                if not self._running(pod, run, c, spec, init):
                    return
            elif c.phase == "backoff" and now >= c.next_at:
                if c.state == "terminated":
                    c.last_terminated = c.terminated()
                c.restart_count += 1
                c.phase = "pull"
            else:
                return

    def _start_pull(self, pod: Obj, run: PodRun, c: ContainerRun, spec: dict[str, Any]) -> bool:
        now = self.env.clock.now()
        policy = spec.get("imagePullPolicy", "IfNotPresent")
        present = c.image in self.images.get(run.node, set())
        c.state, c.reason, c.message = "waiting", c.reason or "ContainerCreating", c.message
        if c.restart_count == 0 and c.reason not in ("ErrImagePull", "ImagePullBackOff"):
            c.reason, c.message = "ContainerCreating", ""
        path = _field_path(spec, c.init)
        if policy == "Never" and not present:
            c.reason = "ErrImageNeverPull"
            c.message = f'Container image "{c.image}" is not present with pull policy of Never'
            self._event(pod, "Warning", "ErrImageNeverPull", c.message, path)
            c.phase = "blocked"
            return False
        if policy != "Always" and present:
            pulled = self.env.behaviours.pull(c.image)
            c.image_id = _image_id(pulled.ref.repository if pulled.ref else c.image, pulled.digest)
            if c.restart_count == 0:
                self._event(
                    pod,
                    "Normal",
                    "Pulled",
                    f'Container image "{c.image}" already present on machine',
                    path,
                )
            c.phase = "create"
            return True
        pulled = self.env.behaviours.pull(c.image)
        if pulled.ref is None:
            c.reason, c.message = "InvalidImageName", pulled.error
            self._event(pod, "Warning", "InspectFailed", pulled.error, path)
            self._event(pod, "Warning", "Failed", "Error: InvalidImageName", path)
            c.phase = "blocked"
            return False
        self._event(pod, "Normal", "Pulling", f'Pulling image "{c.image}"', path)
        if not pulled.found:
            c.phase, c.next_at = "pull_failed", now + 1.0
            c.message = pulled.error
            return False
        seconds = round(0.3 + pulled.size / _PULL_BYTES_PER_SECOND, 3)
        c.image_id = _image_id(pulled.ref.repository, pulled.digest)
        c.phase, c.next_at = "pulling", now + seconds
        c.pull_seconds = seconds
        c.pull_size = pulled.size
        return False

    def _pull_failed(self, pod: Obj, c: ContainerRun) -> None:
        now = self.env.clock.now()
        path = _field_path({"name": c.name}, c.init)
        if c.reason != "ErrImagePull":
            c.reason = "ErrImagePull"
            self._event(
                pod, "Warning", "Failed", f'Failed to pull image "{c.image}": {c.message}', path
            )
            self._event(pod, "Warning", "Failed", "Error: ErrImagePull", path)
            c.next_at = now + 1.0
            return
        c.pull_backoff = min(300.0, c.pull_backoff * 2 if c.pull_backoff else 10.0)
        c.reason = "ImagePullBackOff"
        c.message = (
            f'Back-off pulling image "{c.image}": ErrImagePull: {c.message}'
            if not c.message.startswith("Back-off")
            else c.message
        )
        self._event(pod, "Normal", "BackOff", f'Back-off pulling image "{c.image}"', path)
        self._event(pod, "Warning", "Failed", "Error: ImagePullBackOff", path)
        c.phase, c.next_at = "pull_backoff", now + c.pull_backoff

    def _create(self, pod: Obj, run: PodRun, c: ContainerRun, spec: dict[str, Any]) -> bool:
        now = self.env.clock.now()
        path = _field_path(spec, c.init)
        config = resolve_config(self.env.store, pod, spec)
        if config.error:
            c.state, c.reason, c.message = "waiting", "CreateContainerConfigError", config.error
            self._event(pod, "Warning", "Failed", f"Error: {config.error}", path)
            c.phase, c.next_at = "config_wait", now + _RETRY_SECONDS
            return False
        image_spec = self.env.behaviours.spec_for(c.image)
        launch = self.env.behaviours.launch(
            image_spec, spec.get("command"), spec.get("args"), set(config.env), set(config.files)
        )
        c.config, c.launch = config, launch
        self._serial += 1
        c.container_id = (
            "containerd://"
            + hashlib.sha256(
                f"{run.uid}/{c.name}/{c.restart_count}/{self.env.rng.random()}".encode()
            ).hexdigest()
        )
        self._event(pod, "Normal", "Created", f"Created container: {c.name}", path)
        c.started_at = now
        self.env.logs.start_instance(run.uid, c.name)
        if launch.start_error:
            self._event(pod, "Warning", "Failed", f"Error: {launch.start_error}", path)
            self._exited(pod, c, 128, "StartError", launch.start_error, spec)
            return True
        self._event(pod, "Normal", "Started", f"Started container {c.name}", path)
        c.state, c.reason, c.message = "running", "", ""
        c.ready = False
        c.started = "startupProbe" not in spec
        c.up_at = now + launch.program.startup
        c.ready_logged = False
        self._log_lines(run, c, launch.logs.start)
        c.end_at, c.end_code, c.end_reason, c.end_line = None, 0, "", ""
        limit = ((spec.get("resources") or {}).get("limits") or {}).get("memory")
        if launch.crash_line:
            c.end_at = now + min(0.5, launch.program.startup)
            c.end_code, c.end_reason, c.end_line = launch.crash_code, "Error", launch.crash_line
        elif limit is not None and _quantity(limit) < launch.memory:
            c.end_at = now + min(2.0, launch.program.startup + 0.5)
            c.end_code, c.end_reason, c.end_line = 137, "OOMKilled", launch.logs.crash.oom
        elif launch.exits is not None:
            c.end_at = now + launch.exits.after
            c.end_code = launch.exits.code
            c.end_reason = "Completed" if launch.exits.code == 0 else "Error"
        c.probes = {}
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = spec.get(kind)
            if probe:
                c.probes[kind] = ProbeState(next_at=now + probe.get("initialDelaySeconds", 0))
        c.phase = "running"
        ports = listening_ports(launch.program, spec)
        self.env.containers.add(
            running_container(
                self.env.store, pod, run, c, spec, ports, self.env.behaviours.spec_for(c.image)
            )
        )
        return True

    def _running(
        self, pod: Obj, run: PodRun, c: ContainerRun, spec: dict[str, Any], init: bool
    ) -> bool:
        now = self.env.clock.now()
        launch = c.launch
        assert launch is not None
        serving = now >= c.up_at
        dying = c.end_at is not None and now >= c.end_at
        if (
            serving
            and not c.ready_logged
            and not (dying and c.end_at is not None and c.end_at < c.up_at)
        ):
            c.ready_logged = True
            self._log_lines(run, c, launch.logs.ready)
        if dying:
            if c.end_line:
                self._log_lines(run, c, [c.end_line])
            self._exited(pod, c, c.end_code, c.end_reason, "", spec)
            return True
        if init:
            return False
        if not spec.get("readinessProbe") and c.started:
            c.ready = True
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            state = c.probes.get(kind)
            if state is None or now < state.next_at:
                continue
            if kind != "startupProbe" and not c.started:
                state.next_at = now + spec[kind].get("periodSeconds", 10)
                continue
            if kind == "startupProbe" and c.started:
                continue
            if self._probe(pod, run, c, spec, kind, state, serving):
                return True
        return False

    def _probe(
        self,
        pod: Obj,
        run: PodRun,
        c: ContainerRun,
        spec: dict[str, Any],
        kind: str,
        state: ProbeState,
        serving: bool,
    ) -> bool:
        """Run one probe; True if it killed the container."""
        probe = spec[kind]
        now = self.env.clock.now()
        launch = c.launch
        assert launch is not None
        assert c.config is not None
        state.next_at = now + probe.get("periodSeconds", 10)
        result = run_probe(
            probe, launch.program, spec, run.ip, serving, set(c.config.files), c.config.directories
        )
        label = {
            "startupProbe": "Startup",
            "livenessProbe": "Liveness",
            "readinessProbe": "Readiness",
        }[kind]
        if result.ok:
            state.successes += 1
            state.failures = 0
            if kind == "startupProbe":
                c.started = True
            elif kind == "readinessProbe" and state.successes >= probe.get("successThreshold", 1):
                c.ready = True
            return False
        state.failures += 1
        state.successes = 0
        if result.message:
            self._event(
                pod,
                "Warning",
                "Unhealthy",
                f"{label} probe failed: {result.message}",
                _field_path(spec, c.init),
            )
        if state.failures < probe.get("failureThreshold", 3):
            return False
        if kind == "readinessProbe":
            c.ready = False
            return False
        self._event(
            pod,
            "Normal",
            "Killing",
            f"Container {c.name} failed {label.lower()} probe, will be restarted",
            _field_path(spec, c.init),
        )
        self._log_lines(run, c, launch.logs.stop)
        self._exited(pod, c, 137, "Error", "", spec)
        return True

    def _exited(
        self, pod: Obj, c: ContainerRun, code: int, reason: str, message: str, spec: dict[str, Any]
    ) -> None:
        now = self.env.clock.now()
        ran = now - c.started_at
        self.env.containers.remove(pod["metadata"]["uid"], c.name)
        c.state, c.exit_code, c.reason, c.message = "terminated", code, reason, message
        c.finished_at = now
        c.ready = c.started = False
        policy = (pod.get("spec") or {}).get("restartPolicy", "Always")
        if c.init and policy == "Always":
            policy = "OnFailure"
        restart = policy == "Always" or (policy == "OnFailure" and code != 0)
        if not restart:
            c.phase = "done"
            return
        if ran >= _RESET_BACKOFF_AFTER:
            c.backoff_index = 0
        delay = BACKOFF_STEPS[min(c.backoff_index, len(BACKOFF_STEPS) - 1)]
        c.backoff_index += 1
        c.phase, c.next_at = "backoff", now + delay
        if delay > 0:
            meta = pod["metadata"]
            self._event(
                pod,
                "Warning",
                "BackOff",
                f"Back-off restarting failed container "
                f"{c.name} in pod {meta['name']}_"
                f"{meta['namespace']}({meta['uid']})",
                _field_path(spec, c.init),
            )
            c.last_terminated = c.terminated()
            c.state, c.reason = "waiting", "CrashLoopBackOff"
            c.message = (
                f"back-off {int(delay)}s restarting failed container={c.name} "
                f"pod={meta['name']}_{meta['namespace']}({meta['uid']})"
            )

    # -- termination -----------------------------------------------------------------------

    def _terminate(self, pod: Obj, run: PodRun, key: ObjectKey) -> None:
        now = self.env.clock.now()
        meta = pod["metadata"]
        if run.stopping_at is None:
            grace = float(meta.get("deletionGracePeriodSeconds") or 0)
            shutdown = 0.0
            for c in run.containers.values():
                if c.state == "running" and c.launch is not None:
                    self._event(
                        pod,
                        "Normal",
                        "Killing",
                        f"Stopping container {c.name}",
                        f"spec.containers{{{c.name}}}",
                    )
                    self._log_lines(run, c, c.launch.logs.stop)
                    shutdown = max(shutdown, c.launch.program.shutdown)
            run.stopping_at = now + min(grace, shutdown)
        if now < run.stopping_at:
            self.wake(run, key, run.stopping_at)
            return
        for c in run.containers.values():
            self.env.containers.remove(run.uid, c.name)
        self.env.api.delete(
            self.env.api.kind("pods"), meta["namespace"], meta["name"], {"gracePeriodSeconds": 0}
        )

    # -- status ----------------------------------------------------------------------------

    def _write_status(self, pod: Obj, run: PodRun) -> None:
        state = fingerprint(run)
        if state == run.written and pod["metadata"].get("resourceVersion") == run.written_version:
            return
        spec = pod.get("spec") or {}
        old = pod.get("status") or {}
        now = self.env.clock.timestamp()
        inits = spec.get("initContainers") or []
        containers = spec.get("containers") or []
        init_runs = [run.containers.get(c["name"]) for c in inits]
        main_runs = [run.containers.get(c["name"]) for c in containers]
        initialized = all(
            r is not None and r.state == "terminated" and r.exit_code == 0 for r in init_runs
        )
        all_ready = initialized and all(r is not None and r.ready for r in main_runs)
        phase = _phase(spec, init_runs, main_runs, initialized)
        sandbox = not run.mount_error
        conditions = list(old.get("conditions") or [])
        for kind, ok, reason in (
            ("PodReadyToStartContainers", sandbox, ""),
            ("Initialized", initialized, "ContainersNotInitialized"),
            ("Ready", all_ready, "ContainersNotReady"),
            ("ContainersReady", all_ready, "ContainersNotReady"),
        ):
            entry: dict[str, Any] = {
                "type": kind,
                "status": "True" if ok else "False",
                "lastProbeTime": None,
                "lastTransitionTime": now,
            }
            if not ok and reason:
                entry["reason"] = reason
                group = inits if kind == "Initialized" else containers
                runs_of = init_runs if kind == "Initialized" else main_runs
                waiting = [
                    c["name"]
                    for c, r in zip(group, runs_of, strict=True)
                    if r is None
                    or not (r.ready or (r.init and r.exit_code == 0 and r.state == "terminated"))
                ]
                label = (
                    "containers with incomplete status"
                    if kind == "Initialized"
                    else "containers with unready status"
                )
                entry["message"] = f"{label}: [{' '.join(waiting)}]"
            conditions = set_condition(conditions, entry)
        if condition(conditions, "PodScheduled") is None:
            conditions = set_condition(
                conditions,
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": now,
                },
            )
        order = [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ]
        conditions.sort(key=lambda c: order.index(c["type"]) if c["type"] in order else 99)
        status: dict[str, Any] = {
            "phase": phase,
            "conditions": conditions,
            "hostIP": _node_ip(self.env, run.node),
            "hostIPs": [{"ip": _node_ip(self.env, run.node)}],
            "podIP": run.ip,
            "podIPs": [{"ip": run.ip}],
            "startTime": format_timestamp(run.start_time),
            "qosClass": old.get("qosClass", "BestEffort"),
        }
        if inits:
            status["initContainerStatuses"] = [
                container_status(r, c) if r is not None else _pending_status(c, "PodInitializing")
                for r, c in zip(init_runs, inits, strict=True)
            ]
        status["containerStatuses"] = [
            container_status(r, c)
            if r is not None
            else _pending_status(c, "PodInitializing" if inits else "ContainerCreating")
            for r, c in zip(main_runs, containers, strict=True)
        ]
        written = update_status(self.env.store, pod, status)
        run.written = state
        run.written_version = written["metadata"].get("resourceVersion", "")

    # -- helpers -------------------------------------------------------------------------

    def _event(self, pod: Obj, type_: str, reason: str, message: str, path: str = "") -> None:
        node = (pod.get("spec") or {}).get("nodeName", "")
        self.env.events.record(
            pod, type_, reason, message, component=_COMPONENT, host=node, field_path=path
        )

    def _log_lines(self, run: PodRun, c: ContainerRun, lines: list[str]) -> None:
        now = self.env.clock.now()
        stamp = format_timestamp(now)
        for line in lines:
            self.env.logs.write(run.uid, c.name, now, line.replace("{time}", stamp))


def _phase(
    spec: dict[str, Any],
    inits: list[ContainerRun | None],
    mains: list[ContainerRun | None],
    initialized: bool,
) -> str:
    policy = spec.get("restartPolicy", "Always")
    if any(r is not None and r.phase == "done" and r.exit_code != 0 for r in inits):
        return "Failed"
    if not initialized:
        return "Pending"
    if any(r is None for r in mains):
        return "Pending"
    done = [r for r in mains if r is not None and r.phase == "done"]
    if policy != "Always" and len(done) == len(mains):
        return "Succeeded" if all(r.exit_code == 0 for r in done) else "Failed"
    if any(
        r is not None
        and (r.state == "running" or r.restart_count > 0 or r.phase in ("backoff", "done"))
        for r in mains
    ):
        return "Running"
    return "Pending"


def _pending_status(spec: dict[str, Any], reason: str) -> dict[str, Any]:
    return {
        "name": spec["name"],
        "state": {"waiting": {"reason": reason}},
        "lastState": {},
        "ready": False,
        "restartCount": 0,
        "image": spec.get("image", ""),
        "imageID": "",
        "started": False,
    }


def _field_path(spec: dict[str, Any], init: bool) -> str:
    group = "initContainers" if init else "containers"
    return f"spec.{group}{{{spec['name']}}}"


def _image_id(repository: str, digest: str) -> str:
    return f"{repository}@{digest}" if digest else repository


def _quantity(value: Any) -> Any:
    try:
        return parse_quantity(value)
    except ValueError:
        return parse_quantity(0)


def _node_ready(node: Obj | None) -> bool:
    if node is None:
        return False
    ready = condition((node.get("status") or {}).get("conditions"), "Ready")
    return ready is not None and ready.get("status") == "True"


def _node_ip(env: ControllerEnv, name: str) -> str:
    node = env.store.get("nodes", "", name)
    for address in ((node or {}).get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address.get("address", ""))
    return ""
