"""The cluster network as clients see it: DNS names, Service virtual IPs and ports,
endpoints, network policies and injected network chaos.

Rebuilt from the store whenever it changes; every lookup is answered from plain dicts.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from typing import Any

from stratus.sim.clock import parse_timestamp
from stratus.sim.store import Obj, Store, selector_from_object
from stratus.sim.traffic.outcomes import Outcome, failure

__all__ = ["DNS_IP", "Network", "Route"]

DNS_IP = "10.96.0.10"
_CLUSTER_DOMAIN = "cluster.local"
_MAX_REMEMBERED = 10_000  # answers kept per snapshot


@dataclass(frozen=True, slots=True)
class Route:
    """Where a connection lands: a pod address and port, plus any injected delay."""

    ip: str
    port: int
    delay_ms: float = 0.0


@dataclass
class _Service:
    name: str
    namespace: str
    cluster_ip: str
    headless: bool
    ports: dict[int, str]  # service port -> port name
    addresses: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # name -> (ip, port)


@dataclass
class _Chaos:
    action: str
    namespaces: set[str]
    selector: Any  # LabelSelector
    loss: float
    delay_ms: float
    direction: str
    target: Any | None  # LabelSelector of the other side for partitions


class Network:
    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self._revision = -1
        self.snapshot = 0  # counts the rebuilds: what callers key their own caches on
        self._services: dict[tuple[str, str], _Service] = {}
        self._by_ip: dict[str, _Service] = {}
        self._pods_by_ip: dict[str, Obj] = {}
        self._pod_dns: dict[tuple[str, str, str], str] = {}  # (hostname, subdomain, ns) -> ip
        self._policies: dict[str, list[Obj]] = {}
        self._chaos: list[_Chaos] = []
        self._namespaces: set[str] = set()
        self._dns_up = True
        # answers of resolve() for this snapshot: (host, namespace, policy, pod ip) -> answer
        self._resolved: dict[tuple[str, str, str, str], list[str] | Outcome] = {}
        # route()'s lookups for this snapshot: address -> pod addresses, pod address -> pod
        self._targets: dict[tuple[str, int], list[tuple[str, int]] | Outcome] = {}
        self._endpoints: dict[tuple[str, int], tuple[Obj, Route] | Outcome] = {}

    # -- snapshot --------------------------------------------------------------------------

    def refresh(self, now: float) -> None:
        if self.store.revision == self._revision:
            return
        self._revision = self.store.revision
        self.snapshot += 1
        self._resolved = {}
        self._targets = {}
        self._endpoints = {}
        store = self.store
        self._namespaces = {ns["metadata"]["name"] for ns in store.iter("namespaces")}
        self._services = {}
        self._by_ip = {}
        for svc in store.iter("services"):
            spec = svc.get("spec") or {}
            if spec.get("type") == "ExternalName":
                continue
            entry = _Service(
                svc["metadata"]["name"],
                svc["metadata"]["namespace"],
                spec.get("clusterIP", ""),
                spec.get("clusterIP") == "None",
                {int(p["port"]): p.get("name", "") for p in spec.get("ports") or []},
            )
            ep = store.get("endpoints", entry.namespace, entry.name) or {}
            for subset in ep.get("subsets") or []:
                for port in subset.get("ports") or []:
                    entry.addresses.setdefault(port.get("name", ""), []).extend(
                        (a["ip"], int(port["port"])) for a in subset.get("addresses") or []
                    )
            self._services[(entry.namespace, entry.name)] = entry
            if entry.cluster_ip and not entry.headless:
                self._by_ip[entry.cluster_ip] = entry
        self._pods_by_ip = {}
        self._pod_dns = {}
        for pod in store.iter("pods"):
            ip = (pod.get("status") or {}).get("podIP")
            if not ip or pod["metadata"].get("deletionTimestamp"):
                continue
            self._pods_by_ip[ip] = pod
            spec = pod.get("spec") or {}
            if spec.get("hostname") and spec.get("subdomain"):
                self._pod_dns[
                    (spec["hostname"], spec["subdomain"], pod["metadata"]["namespace"])
                ] = ip
        self._policies = {}
        for policy in store.iter("networkpolicies.networking.k8s.io"):
            self._policies.setdefault(policy["metadata"]["namespace"], []).append(policy)
        dns = self._services.get(("kube-system", "kube-dns"))
        self._dns_up = dns is not None and any(dns.addresses.values())
        self._chaos = [
            c
            for c in (_chaos(obj, now) for obj in store.iter("networkchaos.chaos-mesh.org"))
            if c is not None
        ]

    def pod_at(self, ip: str) -> Obj | None:
        return self._pods_by_ip.get(ip)

    # -- names -----------------------------------------------------------------------------

    def resolve(
        self, host: str, namespace: str, dns_policy: str, pod_ip: str
    ) -> list[str] | Outcome:
        """The IPs a name resolves to from a pod, or the resolver's error. The answer depends
        only on the snapshot, so it is remembered until the next refresh; callers must not
        change the list."""
        key = (host, namespace, dns_policy, pod_ip)
        answer = self._resolved.get(key)
        if answer is None:
            if len(self._resolved) >= _MAX_REMEMBERED:  # e.g. many names looked up by hand
                self._resolved.clear()
            answer = self._resolved[key] = self._resolve(host, namespace, dns_policy, pod_ip)
        return answer

    def _resolve(
        self, host: str, namespace: str, dns_policy: str, pod_ip: str
    ) -> list[str] | Outcome:
        if not host:
            return failure("dns", "dial tcp: missing address", 0.0)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return [host]
        if dns_policy not in ("ClusterFirst", "ClusterFirstWithHostNet"):
            return failure("dns", f"dial tcp: lookup {host} on 172.18.0.1:53: no such host", 1.0)
        if not self._dns_up:
            return failure(
                "dns",
                f"dial tcp: lookup {host} on {DNS_IP}:53: read udp "
                f"{pod_ip}:41234->{DNS_IP}:53: i/o timeout",
                5000.0,
            )
        parts = host.rstrip(".").split(".")
        suffix = ["svc", *_CLUSTER_DOMAIN.split(".")]
        if parts[-len(suffix) :] == suffix:
            parts = parts[: -len(suffix)]
        elif parts[-1:] == ["svc"]:
            parts = parts[:-1]
        candidates: list[tuple[str, ...]] = []
        if len(parts) == 1:
            candidates = [(parts[0], namespace)]
        elif len(parts) == 2:
            candidates = [(parts[0], parts[1], namespace), (parts[0], parts[1])]
        elif len(parts) == 3:
            candidates = [(parts[0], parts[1], parts[2])]
        for candidate in candidates:
            if len(candidate) == 2:
                svc = self._services.get((candidate[1], candidate[0]))
                if svc is None:
                    continue
                if svc.headless:
                    ips = sorted({ip for addrs in svc.addresses.values() for ip, _ in addrs})
                    if ips:
                        return ips
                    continue
                return [svc.cluster_ip]
            ip = self._pod_dns.get((candidate[0], candidate[1], candidate[2]))
            if ip is not None:
                return [ip]
        return failure("dns", f"dial tcp: lookup {host} on {DNS_IP}:53: no such host", 1.0)

    # -- connections -----------------------------------------------------------------------

    def route(self, src: Obj | None, ip: str, port: int) -> Route | Outcome:
        """Follow a connection to ``ip:port`` through Service rules to a pod address."""
        targets = self._targets.get((ip, port))
        if targets is None:
            if len(self._targets) >= _MAX_REMEMBERED:
                self._targets.clear()
            targets = self._targets[(ip, port)] = self._service_targets(ip, port)
        if isinstance(targets, Outcome):
            return targets
        ip, port = targets[self.rng.randrange(len(targets))] if len(targets) > 1 else targets[0]
        endpoint = self._endpoints.get((ip, port))
        if endpoint is None:
            if len(self._endpoints) >= _MAX_REMEMBERED:
                self._endpoints.clear()
            endpoint = self._endpoints[(ip, port)] = self._endpoint(ip, port)
        if isinstance(endpoint, Outcome):
            return endpoint
        dst, route = endpoint
        if self._policies and not self._allowed(src, dst, port):  # no policy allows all
            return failure("timeout", f"dial tcp {ip}:{port}: i/o timeout", 10000.0)
        delay = 0.0
        for chaos in self._chaos:
            hit = self._chaos_applies(chaos, src, dst)
            if not hit:
                continue
            if chaos.action == "partition" or (chaos.loss and self.rng.random() < chaos.loss):
                return failure("timeout", f"dial tcp {ip}:{port}: i/o timeout", 10000.0)
            delay += chaos.delay_ms
        return Route(ip, port, delay) if delay else route

    def _service_targets(self, ip: str, port: int) -> list[tuple[str, int]] | Outcome:
        """The pod addresses a connection to ``ip:port`` may land on (several behind a
        Service's virtual IP), or the error of dialling a Service port with none."""
        svc = self._by_ip.get(ip)
        if svc is None:
            return [(ip, port)]
        name = svc.ports.get(port)
        if name is None:
            return failure("timeout", f"dial tcp {ip}:{port}: i/o timeout", 10000.0)
        addresses = svc.addresses.get(name) or []
        if not addresses:
            return failure("refused", f"dial tcp {ip}:{port}: connect: connection refused", 1.0)
        return addresses

    def _endpoint(self, ip: str, port: int) -> tuple[Obj, Route] | Outcome:
        """The pod at a pod address and the undelayed route to it (shared: it is frozen)."""
        dst = self._pods_by_ip.get(ip)
        if dst is None:
            return failure("timeout", f"dial tcp {ip}:{port}: i/o timeout", 10000.0)
        return dst, Route(ip, port)

    def _chaos_applies(self, chaos: _Chaos, src: Obj | None, dst: Obj) -> bool:
        def selected(pod: Obj | None, selector: Any, namespaces: set[str]) -> bool:
            return (
                pod is not None
                and (not namespaces or pod["metadata"]["namespace"] in namespaces)
                and selector.matches(pod["metadata"].get("labels"))
            )

        to_dst = selected(dst, chaos.selector, chaos.namespaces)
        from_src = selected(src, chaos.selector, chaos.namespaces)
        if chaos.target is not None:
            return (to_dst and selected(src, chaos.target, set())) or (
                from_src and selected(dst, chaos.target, set())
            )
        if chaos.direction == "to":
            return to_dst
        if chaos.direction == "from":
            return from_src
        return to_dst or from_src

    def _allowed(self, src: Obj | None, dst: Obj, port: int) -> bool:
        """NetworkPolicy: ingress to ``dst`` and egress from ``src`` must both be allowed."""
        if not _permits(
            self._policies.get(dst["metadata"]["namespace"], []),
            "Ingress",
            dst,
            src,
            port,
            self.store,
        ):
            return False
        if src is None:
            return True
        return _permits(
            self._policies.get(src["metadata"]["namespace"], []),
            "Egress",
            src,
            dst,
            port,
            self.store,
        )


def _permits(
    policies: list[Obj], direction: str, subject: Obj, peer: Obj | None, port: int, store: Store
) -> bool:
    applicable = []
    for policy in policies:
        spec = policy.get("spec") or {}
        types = spec.get("policyTypes") or (
            ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
        )
        if direction not in types:
            continue
        if selector_from_object(spec.get("podSelector") or {}).matches(
            subject["metadata"].get("labels")
        ):
            applicable.append(spec)
    if not applicable:
        return True
    rules_key = "ingress" if direction == "Ingress" else "egress"
    peers_key = "from" if direction == "Ingress" else "to"
    for spec in applicable:
        for rule in spec.get(rules_key) or []:
            if rule.get("ports") and not any(_port_matches(p, port) for p in rule["ports"]):
                continue
            peers = rule.get(peers_key)
            if not peers or any(_peer_matches(p, peer, subject, store) for p in peers):
                return True
    return False


def _port_matches(rule: dict[str, Any], port: int) -> bool:
    wanted = rule.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, int):
        end = rule.get("endPort") or wanted
        return wanted <= port <= end
    return False  # named ports would need the pod's port names; treat as not matching


