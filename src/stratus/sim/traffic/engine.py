"""Requests through the emulated cloud.

Each tick, every running workload sends requests (Poisson arrivals at its rate); each request
follows the call graph the programs declare: DNS name -> Service -> a ready endpoint -> the
program listening there, which answers, fails or slows according to its own state, its
configuration and what its own calls return. Outcomes feed request metrics, traces, container
logs and CPU usage; programs that treat an error as fatal exit, and the kubelet restarts them.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass

from stratus.sim.behaviours import Call, Operation, Program
from stratus.sim.clock import VirtualClock, format_timestamp
from stratus.sim.runtime import ContainerTable, LogBook, RunningContainer
from stratus.sim.store import Obj, Store
from stratus.sim.telemetry.requests import RequestMetrics
from stratus.sim.telemetry.traces import Span, TraceStore
from stratus.sim.traffic.network import Network, Route
from stratus.sim.traffic.outcomes import Outcome, failure
from stratus.sim.traffic.stores import Stores
from stratus.sim.traffic.workload import Workload

__all__ = ["Traffic"]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_MAX_DEPTH = 12
_ERROR_LINES_PER_TICK = 20
_DEFAULT_CORES = 1.0


def expand(text: str, env: dict[str, str]) -> str:
    """``${VAR}`` and ``${VAR:-default}`` from a container's environment."""
    if "$" not in text:
        return text
    return _ENV.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), text)


@dataclass(slots=True)
class _Usage:
    busy_ms: float = 0.0  # this tick
    utilization: float = 0.0  # last tick
    cpu_seconds: float = 0.0  # cumulative
    throttled: float = 0.0  # cumulative CFS periods throttled
    requests: int = 0
    error_lines: int = 0


# A span as a request records it: its id and its parent's (None for the root), the container
# that served it (None for the client's root span), the service and operation, start and
# duration in microseconds, and the error message when it failed (None when it did not).
# Most traces are not sampled, so Span objects are only built for the ones that are kept.
_Record = tuple[int, int | None, RunningContainer | None, str, str, int, int, str | None]


@dataclass(slots=True)
class _Trace:
    trace_id: str
    records: list[_Record | None]  # in the order the spans started
    error: bool = False

    def spans(self) -> list[Span]:
        out = []
        for record in self.records:
            assert record is not None
            span_id, parent, dst, service, op, start_us, duration_us, message = record
            if dst is None:
                tags: dict[str, object] = {"span.kind": "client"}
                process: dict[str, str] = {}
            else:
                tags = {
                    "span.kind": "server",
                    "k8s.pod.name": dst.pod,
                    "k8s.namespace.name": dst.namespace,
                }
                process = {"hostname": dst.pod, "ip": dst.ip}
            if message is not None:
                tags["error.message"] = message
            out.append(
                Span(
                    self.trace_id,
                    f"{span_id:016x}",
                    "" if parent is None else f"{parent:016x}",
                    service,
                    op,
                    start_us,
                    duration_us,
                    message is not None,
                    tags,
                    process,
                )
            )
        return out


@dataclass(slots=True)
class _Dial:
    """What a call from one caller needs that depends only on the caller and the network
    snapshot: the addresses its name resolves to (or why it does not), the caller's pod, and
    the credentials with the caller's environment expanded. ``source`` and ``call`` are held
    so that the ids keying the cache stay theirs."""

    source: RunningContainer | None
    call: Call
    failed: Outcome | None
    ips: list[str]
    port: int
    src_pod: Obj | None
    user: str | None
    password: str | None
    db: str | None


@dataclass(slots=True)
class _Server:
    """What serving needs to know of a running container, looked up once (a running
    container never changes; ``container`` is held so that the id keying it stays its own)."""

    container: RunningContainer
    key: tuple[str, str]
    service: str
    program: Program
    operations: dict[str, Operation]  # by name and by HTTP path


_MAX_DIALS = 10_000  # the cache is rebuilt with the network snapshot, and bounded meanwhile
_MAX_SERVERS = 10_000  # containers come and go; the cache is emptied when it grows this big


