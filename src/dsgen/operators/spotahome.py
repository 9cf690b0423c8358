"""The spotahome redis-operator (databases.spotahome.com/v1 RedisFailover).

Sources: github.com/spotahome/redis-operator at v1.2.4 (the last release;
1.3.0-rc1 the last pre-release).
"""

from __future__ import annotations

from dsgen.operators import redis

# The releases dsgen supports; 1.2.4 is the last release of the operator.
SUPPORTED = ("1.2.0", "1.2.4")

MAX_NAME = 48

# The operator's own redis.conf (operator/redisfailover/service/generator.go,
# redisConfigTemplate): "port", "tcp-keepalive 60", "save 900 1", "save 300
# 10"; no appendonly, no maxmemory. It applies customConfig afterwards with
# CONFIG SET (service/redis/client.go SetCustomRedisConfig, called from
# operator/redisfailover/checker.go applyRedisCustomConfig), and never writes
# it into redis.conf: a pod (re)starts with the template's settings until the
# next reconcile. Settings that decide what a starting server does with its
# data therefore go on the redis-server command line.
DECIDES_STARTUP = frozenset({"appendonly", "appendfsync", "save", "maxmemory", "maxmemory-policy",
                             "appendfilename", "dbfilename"})

# The operator copies every label of the RedisFailover onto the objects it
# creates unless spec.labelWhitelist lists regexes of the ones to copy
# (operator/redisfailover/handler.go, getLabels).
LABEL_WHITELIST = ("^app\\.kubernetes\\.io/part-of$",)



def pdb_min_available(redis_replicas: int) -> int:
    """minAvailable of the operator's PodDisruptionBudgets for Redis and the
    sentinels (operator/redisfailover/service/client.go,
    ensurePodDisruptionBudget); 1.2.x has no switch to turn them off."""
    return 1 if redis_replicas <= 2 else 2

# Settings the operator writes into redis.conf itself.
MANAGED = frozenset({
    "port", "bind", "dir", "requirepass", "masterauth", "replicaof", "slaveof", "daemonize",
    "pidfile", "logfile", "include", "rename-command",
})
# Settings Redis refuses to change with CONFIG SET (IMMUTABLE_CONFIG in its
# src/config.c); the operator applies customConfig with CONFIG SET, so dsgen
# passes these as server arguments.
STARTUP_ONLY = redis.immutable()
DEFAULT_COMMAND = ("redis-server", "/redis/redis.conf")

# Sentinel settings: the operator applies them with SENTINEL SET <master> <key> <value>.
SENTINEL_SETTABLE = frozenset({
    "down-after-milliseconds", "failover-timeout", "parallel-syncs", "notification-script",
    "client-reconfig-script", "auth-pass", "auth-user", "quorum",
})

# Network facts (v1.2.4). Pods carry app.kubernetes.io/name: <RedisFailover>,
# app.kubernetes.io/component: redis or sentinel and app.kubernetes.io/part-of:
# redis-failover (operator/redisfailover/service/client.go generateSelectorLabels,
# constants.go); Redis listens on 6379 (api/redisfailover/v1/defaults.go), sentinels
# on 26379 (service/generator.go), the exporters on 9121 and 9355 (constants.go).
# The operator's pods carry app.kubernetes.io/name: redis-operator (the chart's
# selectorLabels, charts/redisoperator/templates/_helpers.tpl) and connect to both.
OPERATOR_POD = {"app.kubernetes.io/name": "redis-operator"}
# The image Redis runs when the RedisFailover names none (api/redisfailover/v1/defaults.go).
DEFAULT_IMAGE = "redis:6.2.6-alpine"


def sentinel_service(name: str) -> str:
    """The sentinels' Service: rfs-<name> (service/names.go GetSentinelName, constants.go)."""
    return f"rfs-{name}"
REDIS_PORT = 6379
SENTINEL_PORT = 26379
# The exporters' container ports are both named "metrics" (service/generator.go,
# createRedisExporterContainer and createSentinelExporterContainer).
EXPORTER_PORT_NAME = "metrics"
REDIS_EXPORTER_PORT = 9121
SENTINEL_EXPORTER_PORT = 9355


def pod_labels(name: str, component: str) -> dict[str, str]:
    """The selector labels of a RedisFailover's redis or sentinel pods."""
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": "redis-failover"}
