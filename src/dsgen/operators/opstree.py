"""OT-Container-Kit's redis-operator (redis.redis.opstreelabs.in/v1beta2:
RedisReplication and RedisSentinel).

Source: github.com/OT-CONTAINER-KIT/redis-operator at v0.26.0 (the release whose
CRDs ../shared/apiserver holds).
"""

from __future__ import annotations

SUPPORTED = ("0.26.0",)
GROUP = "redis.redis.opstreelabs.in"

# internal/controller/common/constants.go
REDIS_PORT, SENTINEL_PORT, EXPORTER_PORT = 6379, 26379, 9121
EXPORTER_PORT_NAME = "redis-exporter"  # the exporter container's port (RedisExporterPortName)

# The operator's pods: charts/redis-operator _helpers.tpl selectorLabels
# ("name: {{ .Values.redisOperator.name }}", values.yaml: redis-operator); the
# chart is installed into ot-operators (docs Installation).
OPERATOR_POD = {"name": "redis-operator"}

# The images the operator's charts pin (charts/redis-replication and
# charts/redis-sentinel values.yaml). Their entrypoints write redis.conf and
# sentinel.conf from the environment the operator sets (or, with the
# GenerateConfigInInitContainer feature, its own agent does the same:
# internal/agent/bootstrap), so the images must be these.
REDIS_IMAGE = "quay.io/opstree/redis:v7.0.15"
SENTINEL_IMAGE = "quay.io/opstree/redis-sentinel:v7.0.15"
EXPORTER_IMAGE = "quay.io/opstree/redis-exporter:v1.44.0"
IMAGE_REPOSITORIES = {"redis": "quay.io/opstree/redis", "sentinel": "quay.io/opstree/redis-sentinel"}

# The ConfigMap keys the generated configs include last (EXTERNAL_CONFIG_FILE
# defaults of internal/agent/bootstrap/redis/config.go and sentinel/config.go;
# the ConfigMap is mounted at /etc/redis/external.conf.d, k8sutils/statefulset.go).
REDIS_CONFIG_KEY = "redis-additional.conf"
SENTINEL_CONFIG_KEY = "redis-sentinel-additional.conf"

# What the generated redis.conf holds before the user's file, which is included
# last (internal/agent/bootstrap/redis/config.go GenerateConfig): a later line
# wins for a single-value setting, so these must not be set again.
REDIS_MANAGED = frozenset({"bind", "daemonize", "supervised", "pidfile", "masterauth", "requirepass",
                           "protected-mode", "port", "tls-port", "tls-cert-file", "tls-key-file",
                           "tls-ca-cert-file", "tls-auth-clients", "tls-replication", "dir", "include",
                           "cluster-enabled", "aclfile"})
# The sentinel settings the RedisSentinel spec has fields for (common_types.go
# SentinelConfig), by their sentinel.conf names.
SENTINEL_FIELDS = {"down-after-milliseconds": "downAfterMilliseconds", "failover-timeout": "failoverTimeout",
                   "parallel-syncs": "parallelSyncs"}
MASTER_GROUP = "mymaster"  # the agent's default MASTER_GROUP_NAME


def replication_pods(name: str) -> dict[str, str]:
    """Labels of a RedisReplication's pods (k8sutils/redis-replication.go,
    common/labels.go getRedisStableLabels)."""
    return {"app": name, "redis_setup_type": "replication", "role": "replication"}


def sentinel_pods(name: str) -> dict[str, str]:
    """Labels of a RedisSentinel's pods: its StatefulSet is <name>-sentinel
    (k8sutils/redis-sentinel.go CreateRedisSentinelSetup)."""
    return {"app": f"{name}-sentinel", "redis_setup_type": "sentinel", "role": "sentinel"}


def services(name: str) -> list[str]:
    """The Services the operator makes for a RedisReplication and a RedisSentinel
    of that name (k8sutils/redis-replication.go, redis-sentinel.go)."""
    return [name, f"{name}-headless", f"{name}-additional", f"{name}-master", f"{name}-replica",
            f"{name}-sentinel", f"{name}-sentinel-headless", f"{name}-sentinel-additional"]


def redis_conf(*, password: str | None, tls: dict[str, str] | None, persistence: bool, include: str | None,
               port: int = REDIS_PORT, data_dir: str = "/data") -> list[str]:
    """The redis.conf a replication pod starts with, line by line, as
    internal/agent/bootstrap/redis/config.go GenerateConfig writes it (v0.26.0)
    for the environment the operator sets; ``tls`` maps cert, key and ca to
    their paths."""
    lines = ["bind 0.0.0.0 ::", "tcp-backlog 511", "timeout 0", "tcp-keepalive 60", "daemonize no",
             "supervised no", "pidfile /var/run/redis.pid"]
    if password:
        lines += [f"masterauth {password}", f"requirepass {password}", "protected-mode yes"]
    else:
        lines.append("protected-mode no")
    if tls:
        lines += [f"tls-cert-file {tls['cert']}", f"tls-key-file {tls['key']}", f"tls-ca-cert-file {tls['ca']}",
                  "tls-auth-clients optional", "tls-replication yes"]
    if persistence:
        lines += ["save 900 1", "save 300 10", "save 60 10000", "Appendonly yes",
                  'Appendfilename "Appendonly.aof"', f"dir {data_dir}"]
    lines += ["port 0", f"tls-port {port}"] if tls else [f"port {port}"]
    if include:
        lines.append(f"include {include}")
    return lines


def sentinel_conf(*, password: str | None, master_ip: str, master_port: int, quorum: int, settings: dict[str, str],
                  tls: dict[str, str] | None, port: int = SENTINEL_PORT, include: str | None = None) -> list[str]:
    """The sentinel.conf a sentinel pod starts with, as
    internal/agent/bootstrap/sentinel/config.go GenerateConfig writes it; the
    operator gives it the master's address and the RedisSentinel's settings.
    MASTER_PASSWORD (the replication's password) becomes auth-pass."""
    group = MASTER_GROUP
    lines = ["daemonize no", "pidfile /var/run/redis-sentinel.pid", 'logfile ""', "dir /tmp",
             "acllog-max-len 128", "sentinel deny-scripts-reconfig yes"]
    if password:
        lines += [f"masterauth {password}", f"requirepass {password}", "protected-mode yes"]
    else:
        lines.append("protected-mode no")
    lines += [f"sentinel monitor {group} {master_ip} {master_port} {quorum}",
              f"sentinel down-after-milliseconds {group} {settings.get('down-after-milliseconds', '30000')}",
              f"sentinel parallel-syncs {group} {settings.get('parallel-syncs', '1')}",
              f"sentinel failover-timeout {group} {settings.get('failover-timeout', '180000')}",
              "sentinel resolve-hostnames no", "sentinel announce-hostnames no"]
    if password:
        lines.append(f"sentinel auth-pass {group} {password}")
    lines.append(f"port {port}")
    if tls:
        lines += ["port 0", f"tls-port {port}", f"tls-cert-file {tls['cert']}", f"tls-key-file {tls['key']}",
                  f"tls-ca-cert-file {tls['ca']}", "tls-auth-clients optional", "tls-replication yes"]
    if include:
        lines.append(f"include {include}")
    return lines
