"""PostgreSQL's metrics and alerts (``monitoring`` of the profile).

Metric names, as CloudNativePG exposes them on each instance's ``metrics``
port (9187) and each pooler's (9127):

- ``cnpg_collector_*`` from its collector (pkg/management/postgres/webserver/
  metricserver/pg_collector.go, namespace cnpg, subsystem collector);
- ``cnpg_<query>_<column>`` from its default queries
  (config/manager/default-monitoring.yaml: backends, pg_replication,
  pg_replication_slots, pg_stat_archiver, pg_settings; docs/src/monitoring.md
  shows e.g. cnpg_pg_replication_lag);
- with the Barman Cloud plugin (CloudNativePG 1.26+), the backup times as
  ``barman_cloud_cloudnative_pg_io_*`` through the same endpoint
  (plugin-barman-cloud web/docs/observability.md); the in-tree backup's are
  ``cnpg_collector_last_*_backup_timestamp``;
- volumes from the kubelet (``kubelet_volume_stats_*_bytes``, by
  PersistentVolumeClaim: CloudNativePG names an instance's claims <pod> and
  <pod>-wal).

CloudNativePG 1.26+ deprecates its own spec.monitoring.enablePodMonitor
(docs/src/monitoring.md), so dsgen writes the PodMonitors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from dsgen import kits
from dsgen.kits import Alert, Owner, Panel
from dsgen.contract import runbook_path
from dsgen.operators import cloudnativepg as cnpg
from dsgen.units import quantity_value

if TYPE_CHECKING:
    from dsgen.contract import Context, Part
    from dsgen.components.postgres.model import Postgres

METRICS_PORT_NAME = "metrics"  # the instances' and the poolers' container port (docs/src/monitoring.md)


def _claims(ctx: Context, pg: Postgres) -> str:
    """An instance's volumes: CloudNativePG names them <pod> and <pod>-wal."""
    return f'namespace="{ctx.namespace}", persistentvolumeclaim=~"{pg.name}-[0-9]+(-wal)?"'


def runbook(ctx: Context, alert: str) -> str:
    return f"{runbook_path(ctx)}#{alert.lower()}"


