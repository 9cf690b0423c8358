"""PodMonitor and PrometheusRule (monitoring.coreos.com/v1, the prometheus-operator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from dsgen.kits.base import Owner

if TYPE_CHECKING:
    from dsgen.components.base import Part


def pod_monitor(owner: Owner, name: str, *, select: Mapping[str, str], port: str,
                path: str = "/metrics", interval: str = "30s", namespace: str | None = None,
                labels: Mapping[str, str] | None = None) -> Part:
    """Scrape the named container ``port`` of the pods ``select`` matches (in
    ``namespace``, default the PodMonitor's own). ``labels`` are the ones the
    Prometheus's podMonitorSelector looks for."""
    spec: dict[str, Any] = {
        "selector": {"matchLabels": dict(select)},
        "podMetricsEndpoints": [{"port": port, "path": path, "interval": interval}],
    }
    if namespace:
        spec["namespaceSelector"] = {"matchNames": [namespace]}
    return owner.part(name, "monitoring", {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
                                           "spec": spec}, labels)


@dataclass(frozen=True)
class Alert:
    """One alerting rule: fires when ``expr`` has held for ``for_``."""

    name: str
    expr: str
    severity: str
    summary: str
    description: str
    runbook_url: str | None = None
    for_: str = "5m"

    def render(self) -> dict[str, Any]:
        annotations = {"summary": self.summary, "description": self.description}
        if self.runbook_url:
            annotations["runbook_url"] = self.runbook_url
        return {"alert": self.name, "expr": self.expr, "for": self.for_,
                "labels": {"severity": self.severity}, "annotations": annotations}


def prometheus_rule(owner: Owner, name: str, *, groups: Mapping[str, Iterable[Alert]],
                    labels: Mapping[str, str] | None = None) -> Part:
    """Alert groups by name; ``labels`` are the ones the Prometheus's ruleSelector looks for."""
    rendered = [{"name": group, "rules": [alert.render() for alert in alerts]}
                for group, alerts in groups.items()]
    if not rendered or any(not g["rules"] for g in rendered):
        raise ValueError(f"PrometheusRule {name}: every group needs at least one alert")
    return owner.part(name, "alerts", {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                                       "spec": {"groups": rendered}}, labels)
