"""The spotahome redis-operator (databases.spotahome.com/v1 RedisFailover)."""

from __future__ import annotations

MAX_NAME = 48

# Settings the operator writes into redis.conf itself.
MANAGED = frozenset({
    "port", "bind", "dir", "requirepass", "masterauth", "replicaof", "slaveof", "daemonize",
    "pidfile", "logfile", "include", "rename-command",
})
# Settings Redis refuses to change with CONFIG SET; the operator applies
# customConfig with CONFIG SET, so dsgen passes these as server arguments.
STARTUP_ONLY = frozenset({
    "tcp-backlog", "databases", "unixsocket", "unixsocketperm", "supervised",
    "always-show-logo", "syslog-enabled", "syslog-ident", "syslog-facility", "io-threads",
    "disable-thp", "enable-protected-configs", "enable-debug-command",
    "enable-module-command", "cluster-enabled", "cluster-config-file", "appenddirname",
})
DEFAULT_COMMAND = ("redis-server", "/redis/redis.conf")

# Sentinel settings: the operator applies them with SENTINEL SET <master> <key> <value>.
SENTINEL_SETTABLE = frozenset({
    "down-after-milliseconds", "failover-timeout", "parallel-syncs", "notification-script",
    "client-reconfig-script", "auth-pass", "auth-user", "quorum",
})
