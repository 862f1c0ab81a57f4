"""Prometheus-format alerting rules, evaluated on the virtual clock with ``for:`` durations,
and the ``/api/v1/alerts`` and ``/api/v1/rules`` answers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stratus.sim.clock import format_timestamp
from stratus.sim.errors import DefinitionError

__all__ = ["AlertManager", "Evaluate", "Rule", "load_rules"]

# an instant query: (labels, value) of every sample in the result vector
Evaluate = Callable[[str, float], list[tuple[dict[str, str], float]]]
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_BUILTIN = Path(__file__).parent / "rules"


@dataclass(frozen=True)
class Rule:
    group: str
    name: str
    expr: str
    for_seconds: float
    labels: dict[str, str]
    annotations: dict[str, str]
    file: str


@dataclass
class _Alert:
    labels: dict[str, str]
    annotations: dict[str, str]
    active_at: float
    value: float
    state: str = "pending"


@dataclass
class _RuleState:
    rule: Rule
    alerts: dict[tuple[tuple[str, str], ...], _Alert] = field(default_factory=dict)
    health: str = "unknown"
    error: str = ""
    last_evaluation: float = 0.0


def _seconds(text: Any, file: str, where: str) -> float:
    if text in (None, "", 0):
        return 0.0
    match = _DURATION.match(str(text))
    if match is None or not any(match.groups()):
        raise DefinitionError(file, where, f"invalid duration {text!r} (use e.g. 30s, 5m, 1h)")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600.0 + minutes * 60.0 + seconds


def load_rules(paths: Iterable[Path] = ()) -> list[Rule]:
    """The shipped rule files plus ``paths`` (files or folders of ``*.yaml``)."""
    files = sorted(_BUILTIN.glob("*.yaml"))
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    rules: list[Rule] = []
    for path in files:
        try:
            doc = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise DefinitionError(str(path), "", f"cannot read rule file: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
            raise DefinitionError(str(path), "groups", "expected a list of rule groups")
        for gi, group in enumerate(doc["groups"]):
            if not isinstance(group, dict) or not group.get("name"):
                raise DefinitionError(str(path), f"groups[{gi}]", "a group needs a name")
            for ri, raw in enumerate(group.get("rules") or []):
                where = f"groups[{gi}].rules[{ri}]"
                if not isinstance(raw, dict) or not raw.get("alert") or not raw.get("expr"):
                    raise DefinitionError(
                        str(path), where, "an alerting rule needs 'alert' and 'expr'"
                    )
                rules.append(
                    Rule(
                        group=str(group["name"]),
                        name=str(raw["alert"]),
                        expr=str(raw["expr"]),
                        for_seconds=_seconds(raw.get("for"), str(path), f"{where}.for"),
                        labels={k: str(v) for k, v in (raw.get("labels") or {}).items()},
                        annotations={k: str(v) for k, v in (raw.get("annotations") or {}).items()},
                        file=str(path),
                    )
                )
    return rules


def _render(template: str, labels: dict[str, str], value: float) -> str:
    def label(match: re.Match[str]) -> str:
        return labels.get(match.group(1), "")

    text = re.sub(r"\{\{\s*\$labels\.(\w+)\s*\}\}", label, template)
    text = re.sub(r"\{\{\s*\$value\s*\|\s*humanize\s*\}\}", f"{value:.4g}", text)
    return re.sub(r"\{\{\s*\$value\s*\}\}", f"{value:g}", text)


class AlertManager:
    """Evaluates rules after each scrape and remembers pending and firing alerts."""

    def __init__(self, rules: list[Rule], evaluate: Evaluate) -> None:
        self.evaluate = evaluate
        self.states = [_RuleState(rule) for rule in rules]

    def run(self, now: float) -> None:
        for state in self.states:
            rule = state.rule
            state.last_evaluation = now
            try:
                results = self.evaluate(rule.expr, now)
            except Exception as exc:  # a rule error must not stop the others; it is reported
                state.health, state.error = "err", str(exc)
                continue
            state.health, state.error = "ok", ""
            seen = set()
            for sample_labels, value in results:
                labels = {k: v for k, v in sample_labels.items() if k != "__name__"}
                labels.update({k: _render(v, labels, value) for k, v in rule.labels.items()})
                labels["alertname"] = rule.name
                key = tuple(sorted(labels.items()))
                seen.add(key)
                alert = state.alerts.get(key)
                if alert is None:
                    alert = state.alerts[key] = _Alert(labels, {}, now, value)
                alert.value = value
                alert.annotations = {
                    k: _render(v, labels, value) for k, v in rule.annotations.items()
                }
                if alert.state == "pending" and now - alert.active_at >= rule.for_seconds:
                    alert.state = "firing"
            for key in list(state.alerts):
                if key not in seen:
                    del state.alerts[key]

    # -- the HTTP API's bodies -----------------------------------------------------------

    def firing(self) -> list[dict[str, str]]:
        return [a.labels for s in self.states for a in s.alerts.values() if a.state == "firing"]

    def alerts_body(self) -> dict[str, Any]:
        return {
            "status": "success",
            "data": {"alerts": [_alert_json(a) for s in self.states for a in s.alerts.values()]},
        }

    def rules_body(self) -> dict[str, Any]:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for state in self.states:
            rule = state.rule
            alerts = list(state.alerts.values())
            rule_state = (
                "firing"
                if any(a.state == "firing" for a in alerts)
                else ("pending" if alerts else "inactive")
            )
            groups.setdefault((rule.file, rule.group), []).append(
                {
                    "name": rule.name,
                    "query": rule.expr,
                    "duration": rule.for_seconds,
                    "labels": rule.labels,
                    "annotations": rule.annotations,
                    "alerts": [_alert_json(a) for a in alerts],
                    "health": state.health,
                    "lastError": state.error,
                    "type": "alerting",
                    "state": rule_state,
                    "lastEvaluation": format_timestamp(state.last_evaluation),
                    "evaluationTime": 0.0001,
                }
            )
        return {
            "status": "success",
            "data": {
                "groups": [
                    {
                        "name": group,
                        "file": file,
                        "rules": rules,
                        "interval": 15,
                        "limit": 0,
                        "evaluationTime": 0.001,
                        "lastEvaluation": format_timestamp(
                            max((s.last_evaluation for s in self.states), default=0.0)
                        ),
                    }
                    for (file, group), rules in groups.items()
                ]
            },
        }


def _alert_json(alert: _Alert) -> dict[str, Any]:
    return {
        "labels": alert.labels,
        "annotations": alert.annotations,
        "state": alert.state,
        "activeAt": format_timestamp(alert.active_at),
        "value": f"{alert.value:e}",
    }
