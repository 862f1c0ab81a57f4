"""Clients for the evidence a cluster exposes: Prometheus alerts and queries
(``prometheus``), Jaeger traces (``jaeger``), workload snapshots over any Kubernetes client
(``cluster``), what users experience at the entrypoints (``sla``), and the baseline later
states are judged against (``baseline``). They work against any compatible endpoint."""
