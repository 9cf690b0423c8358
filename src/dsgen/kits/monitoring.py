"""PodMonitor and PrometheusRule (monitoring.coreos.com/v1, the prometheus-operator),
and Grafana dashboards in ConfigMaps."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from dsgen.kits.base import Owner

from dsgen.contract import Part


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
    # What to do, for the runbook (dsgen.runbook); not part of the rule.
    steps: tuple[str, ...] = ()

    def render(self) -> dict[str, Any]:
        annotations = {"summary": self.summary, "description": self.description}
        if self.runbook_url:
            annotations["runbook_url"] = self.runbook_url
        return {"alert": self.name, "expr": self.expr, "for": self.for_,
                "labels": {"severity": self.severity}, "annotations": annotations}


def cron_jobs_late(name: str, namespace: str, schedules: Mapping[str, str], *, pods: str,
                   containers: tuple[str, ...], summary: str, description: str, runbook_url: str | None,
                   steps: tuple[str, ...] = (), severity: str = "warning") -> Alert:
    """Fires for each CronJob of ``schedules`` (name -> five-field cron) that
    has not completed a run for longer than its schedule's longest gap plus
    the time a run may take (kits.cronjob.DEADLINE_SECONDS): runs that fail,
    schedules missed, a suspended job; counted from its creation until it
    first succeeds. kube-state-metrics' kube_cronjob_status_last_successful_time
    and kube_cronjob_created, labelled namespace and cronjob
    (docs/metrics/workload/cronjob-metrics.md). The runbook's steps start
    with the jobs' pods (label app.kubernetes.io/name ``pods``) and their
    ``containers``' logs, and end with a run at once."""
    from dsgen.kits.cronjob import DEADLINE_SECONDS
    from dsgen.units import longest_gap

    terms = []
    for cron_job, schedule in schedules.items():
        select = f'namespace="{namespace}", cronjob="{cron_job}"'
        terms.append(f"time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{{{select}}} "
                     f"or kube_cronjob_created{{{select}}}) > {longest_gap(schedule) + DEADLINE_SECONDS}")
    expr = terms[0] if len(terms) == 1 else " or ".join(f"({term})" for term in terms)
    job = next(iter(schedules)) if len(schedules) == 1 else "<cronjob>"
    logs = " (then ".join(f"-c {c}" for c in containers) + ")" * (len(containers) - 1)
    steps = (f"kubectl -n {namespace} get pods -l app.kubernetes.io/name={pods}: the pods of the last runs and "
             f"their states; kubectl -n {namespace} logs <pod> {logs} of a failed one.", *steps,
             f"Once fixed, run one at once: kubectl -n {namespace} create job --from=cronjob/{job} "
             "manual-$(date +%s).")
    return Alert(name, expr, severity, summary, description, runbook_url, "10m", steps)


def prometheus_rule(owner: Owner, name: str, *, groups: Mapping[str, Iterable[Alert]],
                    labels: Mapping[str, str] | None = None) -> Part:
    """Alert groups by name; ``labels`` are the ones the Prometheus's ruleSelector looks for."""
    rendered = [{"name": group, "rules": [alert.render() for alert in alerts]}
                for group, alerts in groups.items()]
    if not rendered or any(not g["rules"] for g in rendered):
        raise ValueError(f"PrometheusRule {name}: every group needs at least one alert")
    return owner.part(name, "alerts", {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                                       "spec": {"groups": rendered}}, labels)


@dataclass(frozen=True)
class Panel:
    """One time-series panel: a PromQL query and the unit Grafana shows it in."""

    title: str
    expr: str
    unit: str = "short"


def dashboard(owner: Owner, name: str, *, title: str, panels: Iterable[Panel],
              labels: Mapping[str, str]) -> Part:
    """A Grafana dashboard in a ConfigMap, for Grafana's dashboard sidecar,
    which loads every ConfigMap carrying ``labels`` (grafana_dashboard: "1"
    by default). Panels read from the Prometheus data source the dashboard's
    ``datasource`` variable picks, two per row."""
    rendered = []
    for index, panel in enumerate(panels):
        rendered.append({
            "id": index + 1, "type": "timeseries", "title": panel.title,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
            "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
            "targets": [{"refId": "A", "expr": panel.expr,
                         "datasource": {"type": "prometheus", "uid": "${datasource}"}}]})
    body = {"title": title, "uid": name[:40], "schemaVersion": 39, "editable": False,
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus",
                                     "label": "Prometheus"}]},
            "panels": rendered}
    return owner.part(name, "dashboard", {"apiVersion": "v1", "kind": "ConfigMap",
                                          "data": {f"{name}.json": json.dumps(body, indent=1, sort_keys=True)}},
                      labels)