def _peer_matches(peer: dict[str, Any], pod: Obj | None, subject: Obj, store: Store) -> bool:
    if pod is None:
        return "ipBlock" in peer
    if "ipBlock" in peer:
        return False
    namespace = pod["metadata"]["namespace"]
    if "namespaceSelector" in peer:
        ns = store.get("namespaces", "", namespace) or {"metadata": {}}
        if not selector_from_object(peer["namespaceSelector"]).matches(
            ns["metadata"].get("labels")
        ):
            return False
    elif namespace != subject["metadata"]["namespace"]:
        return False
    if "podSelector" in peer:
        return selector_from_object(peer["podSelector"]).matches(pod["metadata"].get("labels"))
    return True


def _duration_ms(text: str) -> float:
    units = {"ms": 1.0, "s": 1000.0, "m": 60000.0}
    for unit in ("ms", "s", "m"):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * units[unit]
            except ValueError:
                return 0.0
    try:
        return float(text)
    except ValueError:
        return 0.0


def _chaos(obj: Obj, now: float) -> _Chaos | None:
    """A NetworkChaos (Chaos Mesh's schema) that is in force now, if any."""
    spec = obj.get("spec") or {}
    if (
        obj["metadata"].get("deletionTimestamp")
        or (obj.get("metadata", {}).get("annotations") or {}).get("experiment.chaos-mesh.org/pause")
        == "true"
    ):
        return None
    duration = spec.get("duration")
    if duration:
        started = parse_timestamp(obj["metadata"]["creationTimestamp"])
        if now > started + _duration_ms(str(duration)) / 1000.0:
            return None
    selector = spec.get("selector") or {}
    target = (spec.get("target") or {}).get("selector")
    return _Chaos(
        action=str(spec.get("action", "")),
        namespaces=set(selector.get("namespaces") or []),
        selector=selector_from_object({"matchLabels": selector.get("labelSelectors") or {}}),
        loss=float((spec.get("loss") or {}).get("loss") or 0) / 100.0,
        delay_ms=_duration_ms(str((spec.get("delay") or {}).get("latency") or "0")),
        direction=str(spec.get("direction", "to")),
        target=selector_from_object({"matchLabels": target.get("labelSelectors") or {}})
        if target
        else None,
    )