def alerts(ctx: Context, pg: Postgres) -> list[Alert]:
    """The design's PostgreSQL failures (its "Error Handling" and "Performance
    Monitoring" alerts), each for the pods of this cluster only."""
    ns, name = ctx.namespace, pg.name
    limits = ctx.monitoring["thresholds"]
    pods = f'namespace="{ns}", pod=~"{name}-[0-9]+"'
    lag = int(quantity_value(limits["replicationLag"]))
    out = [
        Alert("PostgresInstanceDown",
              f'cnpg_collector_up{{{pods}}} == 0 or up{{{pods}, job="{ns}/{name}-instances"}} == 0', "critical",
              f"PostgreSQL instance {{{{ $labels.pod }}}} of {name} is down",
              "The instance does not answer its metrics endpoint, or PostgreSQL behind it does not answer.",
              runbook(ctx, "PostgresInstanceDown"), "2m",
              steps=(
                  'kubectl cnpg status <cluster> -n <namespace>: which instance, and is it the primary?',
                  'kubectl describe pod and logs of the instance (logger "postgres" records): crash, OOM '
                  'kill, full volume?',
                  'If it was the primary, CloudNativePG fails over to the most advanced standby by itself; '
                  'check PostgresFailover.',
              )),
        Alert("PostgresFailover", f"changes(cnpg_pg_replication_in_recovery{{{pods}}}[10m]) > 0", "warning",
              f"PostgreSQL {name}: {{{{ $labels.pod }}}} changed role",
              "An instance went from standby to primary or back in the last 10 minutes: a failover or "
              "switchover happened. Check that the applications reconnected.",
              runbook(ctx, "PostgresFailover"), "0m",
              steps=(
                  'kubectl cnpg status <cluster>: the new primary and why the old one left (events).',
                  'Check that the applications reconnected through <cluster>-rw or the poolers.',
                  'The old primary rejoins as a standby (pg_rewind); if it does not, delete its pod and PVC '
                  'to re-clone it.',
              )),
        Alert("PostgresReplicationLag",
              f"max by (pod, slot_name) (cnpg_pg_replication_slots_pg_wal_lsn_diff{{{pods}}}) > {lag}", "warning",
              f"PostgreSQL {name}: a standby is over {limits['replicationLag']} of WAL behind",
              "The replication slot {{ $labels.slot_name }} on {{ $labels.pod }} holds {{ $value | humanize1024 }}B "
              "of WAL its standby has not received.", runbook(ctx, "PostgresReplicationLag"),
              steps=(
                  'kubectl cnpg status <cluster>: which standby lags, and is it streaming?',
                  'Look for long transactions or a slow disk on the standby; a lagging synchronous standby '
                  'slows commits.',
                  'A standby that cannot catch up can be recreated: delete its PVC and pod.',
              )),
        Alert("PostgresWalArchivingFailing",
              f"increase(cnpg_pg_stat_archiver_failed_count{{{pods}}}[15m]) > 0 "
              f"and on (pod) increase(cnpg_pg_stat_archiver_archived_count{{{pods}}}[15m]) == 0", "critical",
              f"PostgreSQL {name}: WAL archiving is failing on {{{{ $labels.pod }}}}",
              "Archiving failed and nothing was archived for 15 minutes: point-in-time recovery stops at the last "
              "archived WAL, and pg_wal fills up.", runbook(ctx, "PostgresWalArchivingFailing"), "5m",
              steps=(
                  'kubectl logs of the primary, container plugin-barman-cloud (or postgres for the in-tree '
                  "backup): the archive command's error.",
                  'Check the object store credentials Secret and the bucket policy; a full pg_wal follows '
                  'if archiving stays down.',
                  'Once fixed, archiving resumes from the oldest unarchived WAL by itself.',
              )),
        Alert("PostgresConnectionsNearMax",
              f"sum by (pod) (cnpg_backends_total{{{pods}}}) / on (pod) "
              f'max by (pod) (cnpg_pg_settings_setting{{{pods}, name="max_connections"}}) * 100 '
              f"> {limits['connectionsPercent']}", "warning",
              f"PostgreSQL {name}: {{{{ $labels.pod }}}} uses over {limits['connectionsPercent']}% of max_connections",
              "{{ $value | humanize }}% of max_connections are in use; new connections will soon be refused.",
              runbook(ctx, "PostgresConnectionsNearMax"),
              steps=(
                  'Find who holds connections: cnpg_backends_total by usename and application_name.',
                  'Send applications through the poolers, or raise max_connections (a restart) with the '
                  "poolers' sizes in mind (DSG303).",
              )),
        Alert("PostgresVolumeFilling",
              f"kubelet_volume_stats_used_bytes{{{_claims(ctx, pg)}}} / kubelet_volume_stats_capacity_bytes"
              f"{{{_claims(ctx, pg)}}} * 100 > {limits['volumePercent']}", "warning",
              f"PostgreSQL {name}: volume {{{{ $labels.persistentvolumeclaim }}}} is over "
              f"{limits['volumePercent']}% full",
              "{{ $value | humanize }}% of the volume is used; grow it (storage.size) before it fills.",
              runbook(ctx, "PostgresVolumeFilling"), "15m",
              steps=(
                  'Grow the volume: raise storage.size (or walStorage.size) and render; resizeInUseVolumes '
                  'grows it online.',
                  'A filling WAL volume usually means archiving or a replication slot is stuck: check '
                  'PostgresWalArchivingFailing.',
              )),
    ]
    if pg.backup:
        prefix = ("barman_cloud_cloudnative_pg_io" if cnpg.backup_method(ctx.operators["cloudnativepg"],
                                                                          pg.backup.method) == "plugin"
                  else "cnpg_collector")
        hours = limits["backupMaxAgeHours"]
        out += [
            Alert("PostgresBackupTooOld", f"time() - max({prefix}_last_available_backup_timestamp{{{pods}}}) "
                  f"> {hours * 3600}", "critical",
                  f"PostgreSQL {name}: no backup in the last {hours} hours",
                  "The newest base backup is {{ $value | humanizeDuration }} old: the recovery window and RPO grow.",
                  runbook(ctx, "PostgresBackupTooOld"), "10m",
              steps=(
                  'kubectl get backups -n <namespace>: did the scheduled backups run, and did they fail?',
                  'kubectl cnpg backup <cluster> takes one now; check the object store credentials and the '
                  "plugin's logs.",
              )),
            Alert("PostgresBackupFailed", f"max({prefix}_last_failed_backup_timestamp{{{pods}}}) "
                  f"> max({prefix}_last_available_backup_timestamp{{{pods}}})", "critical",
                  f"PostgreSQL {name}: the last backup failed",
                  "The newest backup attempt failed after the last good one.", runbook(ctx, "PostgresBackupFailed"),
                  "0m",
              steps=(
                  'kubectl describe backup of the failed one: its status names the error.',
                  'Fix the cause (credentials, bucket, network egress to object storage on 443) and take a '
                  'backup with kubectl cnpg backup <cluster>.',
              )),
        ]
    return out


