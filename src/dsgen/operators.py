"""What dsgen knows about the operators it targets, keyed by their versions.

Everything version-dependent lives here so that supporting a new operator
release means editing one table, not the templates.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsgen.units import version_tuple

# ---------------------------------------------------------------- Strimzi


@dataclass(frozen=True)
class StrimziApi:
    """How a pinned Strimzi release wants its resources written."""

    version: str  # kafka.strimzi.io API version: v1 or v1beta2
    zookeeper_supported: bool  # ZooKeeper-based clusters still run
    kraft_annotations: bool  # Kafka needs strimzi.io/kraft and strimzi.io/node-pools


def strimzi_api(operator_version: str) -> StrimziApi:
    """Strimzi >= 0.49 serves ``kafka.strimzi.io/v1``; 0.46 dropped ZooKeeper;
    before 0.48 KRaft clusters must opt in with two annotations."""
    v = version_tuple(operator_version)
    return StrimziApi(
        version="v1" if v >= (0, 49, 0) else "v1beta2",
        zookeeper_supported=v < (0, 46, 0),
        kraft_annotations=v < (0, 48, 0),
    )


def strimzi_min_kafka(operator_version: str) -> tuple[int, int, int]:
    """The oldest Kafka a Strimzi release runs: 0.46 needs 3.9, 0.48 needs 4.0."""
    v = version_tuple(operator_version)
    if v >= (0, 48, 0):
        return (4, 0, 0)
    if v >= (0, 46, 0):
        return (3, 9, 0)
    return (0, 0, 0)


# Kafka broker config keys Strimzi manages itself; it drops them with a warning.
STRIMZI_FORBIDDEN_KAFKA_PREFIXES = (
    "listeners", "advertised.", "broker.", "listener.", "host.name", "port",
    "inter.broker.listener.name", "sasl.", "ssl.", "security.", "password.", "log.dir",
    "zookeeper.connect", "zookeeper.set.acl", "zookeeper.ssl", "zookeeper.clientCnxnSocket",
    "authorizer.", "super.user", "cruise.control.metrics.topic",
    "cruise.control.metrics.reporter.bootstrap.servers", "node.id", "process.roles",
    "controller.", "metadata.log.dir", "zookeeper.metadata.migration.enable",
    "client.quota.callback.static.kafka.admin.", "client.quota.callback.static.produce",
    "client.quota.callback.static.fetch",
    "client.quota.callback.static.storage.per.volume.limit.min.available.",
    "client.quota.callback.static.excluded.principal.name.list",
)
STRIMZI_ALLOWED_KAFKA_EXCEPTIONS = frozenset({
    "zookeeper.connection.timeout.ms", "sasl.server.max.receive.size", "ssl.cipher.suites",
    "ssl.protocol", "ssl.enabled.protocols", "ssl.secure.random.implementation",
    "cruise.control.metrics.topic.num.partitions",
    "cruise.control.metrics.topic.replication.factor",
    "cruise.control.metrics.topic.retention.ms",
    "cruise.control.metrics.topic.auto.create.retries",
    "cruise.control.metrics.topic.auto.create.timeout.ms",
    "cruise.control.metrics.topic.min.insync.replicas",
    "controller.quorum.election.backoff.max.ms", "controller.quorum.election.timeout.ms",
    "controller.quorum.fetch.timeout.ms",
})
# Broker settings that exist only with ZooKeeper; KRaft clusters use metadataVersion.
KAFKA_ZOOKEEPER_ONLY_CONFIG = {
    "inter.broker.protocol.version": "KRaft clusters set kafka.metadataVersion instead",
    "log.message.format.version": "removed in Kafka 4.0 and ignored by KRaft clusters",
}

STRIMZI_FORBIDDEN_ZOOKEEPER_PREFIXES = (
    "server.", "dataDir", "dataLogDir", "clientPort", "authProvider", "quorum.auth",
    "requireClientAuthScheme", "snapshot.trust.empty", "standaloneEnabled", "reconfigEnabled",
    "4lw.commands.whitelist", "secureClientPort", "ssl.", "serverCnxnFactory", "sslQuorum",
)
STRIMZI_ALLOWED_ZOOKEEPER_EXCEPTIONS = frozenset({
    "ssl.protocol", "ssl.quorum.protocol", "ssl.enabledProtocols", "ssl.quorum.enabledProtocols",
    "ssl.ciphersuites", "ssl.quorum.ciphersuites", "ssl.hostnameVerification",
    "ssl.quorum.hostnameVerification",
})


def strimzi_forbidden(key: str, prefixes: tuple[str, ...], exceptions: frozenset[str]) -> str | None:
    """The forbidden prefix ``key`` starts with, or None when Strimzi accepts it."""
    if key in exceptions:
        return None
    for prefix in prefixes:
        if key.startswith(prefix):
            return prefix
    return None


# ---------------------------------------------------------------- CloudNativePG

# PostgreSQL parameters CloudNativePG sets itself ("fixed") or refuses ("blocked").
CNPG_FIXED_PARAMETERS = frozenset({
    "archive_command", "archive_mode", "cluster_name", "port", "primary_conninfo",
    "primary_slot_name", "recovery_target", "recovery_target_action",
    "recovery_target_inclusive", "recovery_target_lsn", "recovery_target_name",
    "recovery_target_time", "recovery_target_timeline", "recovery_target_xid",
    "restore_command", "shared_preload_libraries", "temp_tablespaces",
    "pg_failover_slots.primary_dsn", "pg_failover_slots.standby_slot_names", "ssl",
    "ssl_ca_file", "ssl_cert_file", "ssl_crl_file", "ssl_dh_params_file", "ssl_ecdh_curve",
    "ssl_key_file", "ssl_passphrase_command", "ssl_passphrase_command_supports_reload",
    "ssl_prefer_server_ciphers", "synchronous_standby_names", "synchronized_standby_slots",
})
CNPG_BLOCKED_PARAMETERS = frozenset({
    "allow_system_table_mods", "bonjour", "bonjour_name", "config_file", "data_directory",
    "data_sync_retry", "dynamic_shared_memory_type", "event_source", "external_pid_file",
    "hba_file", "hot_standby", "huge_pages", "ident_file", "jit_provider", "listen_addresses",
    "logging_collector", "unix_socket_directories", "unix_socket_group",
    "unix_socket_permissions", "archive_cleanup_command", "log_destination", "log_directory",
    "log_file_mode", "log_filename", "log_rotation_age", "log_rotation_size",
    "log_truncate_on_rotation", "promote_trigger_file", "recovery_end_command",
    "recovery_min_apply_delay", "restart_after_crash", "stats_temp_directory",
    "syslog_facility", "syslog_ident", "syslog_sequence_numbers", "syslog_split_messages",
})


def cnpg_parameter_problem(name: str) -> str | None:
    if name in CNPG_FIXED_PARAMETERS:
        return "is managed by CloudNativePG and cannot be set (fixed parameter)"
    if name in CNPG_BLOCKED_PARAMETERS:
        return "is blocked by CloudNativePG and cannot be set"
    return None


BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io"


def cnpg_backup_method(operator_version: str, asked: str = "auto") -> str:
    """CloudNativePG 1.26 deprecates in-tree barmanObjectStore for the Barman Cloud plugin."""
    if asked != "auto":
        return asked
    return "plugin" if version_tuple(operator_version) >= (1, 26, 0) else "barmanObjectStore"


# PgBouncer parameters the Pooler webhook accepts (CloudNativePG 1.29); any
# other key is rejected as "Invalid or reserved parameter".
CNPG_POOLER_ALLOWED = frozenset({
    "application_name_add_host", "auth_type", "autodb_idle_timeout", "cancel_wait_timeout",
    "client_idle_timeout", "client_login_timeout", "client_tls_sslmode", "default_pool_size",
    "disable_pqexec", "dns_max_ttl", "dns_nxdomain_ttl", "idle_transaction_timeout",
    "ignore_startup_parameters", "listen_backlog", "log_connections", "log_disconnections",
    "log_pooler_errors", "log_stats", "max_client_conn", "max_db_connections",
    "max_packet_size", "max_prepared_statements", "max_user_connections", "min_pool_size",
    "pkt_buf", "query_timeout", "query_wait_timeout", "reserve_pool_size",
    "reserve_pool_timeout", "sbuf_loopcnt", "server_check_delay", "server_check_query",
    "server_connect_timeout", "server_fast_close", "server_idle_timeout", "server_lifetime",
    "server_login_retry", "server_reset_query", "server_reset_query_always",
    "server_round_robin", "server_tls_ciphers", "server_tls_protocols", "server_tls_sslmode",
    "stats_period", "suspend_timeout", "tcp_defer_accept", "tcp_socket_buffer",
    "tcp_keepalive", "tcp_keepcnt", "tcp_keepidle", "tcp_keepintvl", "tcp_user_timeout",
    "track_extra_parameters", "verbose",
})

# ---------------------------------------------------------------- spotahome redis-operator

# Settings the operator writes into redis.conf itself.
REDIS_OPERATOR_MANAGED = frozenset({
    "port", "bind", "dir", "requirepass", "masterauth", "replicaof", "slaveof", "daemonize",
    "pidfile", "logfile", "include", "rename-command",
})
# Settings Redis refuses to change with CONFIG SET; the operator applies
# customConfig with CONFIG SET, so dsgen passes these as server arguments.
REDIS_STARTUP_ONLY = frozenset({
    "tcp-backlog", "databases", "unixsocket", "unixsocketperm", "supervised",
    "always-show-logo", "syslog-enabled", "syslog-ident", "syslog-facility", "io-threads",
    "disable-thp", "enable-protected-configs", "enable-debug-command",
    "enable-module-command", "cluster-enabled", "cluster-config-file", "appenddirname",
})
REDIS_DEFAULT_COMMAND = ("redis-server", "/redis/redis.conf")
SPOTAHOME_MAX_NAME = 48

# Sentinel settings: the operator applies them with SENTINEL SET <master> <key> <value>.
SENTINEL_SETTABLE = frozenset({
    "down-after-milliseconds", "failover-timeout", "parallel-syncs", "notification-script",
    "client-reconfig-script", "auth-pass", "auth-user", "quorum",
})
