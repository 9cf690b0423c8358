"""The alerting rules the bundled prod renders, checked and tested with the
real promtool (Debian's prometheus package): every rendered group passes
`promtool check rules`, and `promtool test rules` runs the hand-written cases
of tests/data/alerts/ against them, each alert with the series that must fire
it and one that must not."""

from __future__ import annotations

import json
import subprocess

import pytest

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from tests.conftest import EXAMPLE, ROOT, installed_tool

CASES = ROOT / "tests" / "data" / "alerts"


def _promtool() -> str:
    return installed_tool("promtool", "make tools (extracts it from Debian's prometheus package)")


def _rules(env: str) -> dict[str, dict]:
    docs = [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), env).resources]
    return {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "PrometheusRule"}


@pytest.fixture(scope="module")
def rules() -> dict[str, dict]:
    return _rules("prod")


@pytest.fixture(scope="module")
def dr_rules() -> dict[str, dict]:
    """prod-dr's: prod's alerts, and MirrorMaker 2's (kafka.mirror)."""
    return _rules("prod-dr")


def test_every_rendered_group_passes_promtool_check(rules, tmp_path):
    promtool = _promtool()
    assert rules
    for name, spec in rules.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(json.dumps(spec))
        done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, (name, done.stdout + done.stderr)


def test_every_alert_has_a_severity_a_summary_a_description_and_a_runbook(rules):
    for spec in rules.values():
        for group in spec["groups"]:
            for rule in group["rules"]:
                assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
                assert {"summary", "description", "runbook_url"} <= set(rule["annotations"]), rule["alert"]
                assert rule["annotations"]["runbook_url"] == f"runbook/prod.md#{rule['alert'].lower()}"


def test_every_alert_has_a_runbook_section_with_steps(rules):
    from dsgen import registry
    from dsgen.platform import runbook

    profile = ProfileStore(EXAMPLE).load("prod").profile
    [page] = runbook.files(profile, "prod", [], registry.sections(profile)).values()
    sections = page.split("\n#### ")[1:]  # one per alert, under its service
    titles = {section.splitlines()[0] for section in sections}
    alerts = {rule["alert"] for spec in rules.values() for g in spec["groups"] for rule in g["rules"]}
    assert titles == alerts
    for section in sections:  # each says what to do, in numbered steps
        assert "\n1. " in section, section.splitlines()[0]


@pytest.mark.parametrize("env,group,cases", [
    ("prod", "postgresql", ["postgresql"]), ("prod", "redis", ["redis"]), ("prod", "kafka", ["kafka"]),
    ("prod-dr", "kafka", ["kafka", "kafka-mirror"]),
])
def test_the_unit_tests_of_each_group_pass(rules, dr_rules, env, group, cases, tmp_path):
    """The cases assert when alerts fire, by their labels; the annotations'
    wording is left out of the comparison (the test above checks they exist)."""
    promtool = _promtool()
    [spec] = [s for s in (rules if env == "prod" else dr_rules).values()
              if any(g["name"] == group for g in s["groups"])]
    stripped = {"groups": [{**g, "rules": [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]]}
                           for g in spec["groups"] if g["name"] == group]}
    (tmp_path / "rules.yaml").write_text(json.dumps(stripped))
    texts = [(CASES / f"{name}.yaml").read_text() for name in cases]
    # each file is "evaluation_interval ... tests:" and its cases; one file takes them all
    body = texts[0] + "".join(text.split("\ntests:\n", 1)[1] for text in texts[1:])
    (tmp_path / "tests.yaml").write_text("rule_files: [rules.yaml]\n" + body)
    done = subprocess.run([promtool, "test", "rules", "tests.yaml"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    tested = {line.split("alertname:")[1].strip() for line in body.splitlines() if "alertname:" in line}
    alerts = {r["alert"] for g in stripped["groups"] for r in g["rules"]}
    assert tested == alerts  # every alert of the group has cases


# What the exporters expose, typed from their sources (not from dsgen): the
# CloudNativePG collector and default queries (pg_collector.go,
# default-monitoring.yaml) and dsgen's custom queries; the Barman Cloud
# plugin (observability.md); redis_exporter v1.44.0 (exporter.go, info.go,
# sentinels.go); Strimzi's JMX rules for Kafka and MirrorMaker 2 (its examples at
# 0.49.1; MirrorMaker's names from Kafka's MirrorSourceMetrics) and Kafka Exporter (the names its example
# alerts use); the kubelet; kube-state-metrics' CronJob metrics
# (docs/metrics/workload/cronjob-metrics.md); Prometheus's own up.
EXPOSED = {
    "up", "kubelet_volume_stats_used_bytes", "kubelet_volume_stats_capacity_bytes",
    "kube_cronjob_status_last_successful_time", "kube_cronjob_created",
    "cnpg_collector_up", "cnpg_pg_replication_in_recovery", "cnpg_pg_replication_slots_pg_wal_lsn_diff",
    "cnpg_backends_total", "cnpg_pg_settings_setting", "cnpg_pg_stat_archiver_archived_count",
    "cnpg_pg_stat_archiver_failed_count", "cnpg_pg_stat_database_xact_commit",
    "cnpg_pg_stat_user_tables_seq_scan", "cnpg_pg_stat_user_tables_n_dead_tup",
    "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
    "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp",
    "redis_up", "redis_instance_info", "redis_connected_slaves", "redis_master_link_up", "redis_memory_used_bytes",
    "redis_memory_max_bytes", "redis_rejected_connections_total", "redis_connected_clients",
    "redis_commands_processed_total", "redis_keyspace_hits_total", "redis_keyspace_misses_total",
    "redis_sentinel_masters", "redis_sentinel_master_status", "redis_sentinel_master_ckquorum_status",
    "kafka_server_replicamanager_underreplicatedpartitions", "kafka_controller_kafkacontroller_offlinepartitionscount",
    "kafka_controller_kafkacontroller_activecontrollercount", "kafka_log_logmanager_offlinelogdirectorycount",
    "kafka_consumergroup_lag", "kafka_server_brokertopicmetrics_messagesin_total",
    "kafka_server_brokertopicmetrics_bytesin_total",
    "kafka_connect_connector_status", "kafka_connect_mirror_mirrorsourceconnector_record_age_ms_max",
}


@pytest.fixture(scope="module")
def dashboards() -> dict[str, dict]:
    docs = [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]
    return {name: json.loads(text) for d in docs if d["kind"] == "ConfigMap"
            and d["metadata"].get("labels", {}).get("grafana_dashboard") == "1" for name, text in d["data"].items()}


def _metrics(expr: str) -> set[str]:
    import re

    return set(re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", expr))


def test_every_panel_query_parses_and_every_query_uses_metrics_the_exporters_expose(dashboards, rules, dr_rules,
                                                                                   tmp_path):
    promtool = _promtool()
    assert set(dashboards) == {"postgres-cluster-dashboard.json", "redis-cluster-dashboard.json",
                               "kafka-cluster-dashboard.json"}
    records = [{"record": f"panel:{i}", "expr": target["expr"]}
               for i, target in enumerate(t for d in dashboards.values() for p in d["panels"] for t in p["targets"])]
    (tmp_path / "panels.yaml").write_text(json.dumps({"groups": [{"name": "panels", "rules": records}]}))
    done = subprocess.run([promtool, "check", "rules", str(tmp_path / "panels.yaml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    used = set().union(*(_metrics(r["expr"]) for r in records),
                       *(_metrics(rule["expr"]) for spec in (*rules.values(), *dr_rules.values())
                         for g in spec["groups"] for rule in g["rules"]))
    assert used - EXPOSED == set()
