"""CloudNativePG and its Barman Cloud plugin."""

from __future__ import annotations

from functools import lru_cache

from dsgen.operators import DEFAULT_PINS, Releases, data, facts, nearest

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
# The keys of an S3 credentials Secret (postgres.backup.s3.credentialsSecret), as
# the Barman Cloud object store examples name them (plugin-barman-cloud
# web/docs/object_stores.md); the Redis backup jobs read the same two.
S3_KEYS = ("ACCESS_KEY_ID", "ACCESS_SECRET_KEY")

# PostgreSQL parameters CloudNativePG sets itself ("fixed") or refuses
# ("blocked"), and the PgBouncer parameters its Pooler webhook accepts, per
# minor release: read from its source at each tag (data/cloudnativepg.json,
# written by scripts/cnpg_parameters.py; the sources are named there).


@lru_cache(maxsize=None)
def parameters(pinned: str | None) -> dict[str, frozenset[str] | str]:
    """fixed, blocked and poolerAllowed (frozensets) and the tag they come from,
    for the pinned release: its minor's, else the newest older minor's."""
    table = data("cloudnativepg")["releases"]
    entry = table[nearest(table, pinned or DEFAULT_PINS["cloudnativepg"])]
    return {"tag": entry["tag"], **{key: frozenset(entry[key]) for key in ("fixed", "blocked", "poolerAllowed")}}


# Secrets CloudNativePG writes for every Cluster: <cluster>-<suffix>.
GENERATED_SECRET_SUFFIXES = ("app", "superuser", "ca", "server", "replication")


# Network facts (CloudNativePG 1.29.2). The operator's pods carry
# app.kubernetes.io/name: cloudnative-pg (config/manager/manager.yaml) and
# must reach every instance on the status port and PostgreSQL's
# (docs/src/networking.md, samples/networkpolicy-example.yaml); ports from
# pkg/management/url/url.go. Instances carry cnpg.io/cluster and
# cnpg.io/podRole: instance (pkg/specs/pods.go); pooler pods cnpg.io/cluster,
# cnpg.io/poolerName and cnpg.io/podRole: pooler (pkg/specs/pgbouncer/deployments.go).
OPERATOR_POD = {"app.kubernetes.io/name": "cloudnative-pg"}
POSTGRES_PORT = 5432
STATUS_PORT = 8000
METRICS_PORT = 9187
PGBOUNCER_METRICS_PORT = 9127
# Barman Cloud reaches object storage over HTTPS (S3's endpoints listen on 443).
HTTPS_PORT = 443
# A Secret or ConfigMap with this label is reloaded by the instances when it
# changes (docs/src/certificates.md).
RELOAD_LABEL = "cnpg.io/reload"
# The read-write service of a cluster is <cluster>-rw (api/v1 cluster_types.go ServiceReadWriteSuffix).
RW_SUFFIX = "-rw"


def instance_pods(cluster: str) -> dict[str, str]:
    return {"cnpg.io/cluster": cluster, "cnpg.io/podRole": "instance"}


def pooler_pods(cluster: str, pooler: str | None = None) -> dict[str, str]:
    """The pods of one pooler, or of every pooler of a cluster."""
    return {"cnpg.io/poolerName": pooler} if pooler else {"cnpg.io/cluster": cluster, "cnpg.io/podRole": "pooler"}


# Connections without TLS refused by the server: CloudNativePG's pg_hba.conf
# is its fixed rules (local peer, certificate auth for streaming_replica and
# cnpg_pooler_pgbouncer, all hostssl), then the user's pg_hba lines, then
# "host all all all <default method>" (pkg/postgres/configuration.go,
# hbaTemplateString, 1.29.2); the first matching line wins. PgBouncer reaches
# the instances over TLS already (server_tls_sslmode verify-ca) and accepts
# clients with client_tls_sslmode prefer (pkg/management/pgbouncer/config/config.go).
REQUIRE_TLS_HBA = ("hostnossl all all all reject", "hostssl all all all scram-sha-256")
TLS_CLIENT_MODES = ("require", "verify-ca", "verify-full")


def poolers_can_require_tls(pinned: str | None) -> bool:
    """Whether the release's Pooler webhook accepts client_tls_sslmode (1.25+)."""
    return "client_tls_sslmode" in parameters(pinned)["poolerAllowed"]


def reserved_role(name: str) -> bool:
    """A role name CloudNativePG's webhook refuses in spec.managed.roles: the
    operator's (postgres, streaming_replica, cnpg_*) and PostgreSQL's (pg_*)
    (pkg/postgres/roles.go IsRoleReserved, internal/webhook/v1/cluster_webhook.go
    validateManagedRoles, 1.29.2)."""
    return name in ("postgres", "streaming_replica") or name.startswith(("cnpg_", "pg_"))