# The design's query-level statistics (its "Performance Monitoring" metrics
# pg_stat_user_tables and pg_stat_user_indexes), which the default queries
# leave out: CloudNativePG runs these as cnpg_metrics_exporter, which inherits
# pg_monitor, in the databases listed (docs/src/monitoring.md, "User defined
# metrics"); names become cnpg_<query>_<column>.
CUSTOM_QUERIES_KEY = "custom-queries"


def _custom_queries(database: str) -> str:
    tables = ("seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del")
    lines = ["pg_stat_user_tables:",
             "  query: SELECT schemaname, relname, " + ", ".join(f"COALESCE({c}, 0) AS {c}" for c in tables)
             + ", n_live_tup, n_dead_tup FROM pg_catalog.pg_stat_user_tables",
             f"  target_databases: [{database}]", "  metrics:",
             "    - schemaname: {usage: LABEL, description: Schema}",
             "    - relname: {usage: LABEL, description: Table}"]
    lines += [f"    - {c}: {{usage: COUNTER, description: pg_stat_user_tables.{c}}}" for c in tables]
    lines += ["    - n_live_tup: {usage: GAUGE, description: Estimated live rows}",
              "    - n_dead_tup: {usage: GAUGE, description: Estimated dead rows}",
              "pg_stat_user_indexes:",
              "  query: SELECT schemaname, relname, indexrelname, idx_scan, idx_tup_read, idx_tup_fetch"
              " FROM pg_catalog.pg_stat_user_indexes",
              f"  target_databases: [{database}]", "  metrics:",
              "    - schemaname: {usage: LABEL, description: Schema}",
              "    - relname: {usage: LABEL, description: Table}",
              "    - indexrelname: {usage: LABEL, description: Index}"]
    lines += [f"    - {c}: {{usage: COUNTER, description: pg_stat_user_indexes.{c}}}"
              for c in ("idx_scan", "idx_tup_read", "idx_tup_fetch")]
    return "\n".join(lines) + "\n"


def custom_queries_ref(pg: Postgres) -> dict[str, str]:
    return {"name": f"{pg.name}-monitoring", "key": CUSTOM_QUERIES_KEY}