class Traffic:
    def __init__(
        self,
        store: Store,
        clock: VirtualClock,
        containers: ContainerTable,
        logs: LogBook,
        rng: random.Random,
        *,
        tick: float = 1.0,
        trace_sample: float = 0.1,
    ) -> None:
        self.store = store
        self.clock = clock
        self.containers = containers
        self.logs = logs
        self.rng = rng
        self.tick_seconds = tick
        self.trace_sample = trace_sample
        self.network = Network(store, rng)
        self.stores = Stores()
        self.metrics = RequestMetrics()
        self.traces = TraceStore()
        self.usage: dict[tuple[str, str], _Usage] = {}
        self.workloads: dict[str, Workload] = {}
        self._ops: dict[int, dict[str, Operation]] = {}
        self._servers: dict[int, _Server] = {}
        self._dials: dict[tuple[int | str, int], _Dial] = {}
        self._dials_snapshot = -1
        self._entry_calls: dict[tuple[str, str], Call] = {}
        self._ids = 0
        containers.on_start(self._container_started)
        clock.call_later(tick, self._tick)

    # -- lifecycle -----------------------------------------------------------------------

    def start_workload(self, workload: Workload) -> None:
        self.workloads[workload.name] = workload

    def stop_workload(self, name: str) -> None:
        self.workloads.pop(name, None)

    def _container_started(self, container: RunningContainer) -> None:
        self.stores.started(container)
        program = container.launch.program
        if program.startup_calls:
            # dependencies are dialled while the program initialises, before it serves
            halfway = container.started_at + (container.up_at - container.started_at) / 2
            self.clock.call_at(halfway, lambda: self._startup(container))

    def _startup(self, container: RunningContainer) -> None:
        """A program dials its dependencies when it starts; a fatal failure ends it."""
        if self.containers.get(*container.key) is not container:
            return
        self.network.refresh(self.clock.now())
        for call in container.launch.program.startup_calls:
            outcome = self._call(container, call, None, 0, self.clock.now() * 1e6)
            if not outcome.ok:
                self._client_error(container, call, outcome)
                if self.containers.get(*container.key) is not container:
                    return

    # -- ticks ---------------------------------------------------------------------------

    def _tick(self) -> None:
        now = self.clock.now()
        self.network.refresh(now)
        dt = self.tick_seconds
        for key, usage in list(self.usage.items()):
            container = self.containers.get(*key)
            capacity = self._capacity_ms(container, dt) if container is not None else 1.0
            idle = self._idle_ms(container, dt) if container is not None else 0.0
            usage.utilization = (usage.busy_ms + idle) / capacity
            used = min(usage.busy_ms + idle, capacity)
            usage.cpu_seconds += used / 1000.0
            if container is not None and container.cpu_limit and usage.utilization > 0.8:
                usage.throttled += dt / 0.1 * min(1.0, usage.utilization - 0.8) * 5
            usage.busy_ms = 0.0
            usage.error_lines = 0
            if container is None:
                del self.usage[key]
        for container in self.containers:
            self.usage.setdefault(container.key, _Usage())
        for workload in list(self.workloads.values()):
            if workload.active(now):
                self._generate(workload, now - dt, now)
            elif workload.end is not None and now >= workload.end:
                del self.workloads[workload.name]
        self.traces.trim(now)
        self.clock.call_later(dt, self._tick)

    def _generate(self, workload: Workload, start: float, end: float) -> None:
        spec = workload.spec
        # the same draws as rng.choices(mix, weights), without re-adding the weights each time
        cum_weights = list(itertools.accumulate(m.weight for m in spec.mix))
        t = start + self.rng.expovariate(spec.rate) if spec.rate > 0 else end
        host = workload.target_host
        while t < end:
            entry = self.rng.choices(spec.mix, cum_weights=cum_weights)[0]
            call = self._entry_calls.get((host, entry.op))
            if call is None:
                call = self._entry_calls[(host, entry.op)] = Call(
                    to=host, op=entry.op, timeout_ms=10_000.0
                )
            outcome = self.request(None, call, workload.namespace, client=spec.client, at=t)
            workload.sent += 1
            if not outcome.ok:
                workload.failed += 1
            if len(workload.latencies_ms) < 100_000:
                workload.latencies_ms.append(outcome.latency_ms)
            t += self.rng.expovariate(spec.rate)

    # -- requests ------------------------------------------------------------------------

    def request(
        self,
        source: RunningContainer | None,
        call: Call,
        namespace: str = "default",
        *,
        client: str = "client",
        at: float | None = None,
    ) -> Outcome:
        """One request from ``source`` (or an outside client), traced from its root."""
        at = self.clock.now() if at is None else at
        self._ids += 1
        trace = _Trace(f"{self.rng.getrandbits(128):032x}", [None])
        start_us = at * 1e6
        root_id = self.rng.getrandbits(64)
        outcome = self._call(source, call, trace, 0, start_us, parent=root_id, namespace=namespace)
        trace.records[0] = (
            root_id,
            None,
            None,
            client,
            call.op,
            int(start_us),
            int(outcome.latency_ms * 1000),
            None if outcome.ok else outcome.message,
        )
        if trace.error or not outcome.ok or self.rng.random() < self.trace_sample:
            self.traces.add(trace.spans(), at)
        return outcome

    def _call(
        self,
        source: RunningContainer | None,
        call: Call,
        trace: _Trace | None,
        depth: int,
        start_us: float,
        *,
        parent: int | None = None,
        namespace: str = "default",
    ) -> Outcome:
        dial = self._dials.get((id(source) if source is not None else namespace, id(call)))
        if dial is None or self._dials_snapshot != self.network.snapshot:
            dial = self._dial(source, call, namespace)
        if dial.failed is not None:
            return dial.failed
        ips, port = dial.ips, dial.port
        ip = ips[0] if len(ips) == 1 else ips[self.rng.randrange(len(ips))]
        route = self.network.route(dial.src_pod, ip, port)
        if isinstance(route, Outcome):
            return _bounded(route, call)
        dst = self.containers.at(route.ip, route.port)
        if dst is None or not dst.serving(self.clock.now()):
            return failure("refused", f"dial tcp {ip}:{port}: connect: connection refused", 0.5)
        outcome = self._serve(dst, call, route, trace, depth, start_us, parent, dial)
        return outcome if outcome.latency_ms <= call.timeout_ms else _bounded(outcome, call)

    def _dial(self, source: RunningContainer | None, call: Call, namespace: str) -> _Dial:
        """The caller's side of a call, remembered for the current network snapshot."""
        if self._dials_snapshot != self.network.snapshot or len(self._dials) >= _MAX_DIALS:
            self._dials.clear()
            self._dials_snapshot = self.network.snapshot
        key = (id(source) if source is not None else namespace, id(call))
        dial = self._dials.get(key)
        if dial is None:
            dial = self._dials[key] = self._new_dial(source, call, namespace)
        return dial

    def _new_dial(self, source: RunningContainer | None, call: Call, namespace: str) -> _Dial:
        env = source.env if source is not None else {}
        target = expand(call.to, env)
        host, _, port_text = target.rpartition(":")
        dial = _Dial(source, call, None, [], 0, None, None, None, None)
        if not port_text.isdigit():
            dial.failed = failure(
                "dns", f"dial tcp: address {target}: missing port in address", 0.0
            )
            return dial
        dial.port = int(port_text)
        src_pod = self.network.pod_at(source.ip) if source is not None else None
        ns = source.namespace if source is not None else namespace
        policy = ((src_pod or {}).get("spec") or {}).get("dnsPolicy", "ClusterFirst")
        resolved = self.network.resolve(host, ns, policy, source.ip if source else "10.0.0.1")
        if isinstance(resolved, Outcome):
            dial.failed = resolved
            return dial
        dial.ips, dial.src_pod = resolved, src_pod
        dial.user = expand(call.user, env) if call.user else None
        dial.password = expand(call.password, env) if call.password else None
        dial.db = expand(call.db, env) if call.db else None
        return dial

    def _serve(
        self,
        dst: RunningContainer,
        call: Call,
        route: Route,
        trace: _Trace | None,
        depth: int,
        start_us: float,
        parent: int | None,
        dial: _Dial,
    ) -> Outcome:
        server = self._servers.get(id(dst))
        if server is None:
            server = self._server(dst)
        program = server.program
        span_id = None
        if trace is not None:
            span_id = self.rng.getrandbits(64)
            slot = len(trace.records)
            trace.records.append(None)  # filled in when the span ends, in start order
        key = server.key
        usage = self.usage.get(key)
        if usage is None:
            usage = self.usage[key] = _Usage()
        if program.store is not None:
            outcome = self.stores.handle(dst, call, dial.user, dial.password, dial.db)
            cpu_ms = 0.2
        else:
            operation = server.operations.get(call.op)
            if operation is None:
                outcome = failure("error", f"unknown operation {call.op!r}", 0.2, status=404)
                cpu_ms = 0.05
            else:
                outcome, cpu_ms = self._run(dst, operation, trace, depth, start_us, span_id)
        utilization = usage.utilization
        factor = 1.0 if utilization < 0.5 else _slowdown(utilization)
        latency = route.delay_ms + outcome.latency_ms * factor
        if utilization >= 1.0 and self.rng.random() < min(0.9, utilization - 0.95):
            outcome = failure("timeout", "context deadline exceeded", call.timeout_ms)
            latency = call.timeout_ms
        usage.busy_ms += cpu_ms
        usage.requests += 1
        final = Outcome(outcome.ok, latency, outcome.kind, outcome.message, outcome.status)
        service = server.service
        self.metrics.observe(dst.namespace, service, call.op, final.ok, latency)
        if trace is not None:
            assert span_id is not None
            message = None
            if not final.ok:
                trace.error = True
                message = final.message
            trace.records[slot] = (
                span_id,
                parent,
                dst,
                service,
                call.op,
                int(start_us + route.delay_ms * 1000),
                int(latency * 1000),
                message,
            )
        if program.request_logs is not None:
            self._request_log(dst, call.op, final, usage)
        return final

    def _server(self, dst: RunningContainer) -> _Server:
        if len(self._servers) >= _MAX_SERVERS:
            self._servers.clear()
        program = dst.launch.program
        ops = self._ops.get(id(program))
        if ops is None:
            ops = self._ops[id(program)] = {}
            for op in program.operations:
                ops[op.name] = op
                if op.path:
                    ops.setdefault(op.path, op)
        server = self._servers[id(dst)] = _Server(dst, dst.key, dst.service, program, ops)
        return server

    def _run(
        self,
        dst: RunningContainer,
        op: Operation,
        trace: _Trace | None,
        depth: int,
        start_us: float,
        span_id: int | None,
    ) -> tuple[Outcome, float]:
        own = op.time_ms * math.exp(self.rng.gauss(0.0, 0.25))
        cpu_ms = op.cpu_ms
        error_rate = op.error_rate
        message = "internal error"
        for flag, variants in op.flags.items():
            variant = self._flag(dst, flag)
            effect = variants.get(variant) if variant else None
            if effect is not None:
                own += effect.extra_ms
                cpu_ms *= effect.cpu_factor
                if effect.error_rate > error_rate:
                    error_rate, message = effect.error_rate, effect.message
        elapsed = own / 2
        if depth >= _MAX_DEPTH:
            return failure("error", "call depth exceeded", own), cpu_ms
        for call in op.calls:
            if call.probability < 1.0 and self.rng.random() >= call.probability:
                continue
            outcome = None
            for _attempt in range(call.retries + 1):
                outcome = self._call(
                    dst,
                    call,
                    trace,
                    depth + 1,
                    start_us + elapsed * 1000,
                    parent=span_id,
                )
                elapsed += outcome.latency_ms
                if outcome.ok:
                    break
            assert outcome is not None
            if not outcome.ok:
                self._client_error(dst, call, outcome)
                if not call.optional:
                    return failure(
                        "error",
                        outcome.message,
                        elapsed + own / 2,
                        status=outcome.status if outcome.status >= 500 else 500,
                    ), cpu_ms
        if error_rate and self.rng.random() < error_rate:
            return failure("error", message, elapsed + own / 2), cpu_ms
        return Outcome(True, elapsed + own / 2), cpu_ms

    def _flag(self, dst: RunningContainer, flag: str) -> str:
        target = expand("${FLAGD_HOST:-flagd}:${FLAGD_PORT:-8013}", dst.env)
        host, _, port = target.rpartition(":")
        resolved = self.network.resolve(host, dst.namespace, "ClusterFirst", dst.ip)
        if isinstance(resolved, Outcome) or not port.isdigit():
            return ""
        route = self.network.route(self.network.pod_at(dst.ip), resolved[0], int(port))
        if isinstance(route, Outcome):
            return ""
        flagd = self.containers.at(route.ip, route.port)
        if flagd is None or flagd.launch.program.store != "flagd":
            return ""
        return self.stores.flag_variant(flagd, flag)

    # -- consequences --------------------------------------------------------------------

    def _client_error(self, source: RunningContainer, call: Call, outcome: Outcome) -> None:
        """A program met an error calling ``call``: it logs it, and dies of the fatal kinds."""
        program = source.launch.program
        template = program.error_lines.get(outcome.kind) or program.error_lines.get("any")
        peer = expand(call.to, source.env)
        if outcome.kind in program.fatal:
            line = (template or "{time} fatal: {error}").replace("{error}", outcome.message)
            line = line.replace("{peer}", peer).replace(
                "{time}", format_timestamp(self.clock.now())
            )
            self.containers.request_exit(source.pod_uid, source.container, 2, "Error", line)
            return
        usage = self.usage.setdefault(source.key, _Usage())
        if template is not None and usage.error_lines < _ERROR_LINES_PER_TICK:
            usage.error_lines += 1
            self._log(source, template.replace("{error}", outcome.message).replace("{peer}", peer))

    def _request_log(self, dst: RunningContainer, op: str, outcome: Outcome, usage: _Usage) -> None:
        config = dst.launch.program.request_logs
        if config is None:
            return
        if outcome.ok:
            if self.rng.random() >= config.sample:
                return
            template = config.ok
        else:
            if usage.error_lines >= _ERROR_LINES_PER_TICK:
                return
            usage.error_lines += 1
            template = config.error
        self._log(
            dst,
            template.replace("{op}", op)
            .replace("{status}", str(outcome.status))
            .replace("{ms}", f"{outcome.latency_ms:.1f}")
            .replace("{error}", outcome.message),
        )

    def _log(self, container: RunningContainer, line: str) -> None:
        now = self.clock.now()
        self.logs.write(
            container.pod_uid,
            container.container,
            now,
            line.replace("{time}", format_timestamp(now)),
        )

    # -- capacity --------------------------------------------------------------------------

    @staticmethod
    def _capacity_ms(container: RunningContainer, dt: float) -> float:
        cores = container.cpu_limit if container.cpu_limit else _DEFAULT_CORES
        return max(cores, 0.001) * 1000.0 * dt

    @staticmethod
    def _idle_ms(container: RunningContainer, dt: float) -> float:
        return float(container.launch.cpu) * 1000.0 * dt

    def cpu_seconds(self, container: RunningContainer) -> float:
        usage = self.usage.get(container.key)
        return usage.cpu_seconds if usage is not None else 0.0

    def usage_of(self, container: RunningContainer) -> tuple[float, float]:
        """CPU seconds used and CFS periods throttled so far (for cAdvisor)."""
        usage = self.usage.get(container.key)
        return (usage.cpu_seconds, usage.throttled) if usage is not None else (0.0, 0.0)

    def utilization(self, container: RunningContainer) -> float:
        usage = self.usage.get(container.key)
        return usage.utilization if usage is not None else 0.0


def _slowdown(utilization: float) -> float:
    """M/M/1-style queueing: service time stretches as a container nears saturation."""
    if utilization < 0.5:
        return 1.0
    if utilization < 0.95:
        return 1.0 / (1.0 - utilization) / 2.0
    return 10.0 * utilization


def _bounded(outcome: Outcome, call: Call) -> Outcome:
    if outcome.latency_ms > call.timeout_ms:
        return failure("timeout", "context deadline exceeded", call.timeout_ms)
    return outcome
