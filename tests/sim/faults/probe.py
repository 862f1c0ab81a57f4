"""What an SRE can see of an app, through public interfaces only: kubectl against the
emulated API server, and the Prometheus and Jaeger HTTP APIs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from stratus.sim.faults import Expectation
from tests.conftest import Kubectl

_CALLS = "traces_span_metrics_calls_total"
_DURATION = "traces_span_metrics_duration_milliseconds_bucket"


@dataclass
class Probe:
    kubectl: Kubectl
    prometheus: str
    jaeger: str
    namespace: str

    # -- Prometheus ------------------------------------------------------------------------

    def query(self, expr: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.prometheus}/api/v1/query", params={"query": expr})
        body = response.json()
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def scalar(self, expr: str) -> float:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else 0.0

    def firing_alerts(self) -> set[str]:
        body = httpx.get(f"{self.prometheus}/api/v1/alerts").json()
        return {
            a["labels"]["alertname"]
            for a in body["data"]["alerts"]
            if a["state"] == "firing" and a["labels"].get("namespace") == self.namespace
        }

    def error_rate(self, service: str, window: str = "2m") -> float:
        match = (
            f'namespace="{self.namespace}",service_name="{service}",span_kind="SPAN_KIND_SERVER"'
        )
        return self.scalar(
            f'sum(rate({_CALLS}{{{match},status_code="STATUS_CODE_ERROR"}}[{window}])) '
            f"/ sum(rate({_CALLS}{{{match}}}[{window}]))"
        )

    def p95_ms(self, service: str, window: str = "2m") -> float:
        match = (
            f'namespace="{self.namespace}",service_name="{service}",span_kind="SPAN_KIND_SERVER"'
        )
        return self.scalar(
            f"histogram_quantile(0.95, sum by (le) (rate({_DURATION}{{{match}}}[{window}])))"
        )

    # -- Jaeger ----------------------------------------------------------------------------

    def failing_traces(self, service: str) -> list[dict[str, Any]]:
        params = {"service": service, "lookback": "5m", "limit": "20", "tags": '{"error":"true"}'}
        body = httpx.get(f"{self.jaeger}/api/traces", params=params).json()
        data: list[dict[str, Any]] = body["data"]
        return data

    # -- kubectl ---------------------------------------------------------------------------

    def pod_statuses(self, selector: str) -> list[str]:
        out = self.kubectl.run("get", "pods", "-n", self.namespace, "-l", selector, "--no-headers")
        return [line.split()[2] for line in out.stdout.splitlines() if line.strip()]

    def logs(self, selector: str) -> str:
        text = ""
        for previous in (False, True):
            args = ["logs", "-n", self.namespace, "-l", selector, "--all-containers", "--tail=300"]
            result = self.kubectl.run(*args, *(["--previous"] if previous else []), check=False)
            text += result.stdout
        return text

    def events(self) -> list[dict[str, Any]]:
        out = self.kubectl.run("get", "events", "-n", self.namespace, "-o", "json")
        items: list[dict[str, Any]] = json.loads(out.stdout)["items"]
        return items

    def deployments_unavailable(self) -> list[str]:
        out = self.kubectl.run("get", "deployments", "-n", self.namespace, "-o", "json")
        return [
            d["metadata"]["name"]
            for d in json.loads(out.stdout)["items"]
            if (d.get("status") or {}).get("availableReplicas", 0) < d["spec"].get("replicas", 1)
        ]

    # -- verdicts --------------------------------------------------------------------------

    def p95_by_service(self, window: str = "5m") -> dict[str, float]:
        """p95 latency (ms) of every service that serves at least one request a minute."""
        match = f'namespace="{self.namespace}",span_kind="SPAN_KIND_SERVER"'
        busy = {
            r["metric"]["service_name"]
            for r in self.query(
                f"sum by (service_name) (rate({_CALLS}{{{match}}}[{window}])) > 1/60"
            )
        }
        return {
            r["metric"]["service_name"]: float(r["value"][1])
            for r in self.query(
                f"histogram_quantile(0.95, sum by (service_name, le) "
                f"(rate({_DURATION}{{{match}}}[{window}])))"
            )
            if r["metric"]["service_name"] in busy
        }

    def problems(self, entry: str, baseline: dict[str, float] | None = None) -> list[str]:
        """Why the app is not healthy (empty when it is): firing alerts, unavailable
        deployments, 1% or more failing requests at the entry service, or a service whose
        p95 latency is more than twice (and 50 ms above) its ``baseline``."""
        found = [f"alert {name} firing" for name in sorted(self.firing_alerts())]
        found += [f"deployment {d} unavailable" for d in self.deployments_unavailable()]
        rate = self.error_rate(entry)
        if rate >= 0.01:
            found.append(f"{rate:.1%} of requests to {entry} fail")
        for service, p95 in sorted(self.p95_by_service().items()):
            before = (baseline or {}).get(service)
            if before is not None and p95 > max(2 * before, before + 50):
                found.append(f"p95 latency of {service} {p95:.0f} ms (was {before:.0f} ms)")
        return found

    def missing_symptoms(self, expect: Expectation) -> list[str]:
        """The expected symptoms that do not show (empty when all do)."""
        missing = []
        if expect.pod_status is not None:
            statuses = self.pod_statuses(expect.pod_status["selector"])
            if expect.pod_status["status"] not in statuses:
                missing.append(f"no pod {expect.pod_status} (saw {statuses})")
        absent = set(expect.alerts) - self.firing_alerts()
        if absent:
            missing.append(f"alerts not firing: {sorted(absent)}")
        if expect.error_rate is not None:
            rate = self.error_rate(str(expect.error_rate["service"]))
            if not rate > float(expect.error_rate["above"]):
                missing.append(f"error rate {rate:.3f} not above {expect.error_rate}")
        if expect.latency_ms is not None:
            p95 = self.p95_ms(str(expect.latency_ms["service"]))
            if not p95 > float(expect.latency_ms["above"]):
                missing.append(f"p95 {p95:.1f} ms not above {expect.latency_ms}")
        if expect.log is not None and expect.log["contains"] not in self.logs(
            expect.log["selector"]
        ):
            missing.append(f"no log line with {expect.log['contains']!r}")
        if expect.event is not None and not any(
            e.get("reason") == expect.event["reason"]
            and expect.event["contains"] in (e.get("message") or "")
            for e in self.events()
        ):
            missing.append(f"no event {expect.event}")
        if expect.trace_error is not None and not self.failing_traces(expect.trace_error):
            missing.append(f"no failing trace through {expect.trace_error}")
        return missing
