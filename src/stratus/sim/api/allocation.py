"""Cluster IPs and node ports for Services, chosen with the cloud's seeded generator."""

from __future__ import annotations

import ipaddress
import random

from stratus.sim.errors import FieldError, Invalid
from stratus.sim.store import Store

__all__ = ["Allocator"]

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/16")
NODE_PORTS = range(30000, 32768)


class Allocator:
    def __init__(self, store: Store, rng: random.Random) -> None:
        self._store = store
        self._rng = rng

    def _used_ips(self) -> set[str]:
        return {s.get("spec", {}).get("clusterIP", "") for s in self._store.iter("services")}

    def cluster_ip(self, requested: str | None, name: str) -> str:
        used = self._used_ips()
        if requested:
            try:
                address = ipaddress.ip_address(requested)
            except ValueError:
                address = None
            if address is None or address not in SERVICE_CIDR:
                raise Invalid(
                    "Service",
                    name,
                    [
                        FieldError(
                            "spec.clusterIPs[0]",
                            "FieldValueInvalid",
                            f'Invalid value: "{requested}": failed to allocate IP {requested}: '
                            f"the provided IP ({requested}) is not in the valid range. "
                            f"The range of valid IPs is {SERVICE_CIDR}",
                        )
                    ],
                    group="",
                    kind="Service",
                )
            if requested in used:
                raise Invalid(
                    "Service",
                    name,
                    [
                        FieldError(
                            "spec.clusterIPs",
                            "FieldValueInvalid",
                            f'Invalid value: []string{{"{requested}"}}: failed to allocate IP '
                            f"{requested}: provided IP is already allocated",
                        )
                    ],
                    group="",
                    kind="Service",
                )
            return requested
        hosts = SERVICE_CIDR.num_addresses - 2
        while True:
            candidate = str(SERVICE_CIDR[self._rng.randrange(16, hosts)])
            if candidate not in used:
                return candidate

    def node_port(self, requested: int | None) -> int:
        used = {
            p.get("nodePort")
            for s in self._store.iter("services")
            for p in s.get("spec", {}).get("ports") or []
        }
        if requested:
            return requested
        while True:
            candidate = self._rng.choice(NODE_PORTS)
            if candidate not in used:
                return candidate
