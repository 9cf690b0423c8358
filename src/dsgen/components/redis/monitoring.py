"""Redis's metrics and alerts, whichever operator runs it.

Both operators run oliver006's redis_exporter beside Redis and beside each
sentinel; dsgen pins v1.44.0 on both (OT-Container-Kit's charts pin it;
spotahome 1.2.4 defaults to v1.43.0, which lacks the sentinel quorum
metric). Metric names from its source at v1.44.0 (namespace redis, main.go):
``redis_up``, ``redis_instance_info{role}``, ``redis_connected_slaves``,
``redis_master_link_up``, ``redis_memory_used_bytes``,
``redis_memory_max_bytes``, ``redis_rejected_connections_total``,
``redis_connected_clients``, ``redis_commands_processed_total``,
``redis_keyspace_hits_total``, ``redis_keyspace_misses_total``
(exporter/exporter.go, info.go), and from sentinels
``redis_sentinel_masters``, ``redis_sentinel_master_status`` (1 when "ok")
and ``redis_sentinel_master_ckquorum_status`` (1 when SENTINEL CKQUORUM
succeeds; exporter/sentinels.go). Alerts select by the PodMonitors' jobs
(<namespace>/<PodMonitor>), which do not depend on the operator's pod names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Mapping

from dsgen import kits
from dsgen.kits import Alert, Owner, Panel
from dsgen.contract import runbook_path

if TYPE_CHECKING:
    from dsgen.contract import Context, Part
    from dsgen.components.redis.model import Redis

EXPORTER_IMAGE = "quay.io/oliver006/redis_exporter:v1.44.0"


def _runbook(ctx: Context, alert: str) -> str:
    return f"{runbook_path(ctx)}#{alert.lower()}"


def alerts(ctx: Context, redis: Redis) -> list[Alert]:
    ns, name = ctx.namespace, redis.name
    servers, sentinels = f'job="{ns}/{name}-redis"', f'job="{ns}/{name}-sentinels"'
    limits = ctx.monitoring["thresholds"]
    replicas = redis.redis.replicas - 1
    return [
        Alert("RedisDown", f"redis_up{{{servers}}} == 0 or up{{{servers}}} == 0", "critical",
              f"Redis {name}: {{{{ $labels.pod }}}} is down", "The Redis server does not answer its exporter.",
              _runbook(ctx, "RedisDown"), "2m",
              steps=(
                  'kubectl describe and logs of the pod: crash, OOM kill (maxmemory above the limit?), full '
                  'volume?',
                  'If it was the master, the sentinels fail over; check RedisNoMaster.',
              )),
        Alert("RedisNoMaster", f"max(redis_sentinel_master_status{{{sentinels}}}) == 0 "
              f"or max(redis_sentinel_masters{{{sentinels}}}) == 0", "critical",
              f"Redis {name}: the sentinels see no healthy master",
              "No sentinel reports its master as ok: writes fail until a failover completes.",
              _runbook(ctx, "RedisNoMaster"), "1m",
              steps=(
                  'Ask a sentinel: SENTINEL get-master-addr-by-name mymaster (with the password, and TLS '
                  'where enabled).',
                  'Check that a majority of sentinels runs (RedisSentinelQuorumLost) and can reach the '
                  'servers (NetworkPolicies).',
              )),
        Alert("RedisSentinelQuorumLost", f"min(redis_sentinel_master_ckquorum_status{{{sentinels}}}) == 0",
              "critical", f"Redis {name}: the sentinels cannot reach a quorum",
              "SENTINEL CKQUORUM fails: too few sentinels are reachable to authorise a failover.",
              _runbook(ctx, "RedisSentinelQuorumLost"), "2m",
              steps=(
                  'kubectl get pods of the sentinels: fewer than a majority are running or reachable.',
                  'Restore the sentinels (node drain, PodDisruptionBudget, network); no failover can happen '
                  'until then.',
              )),
        Alert("RedisSplitBrain", f'count(redis_instance_info{{{servers}, role="master"}}) > 1', "critical",
              f"Redis {name}: more than one master",
              "{{ $value }} servers call themselves master: writes to the wrong one are lost when it rejoins.",
              _runbook(ctx, "RedisSplitBrain"), "1m",
              steps=(
                  'Find the servers that report role:master (INFO replication).',
                  "The sentinels' master is the right one; make the other a replica (REPLICAOF) or restart "
                  'it, accepting the loss of its recent writes.',
              )),
        Alert("RedisReplicationBroken", f"redis_master_link_up{{{servers}}} == 0", "critical",
              f"Redis {name}: {{{{ $labels.pod }}}} lost its master",
              "The replica's link to its master is down: it serves stale data and cannot take over.",
              _runbook(ctx, "RedisReplicationBroken"), "2m",
              steps=(
                  'INFO replication on the replica: master_link_status and the last error.',
                  'Check the password (masterauth) and TLS between the servers; a replica that cannot '
                  'resync can be restarted.',
              )),
        Alert("RedisReplicasMissing", f'max(redis_connected_slaves{{{servers}}} and on (pod) '
              f'redis_instance_info{{{servers}, role="master"}}) < {replicas}', "warning",
              f"Redis {name}: the master has fewer than {replicas} replicas",
              "Only {{ $value }} replicas follow the master.", _runbook(ctx, "RedisReplicasMissing"), "5m",
              steps=(
                  'kubectl get pods of the Redis servers: which are not running or not replicating?',
                  "Check RedisReplicationBroken and the pods' events.",
              )),
        Alert("RedisMemoryNearMax", f"redis_memory_used_bytes{{{servers}}} / redis_memory_max_bytes{{{servers}}} "
              f"* 100 > {limits['memoryPercent']} and redis_memory_max_bytes{{{servers}}} > 0", "warning",
              f"Redis {name}: {{{{ $labels.pod }}}} is over {limits['memoryPercent']}% of maxmemory",
              "{{ $value | humanize }}% of maxmemory is used: keys are being evicted (or writes refused).",
              _runbook(ctx, "RedisMemoryNearMax"),
              steps=(
                  'INFO memory and the eviction policy: is eviction keeping up, or are writes refused '
                  '(noeviction)?',
                  'Raise maxmemory together with the memory limit (DSG305), or shorten key lifetimes.',
              )),
        Alert("RedisRejectedConnections", f"increase(redis_rejected_connections_total{{{servers}}}[5m]) > 0",
              "warning", f"Redis {name}: {{{{ $labels.pod }}}} refuses connections",
              "Connections were refused in the last 5 minutes: maxclients is reached.",
              _runbook(ctx, "RedisRejectedConnections"), "0m",
              steps=(
                  'INFO clients: connected_clients against maxclients.',
                  'Find leaking clients, or raise maxclients.',
              )),
        *backup_alerts(ctx, redis),
    ]


def backup_alerts(ctx: Context, redis: Redis) -> list[Alert]:
    """A snapshot job that has not completed on schedule (kube-state-metrics)."""
    if redis.backup is None or not redis.backup.snapshots:
        return []
    return [kits.cron_jobs_late(
        "RedisBackupMissing", ctx.namespace,
        {f"{redis.name}-backup-{name}": s.schedule for name, s in redis.backup.snapshots.items()},
        pods="redis-backup", containers=("snapshot", "upload"),
        summary=f"Redis {redis.name}: {{{{ $labels.cronjob }}}} has taken no snapshot on schedule",
        description="The snapshot job has not completed a run for {{ $value | humanizeDuration }}: the newest "
                    "snapshot in S3 is older than the schedule promises.",
        runbook_url=_runbook(ctx, "RedisBackupMissing"),
        steps=("Snapshot step: are the sentinels and a replica reachable (NetworkPolicies, password, TLS)? Upload "
               "step: the S3 credentials, the bucket's policy and the region.",))]


def parts(ctx: Context, redis: Redis, *, servers: Mapping[str, str], sentinels: Mapping[str, str],
          port: str) -> Iterator[Part]:
    """PodMonitors for Redis's and the sentinels' exporters (container port
    ``port``), and the alert group."""
    labels = ctx.monitoring["labels"]
    owner = Owner("redis", redis.name)
    yield kits.pod_monitor(owner, f"{redis.name}-redis", select=servers, port=port, labels=labels)
    yield kits.pod_monitor(owner, f"{redis.name}-sentinels", select=sentinels, port=port, labels=labels)
    yield kits.prometheus_rule(owner, f"{redis.name}-alerts", groups={"redis": alerts(ctx, redis)}, labels=labels)
    yield kits.dashboard(owner, f"{redis.name}-dashboard", title=f"Redis {redis.name}", panels=panels(ctx, redis),
                         labels=ctx.monitoring["dashboardLabels"])


def panels(ctx: Context, redis: Redis) -> list[Panel]:
    servers = f'job="{ctx.namespace}/{redis.name}-redis"'
    sentinels = f'job="{ctx.namespace}/{redis.name}-sentinels"'
    return [
        Panel("Servers up", f"redis_up{{{servers}}}"),
        Panel("Role (master)", f'redis_instance_info{{{servers}, role="master"}}'),
        Panel("Replicas of each server", f"redis_connected_slaves{{{servers}}}"),
        Panel("Sentinels: master ok", f"redis_sentinel_master_status{{{sentinels}}}"),
        Panel("Sentinels: quorum reachable", f"redis_sentinel_master_ckquorum_status{{{sentinels}}}"),
        Panel("Memory used of maxmemory", f"redis_memory_used_bytes{{{servers}}} / redis_memory_max_bytes{{{servers}}}",
              "percentunit"),
        Panel("Commands per second", f"rate(redis_commands_processed_total{{{servers}}}[5m])", "ops"),
        Panel("Clients", f"redis_connected_clients{{{servers}}}"),
        Panel("Hit ratio", f"rate(redis_keyspace_hits_total{{{servers}}}[5m]) / (rate(redis_keyspace_hits_total"
              f"{{{servers}}}[5m]) + rate(redis_keyspace_misses_total{{{servers}}}[5m]))", "percentunit"),
        Panel("Rejected connections per second", f"rate(redis_rejected_connections_total{{{servers}}}[5m])", "ops"),
    ]
