"""CloudNativePG and its Barman Cloud plugin."""

from __future__ import annotations

from dsgen.operators import Releases, facts

RELEASES: Releases = (
    ("0.0", {
        "backupMethod": "barmanObjectStore",  # what backup.method: auto means
        "barmanCloudPlugin": False,           # the Barman Cloud plugin can archive WAL
        "defaultPostgres": 16,                # major of its default image (pkg/versions/versions.go)
    }),
    ("1.25", {"barmanCloudPlugin": True, "defaultPostgres": 17}),
    # 1.26 deprecates the in-tree barmanObjectStore for the plugin.
    ("1.26", {"backupMethod": "plugin"}),
    ("1.28", {"defaultPostgres": 18}),
)


def release(pinned: str) -> dict:
    return facts(RELEASES, pinned)


# The releases dsgen knows: what its schemas and rules were checked against
# (the CRDs of 1.29.2 and 1.30.0 in ../shared/apiserver, the catalog's 1.29),
# back to 1.24, the last release with only the in-tree backup.
SUPPORTED = ("1.24.0", "1.30.0")


def backup_method(pinned: str, asked: str = "auto") -> str:
    return asked if asked != "auto" else release(pinned)["backupMethod"]


BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io"

# PostgreSQL parameters CloudNativePG sets itself ("fixed") or refuses ("blocked").
FIXED_PARAMETERS = frozenset({
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
BLOCKED_PARAMETERS = frozenset({
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

# PgBouncer parameters the Pooler webhook accepts (CloudNativePG 1.29); any
# other key is rejected as "Invalid or reserved parameter".
POOLER_ALLOWED = frozenset({
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

# Secrets CloudNativePG writes for every Cluster: <cluster>-<suffix>.
GENERATED_SECRET_SUFFIXES = ("app", "superuser", "ca", "server", "replication")