def log_parameters(ctx: Context) -> dict[str, str]:
    """The design's query logs: slow statements, connections and lock waits,
    in the JSON records CloudNativePG writes to standard output
    (docs/src/logging.md: logger "postgres", the record under "record")."""
    if not ctx.monitoring:
        return {}
    out = {}
    if ctx.monitoring["slowQueryMs"] is not None:
        out["log_min_duration_statement"] = str(ctx.monitoring["slowQueryMs"])
    if ctx.monitoring["logConnections"]:
        out.update({"log_connections": "on", "log_disconnections": "on"})
    if ctx.monitoring["logLockWaits"]:
        out["log_lock_waits"] = "on"
    return out


def parts(ctx: Context, pg: Postgres) -> Iterator[Part]:
    """PodMonitors for the instances and the poolers, the custom queries, and the alert group."""
    labels = ctx.monitoring["labels"]
    owner = Owner("postgresql", pg.name)
    ref = custom_queries_ref(pg)
    # cnpg.io/reload: the instances read a changed ConfigMap again (docs/src/monitoring.md)
    yield owner.part(ref["name"], "monitoring", {
        "apiVersion": "v1", "kind": "ConfigMap", "data": {ref["key"]: _custom_queries(pg.bootstrap.database)}},
        labels={cnpg.RELOAD_LABEL: ""})
    yield kits.pod_monitor(owner, f"{pg.name}-instances", select=cnpg.instance_pods(pg.name),
                           port=METRICS_PORT_NAME, labels=labels)
    if pg.poolers:
        yield kits.pod_monitor(Owner("pgbouncer", pg.name), f"{pg.name}-poolers", select=cnpg.pooler_pods(pg.name),
                               port=METRICS_PORT_NAME, labels=labels)
    yield kits.prometheus_rule(owner, f"{pg.name}-alerts", groups={"postgresql": alerts(ctx, pg)}, labels=labels)
    yield kits.dashboard(owner, f"{pg.name}-dashboard", title=f"PostgreSQL {pg.name}", panels=panels(ctx, pg),
                         labels=ctx.monitoring["dashboardLabels"])


def panels(ctx: Context, pg: Postgres) -> list[Panel]:
    """The alert conditions, replication, throughput and the tables' access
    patterns, from the same metrics as the alerts."""
    pods = f'namespace="{ctx.namespace}", pod=~"{pg.name}-[0-9]+"'
    return [
        Panel("Instances up", f"cnpg_collector_up{{{pods}}}"),
        Panel("Primary (0) or standby (1)", f"cnpg_pg_replication_in_recovery{{{pods}}}"),
        Panel("Replication lag by slot",
              f"max by (pod, slot_name) (cnpg_pg_replication_slots_pg_wal_lsn_diff{{{pods}}})", "bytes"),
        Panel("Connections by state", f"sum by (pod, state) (cnpg_backends_total{{{pods}}})"),
        Panel("Connections used of max_connections", f"sum by (pod) (cnpg_backends_total{{{pods}}}) / on (pod) "
              f'max by (pod) (cnpg_pg_settings_setting{{{pods}, name="max_connections"}})', "percentunit"),
        Panel("Commits per second", f"sum by (pod) (rate(cnpg_pg_stat_database_xact_commit{{{pods}}}[5m]))", "ops"),
        Panel("WAL archived and failed per second",
              f"rate(cnpg_pg_stat_archiver_archived_count{{{pods}}}[5m]) "
              f"or rate(cnpg_pg_stat_archiver_failed_count{{{pods}}}[5m])", "ops"),
        Panel("Sequential scans per second (top 10 tables)",
              f"topk(10, sum by (relname) (rate(cnpg_pg_stat_user_tables_seq_scan{{{pods}}}[5m])))", "ops"),
        Panel("Dead rows (top 10 tables)",
              f"topk(10, max by (relname) (cnpg_pg_stat_user_tables_n_dead_tup{{{pods}}}))"),
        Panel("Volumes used", f"kubelet_volume_stats_used_bytes{{{_claims(ctx, pg)}}} / "
              f"kubelet_volume_stats_capacity_bytes{{{_claims(ctx, pg)}}}", "percentunit"),
    ]
