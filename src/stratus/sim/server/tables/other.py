"""Printers for networking, policy, RBAC, discovery and storage kinds."""

from __future__ import annotations

from stratus.sim.server.tables.base import (
    AGE,
    NAME,
    Cell,
    Column,
    Printer,
    age,
    format_selector,
    more,
)
from stratus.sim.store import Obj

__all__ = ["OTHER_PRINTERS"]


def _c(name: str, description: str, priority: int = 0, type_: str = "string") -> Column:
    return Column(name, type=type_, description=description, priority=priority)


def _ingress(ing: Obj, now: float) -> list[Cell]:
    spec = ing.get("spec") or {}
    rules = spec.get("rules") or []
    hosts = [r["host"] for r in rules if r.get("host")]
    host_text = (
        "*"
        if not hosts
        else ",".join(hosts[:3]) + (f" + {len(rules) - 3} more..." if len(hosts) > 3 else "")
    )
    addresses = sorted(
        {
            i.get("ip") or i.get("hostname", "")
            for i in ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        }
    )
    return [
        ing["metadata"]["name"],
        spec.get("ingressClassName") or "<none>",
        host_text,
        ",".join(addresses),
        "80, 443" if spec.get("tls") else "80",
        age(ing, now),
    ]


def _pdb(pdb: Obj, now: float) -> list[Cell]:
    spec = pdb.get("spec") or {}
    minimum, maximum = spec.get("minAvailable"), spec.get("maxUnavailable")
    return [
        pdb["metadata"]["name"],
        "N/A" if minimum is None else str(minimum),
        "N/A" if maximum is None else str(maximum),
        (pdb.get("status") or {}).get("disruptionsAllowed", 0),
        age(pdb, now),
    ]


def _binding(rb: Obj, now: float) -> list[Cell]:
    ref = rb.get("roleRef") or {}
    subjects = rb.get("subjects") or []
    users = [s.get("name", "") for s in subjects if s.get("kind") == "User"]
    groups = [s.get("name", "") for s in subjects if s.get("kind") == "Group"]
    accounts = [
        f"{s.get('namespace', '')}/{s.get('name', '')}"
        for s in subjects
        if s.get("kind") == "ServiceAccount"
    ]
    return [
        rb["metadata"]["name"],
        f"{ref.get('kind')}/{ref.get('name')}",
        age(rb, now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(accounts),
    ]


def _binding_printer(scope: str) -> Printer:
    return Printer(
        (
            NAME,
            _c("Role", "The referenced role."),
            AGE,
            _c("Users", f"Users in the {scope}", 1),
            _c("Groups", f"Groups in the {scope}", 1),
            _c("ServiceAccounts", f"ServiceAccounts in the {scope}", 1),
        ),
        _binding,
    )


def _endpoint_slice(es: Obj, now: float) -> list[Cell]:
    ports = es.get("ports") or []
    port_texts = [str(p.get("port") or p.get("name") or "*") for p in ports]
    addresses = [a for e in es.get("endpoints") or [] for a in e.get("addresses") or []]
    return [
        es["metadata"]["name"],
        es.get("addressType", ""),
        more(port_texts, len(port_texts)),
        more(addresses, len(addresses)),
        age(es, now),
    ]


def _storage_class(sc: Obj, now: float) -> list[Cell]:
    name = sc["metadata"]["name"]
    annotations = sc["metadata"].get("annotations") or {}
    if annotations.get("storageclass.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    return [
        name,
        sc.get("provisioner", ""),
        sc.get("reclaimPolicy", "Delete"),
        sc.get("volumeBindingMode", "Immediate"),
        bool(sc.get("allowVolumeExpansion")),
        age(sc, now),
    ]


OTHER_PRINTERS: dict[str, Printer] = {
    "NetworkPolicy": Printer(
        (NAME, _c("Pod-Selector", "The pods the policy selects."), AGE),
        lambda o, now: [
            o["metadata"]["name"],
            format_selector((o.get("spec") or {}).get("podSelector")),
            age(o, now),
        ],
    ),
    "Ingress": Printer(
        (
            NAME,
            _c("Class", "The ingress class."),
            _c("Hosts", "Hosts served."),
            _c("Address", "Load balancer addresses."),
            _c("Ports", "Ports."),
            AGE,
        ),
        _ingress,
    ),
    "IngressClass": Printer(
        (NAME, _c("Controller", "The controller."), _c("Parameters", "Parameters."), AGE),
        lambda o, now: [
            o["metadata"]["name"],
            (o.get("spec") or {}).get("controller", ""),
            "<none>",
            age(o, now),
        ],
    ),
    "PodDisruptionBudget": Printer(
        (
            NAME,
            _c("Min Available", "The minimum number of pods that must be available."),
            _c("Max Unavailable", "The maximum number of pods that may be unavailable."),
            _c(
                "Allowed Disruptions",
                "Calculated number of pods that may be disrupted at this time.",
                type_="integer",
            ),
            AGE,
        ),
        _pdb,
    ),
    "RoleBinding": _binding_printer("roleBinding"),
    "ClusterRoleBinding": _binding_printer("clusterRoleBinding"),
    "EndpointSlice": Printer(
        (
            NAME,
            _c("AddressType", "The address type."),
            _c("Ports", "Ports."),
            _c("Endpoints", "Addresses."),
            AGE,
        ),
        _endpoint_slice,
    ),
    "StorageClass": Printer(
        (
            NAME,
            _c("Provisioner", "The provisioner."),
            _c("ReclaimPolicy", "The reclaim policy."),
            _c("VolumeBindingMode", "When volumes bind."),
            _c("AllowVolumeExpansion", "Whether volumes may grow."),
            AGE,
        ),
        _storage_class,
    ),
}
