"""PostgreSQL rules: on the profile's ``postgres`` section, on CloudNativePG
manifests, or both with one message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from dsgen.components.base import below_memory_limit, requests_within_limits
from dsgen.operators import cloudnativepg as cnpg
from dsgen.rules import GroupKind, Overlay, Rule, get, keyed, name_of, namespace_of, pairs, pointer
from dsgen.units import duration_seconds, postgres_bytes, quantity_value, shrinks

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.postgres.model import Postgres

CLUSTER = ("postgresql.cnpg.io", "Cluster")
POOLER = ("postgresql.cnpg.io", "Pooler")
BACKUPS = (("postgresql.cnpg.io", "ScheduledBackup"), ("postgresql.cnpg.io", "Backup"))
# Kinds whose spec.cluster.name names the Cluster they act on (api/v1 *_types.go: ClusterRef).
CLUSTER_USERS = (*BACKUPS, ("postgresql.cnpg.io", "Database"), ("postgresql.cnpg.io", "Publication"),
                 ("postgresql.cnpg.io", "Subscription"))


# ---------------------------------------------------------------- messages both sides share


def parameter_problem(name: str, pinned: str | None) -> str | None:
    known = cnpg.parameters(pinned)
    if name in known["fixed"]:
        return "is managed by CloudNativePG and cannot be set (fixed parameter)"
    if name in known["blocked"]:
        return "is blocked by CloudNativePG and cannot be set"
    return None


def pgbouncer_problem(name: str, pinned: str | None) -> str | None:
    if name not in cnpg.parameters(pinned)["poolerAllowed"]:
        return "is not a PgBouncer parameter CloudNativePG accepts (invalid or reserved)"
    return None


POOLER_NAMED_LIKE_CLUSTER = "a Pooler cannot have the name of a Cluster in its namespace"


def archive_destination(ctx: Context, pg: Postgres) -> str:
    """Where an environment's cluster archives: <destinationPath>/<environment> by default."""
    path = pg.backup.destinationPath.rstrip("/")
    return f"{path}/{ctx.environment}" if pg.backup.environmentFolder else path


def pdb_enabled(pg: Postgres) -> bool:
    return pg.enablePDB if pg.enablePDB is not None else pg.instances > 1


# CloudNativePG's primary PodDisruptionBudget keeps minAvailable 1 of the
# primary (pkg/specs/poddisruptionbudget.go, BuildPrimaryPodDisruptionBudget):
# with one instance the only pod can never be evicted.
SINGLE_INSTANCE_PDB = ("with one instance the PodDisruptionBudget (minAvailable 1 of the primary) makes "
                       "the only pod unevictable and blocks every node drain; set enablePDB: false")


def wal_size_problems(parameters: dict, wal_volume: str | None, volume: str | None) -> Iterator[tuple[str, str]]:
    """(parameter, message) for WAL sizes: min_wal_size below max_wal_size (as
    CloudNativePG's webhook checks, internal/webhook/v1/cluster_webhook.go
    validateWalSizeConfiguration, with its defaults 80MB and 1GB), and
    max_wal_size at most a quarter of the volume that holds pg_wal. WAL grows
    past max_wal_size while archiving lags, and a full pg_wal stops PostgreSQL."""
    sizes = {}
    for name, default in (("min_wal_size", "80MB"), ("max_wal_size", "1GB")):
        try:
            sizes[name] = postgres_bytes(str(parameters.get(name, default)), 1024 * 1024)
        except ValueError:
            return  # DSG323 reports a value that does not parse
    if sizes["min_wal_size"] >= sizes["max_wal_size"]:
        yield "min_wal_size", (f"min_wal_size {parameters.get('min_wal_size', '80MB')} is not below max_wal_size "
                               f"{parameters.get('max_wal_size', '1GB')}")
    holder = wal_volume or volume
    if holder:
        try:
            capacity = quantity_value(holder)
        except ValueError:
            return  # DSG328 reports a size that is not a quantity
        if sizes["max_wal_size"] * 4 > capacity:
            where = "the WAL volume" if wal_volume else "the data volume, which also holds the WAL"
            yield "max_wal_size", (
                f"max_wal_size {parameters.get('max_wal_size', '1GB')} is more than a quarter of {where} ({holder}); "
                "WAL outgrows max_wal_size while archiving lags and a full volume stops PostgreSQL: "
                "lower it or give walStorage")


# ---------------------------------------------------------------- rules

CNPG_PARAMETERS = Rule("DSG201", "cnpg-parameters", "Cluster spec.postgresql.parameters sets no parameter CloudNativePG fixes or blocks.")


@CNPG_PARAMETERS.on_profile
def _(ctx: Context, pg: Postgres):
    pinned = ctx.operators["cloudnativepg"]
    for name, problem in keyed(pg.parameters, parameter_problem, pinned):
        yield ("postgres", "parameters", name), problem


@CNPG_PARAMETERS.on_manifest
def _(overlay: Overlay):
    for cluster in overlay.of(CLUSTER):
        pinned = overlay.operators.get("cloudnativepg")
        for name, problem in keyed(get(cluster, "spec", "postgresql", "parameters"), parameter_problem, pinned):
            yield cluster, pointer("spec", "postgresql", "parameters", name), problem


PGBOUNCER_PARAMETERS = Rule("DSG202", "pgbouncer-parameters", "Pooler spec.pgbouncer.parameters uses only parameters CloudNativePG allows.")


@PGBOUNCER_PARAMETERS.on_profile
def _(ctx: Context, pg: Postgres):
    pinned = ctx.operators["cloudnativepg"]
    for name, pooler in pg.poolers.items():
        for key, problem in keyed(pooler.parameters, pgbouncer_problem, pinned):
            yield ("postgres", "poolers", name, "parameters", key), problem
    if pg.access.requireTls and pg.poolers and not cnpg.poolers_can_require_tls(pinned):
        yield [("postgres", "access", "requireTls"), ("operators", "cloudnativepg")], (
            f"CloudNativePG {pinned} does not let a Pooler set client_tls_sslmode (1.25 does), so its "
            "poolers would take clients without TLS: pin 1.25 or newer, or drop the poolers")


@PGBOUNCER_PARAMETERS.on_manifest
def _(overlay: Overlay):
    for pooler in overlay.of(POOLER):
        pinned = overlay.operators.get("cloudnativepg")
        for name, problem in keyed(get(pooler, "spec", "pgbouncer", "parameters"), pgbouncer_problem, pinned):
            yield pooler, pointer("spec", "pgbouncer", "parameters", name), problem


POOLER_CLUSTER = Rule("DSG101", "pooler-cluster", "A Pooler's spec.cluster.name names a Cluster of the tree, and the Pooler is not named like a Cluster.", reference=True)


@POOLER_CLUSTER.on_profile
def _(ctx: Context, pg: Postgres):
    if pg.name in pg.poolers:
        yield ("postgres", "poolers", pg.name), POOLER_NAMED_LIKE_CLUSTER


@POOLER_CLUSTER.on_manifest
def _(overlay: Overlay):
    clusters = overlay.names(CLUSTER)
    for pooler in overlay.of(POOLER):
        target = get(pooler, "spec", "cluster", "name")
        if (namespace_of(pooler), target) not in clusters:
            yield pooler, "/spec/cluster/name", f"names Cluster {target!r}, which the tree does not define"
        if (namespace_of(pooler), name_of(pooler)) in clusters:
            yield pooler, "/metadata/name", POOLER_NAMED_LIKE_CLUSTER


BACKUP_CLUSTER = Rule("DSG102", "backup-cluster", "A ScheduledBackup, Backup, Database, Publication or Subscription names a Cluster of the tree in its spec.cluster.", reference=True)


@BACKUP_CLUSTER.on_manifest
def _(overlay: Overlay):
    clusters = overlay.names(CLUSTER)
    for backup in overlay.of(*CLUSTER_USERS):
        target = get(backup, "spec", "cluster", "name")
        if (namespace_of(backup), target) not in clusters:
            yield backup, "/spec/cluster/name", f"names Cluster {target!r}, which the tree does not define"


POSTGRES_MEMORY = Rule("DSG301", "postgres-memory", "PostgreSQL's requests are not above its limits, and shared_buffers stays below the memory limit.")


@POSTGRES_MEMORY.on_profile
def _(ctx: Context, pg: Postgres):
    yield from requests_within_limits(pg.resources, ("postgres", "resources"))
    for name, limited in (("shared_buffers", pg.resources), ("effective_cache_size", None)):
        if name in pg.parameters:
            yield from below_memory_limit(
                pg.parameters[name], lambda text: postgres_bytes(text, 8192), limited,
                ("postgres", "parameters", name), "PostgreSQL would be killed for running out of memory",
                unparsable=False,  # DSG323 reports values that do not parse
                resources_path=("postgres", "resources"))


POSTGRES_BACKUP = Rule("DSG302", "postgres-backup", "Backups have S3 credentials or an IAM role (not both), and the Barman Cloud plugin only on CloudNativePG 1.25+.")


@POSTGRES_BACKUP.on_profile
def _(ctx: Context, pg: Postgres):
    if not pg.backup:
        return
    s3 = pg.backup.s3
    path = ("postgres", "backup", "s3")
    if not s3.credentialsSecret and not s3.inheritFromIAMRole:
        yield path, "needs credentialsSecret or inheritFromIAMRole: true"
    if s3.credentialsSecret and s3.inheritFromIAMRole:
        yield (*path, "inheritFromIAMRole"), "use either credentialsSecret or inheritFromIAMRole, not both"
    pinned = ctx.operators["cloudnativepg"]
    method = cnpg.backup_method(pinned, pg.backup.method)
    if method == "plugin" and not cnpg.release(pinned)["barmanCloudPlugin"]:
        yield ("postgres", "backup", "method"), (
            f"the Barman Cloud plugin needs CloudNativePG 1.25 or newer; the profile pins {pinned}")


def _int_setting(settings: dict, name: str, path: tuple | None = None):
    """A whole-number setting, or None; with ``path``, a value that does not
    parse is also a finding there (PostgreSQL's own are DSG323's, so its
    callers give none)."""
    if name not in settings:
        return None, None
    try:
        return int(settings[name]), None
    except ValueError:
        return None, ((*path, name), f"{settings[name]!r} is not a whole number") if path else None


# Which PostgreSQL instances a pooler's server connections land on.
_POOLER_TARGETS = {"rw": ("the primary",), "ro": ("a replica",), "r": ("the primary", "a replica")}

POOLER_CONNECTIONS = Rule("DSG303", "pooler-connections", "Pooler server connections (instances x (default_pool_size + reserve_pool_size)), summed over the poolers that reach the same instances, fit in max_connections minus reserved ones; requests not above limits.")


@POOLER_CONNECTIONS.on_profile
def _(ctx: Context, pg: Postgres):
    parameters = ("postgres", "parameters")
    max_connections, _ = _int_setting(pg.parameters, "max_connections")
    reserved, _ = _int_setting(pg.parameters, "superuser_reserved_connections")
    max_connections = 100 if max_connections is None else max_connections  # PostgreSQL's defaults
    reserved = 3 if reserved is None else reserved
    load: dict[str, list[tuple[str, int, list[tuple]]]] = {}
    for name, pooler in pg.poolers.items():
        path = ("postgres", "poolers", name)
        yield from requests_within_limits(pooler.resources, (*path, "resources"))
        sizes = {}
        for key, default in (("default_pool_size", 20), ("reserve_pool_size", 0),
                             ("max_client_conn", 100), ("max_db_connections", 0)):
            value, problem = _int_setting(pooler.parameters, key, (*path, "parameters"))
            if problem:
                yield problem
            sizes[key] = default if value is None else value
        per_instance = sizes["default_pool_size"] + sizes["reserve_pool_size"]
        if sizes["max_db_connections"]:
            per_instance = min(per_instance, sizes["max_db_connections"])
        keys = [(*path, "parameters", "default_pool_size"), (*path, "instances"),
                (*path, "parameters", "reserve_pool_size")]
        for target in _POOLER_TARGETS[pooler.type]:
            load.setdefault(target, []).append((name, per_instance * pooler.instances, keys))
        if sizes["max_client_conn"] < sizes["default_pool_size"]:
            yield (*path, "parameters", "max_client_conn"), (
                f"max_client_conn {sizes['max_client_conn']} is below default_pool_size "
                f"{sizes['default_pool_size']}"
            )
    available = max_connections - reserved
    for target, poolers in load.items():
        total = sum(connections for _, connections, _ in poolers)
        if total > available:
            where = [key for _, _, keys in poolers for key in keys] + [(*parameters, "max_connections")]
            detail = " + ".join(f"{name} {connections}" for name, connections, _ in poolers)
            yield where, (
                f"poolers open up to {total} server connections to {target} ({detail}: instances x "
                f"(default_pool_size + reserve_pool_size)), more than max_connections "
                f"{max_connections} minus {reserved} reserved = {available}"
            )


BACKUP_ARCHIVE = Rule("DSG311", "backup-archive", "No two environments archive into the same place (destination and serverName): Barman Cloud archives WAL only into an empty archive, so the second cluster's WAL piles up on its disk.")


def archive_of(ctx: Context, pg: Postgres) -> tuple[str, str]:
    """(destination, serverName): serverName is the Cluster's name, as both the
    plugin (plugin-barman-cloud internal/cnpgi/operator/config/config.go) and
    the in-tree barmanObjectStore default it."""
    return archive_destination(ctx, pg), pg.name


@BACKUP_ARCHIVE.on_environments
def _(sections):
    # plugin-barman-cloud internal/cnpgi/common/wal.go runs
    # barman-cloud-check-wal-archive before the first WAL, which passes only on
    # an empty archive (barman-cloud-check-wal-archive(1)).
    users: dict[tuple[str, str], list[str]] = {}
    for ctx, pg in sections:
        if pg.backup:
            users.setdefault(archive_of(ctx, pg), []).append(ctx.environment)
    for (destination, server), envs in users.items():
        for env in envs if len(envs) > 1 else ():
            others = ", ".join(e for e in envs if e != env)
            keys = [("postgres", "backup", "destinationPath"), ("postgres", "backup", "environmentFolder")]
            yield env, (keys,
                        f"{env} archives into {destination} as serverName {server}, as {others} does; "
                        "Barman Cloud archives only into an empty archive: give each environment its own "
                        "destination (backup.environmentFolder: true)")


WAL_SIZE = Rule("DSG312", "wal-size", "min_wal_size is below max_wal_size, and max_wal_size is at most a quarter of the volume that holds the WAL.")


@WAL_SIZE.on_profile
def _(ctx: Context, pg: Postgres):
    wal = pg.walStorage.size if pg.walStorage else None
    volume = ("postgres", "walStorage", "size") if wal else ("postgres", "storage", "size")
    for name, message in wal_size_problems(pg.parameters, wal, pg.storage.size):
        # between a parameter and a volume: shown where the profiles last wrote either
        yield [("postgres", "parameters", name), volume], message


@WAL_SIZE.on_manifest
def _(overlay: Overlay):
    for cluster in overlay.of(CLUSTER):
        parameters = get(cluster, "spec", "postgresql", "parameters") or {}
        for name, message in wal_size_problems(parameters, get(cluster, "spec", "walStorage", "size"),
                                               get(cluster, "spec", "storage", "size")):
            yield cluster, pointer("spec", "postgresql", "parameters", name), message


PDB_DRAIN = Rule("DSG314", "pdb-blocks-drain", "A single-instance Cluster has enablePDB: false: CloudNativePG's PodDisruptionBudget would keep its only pod from ever being evicted.")


@PDB_DRAIN.on_profile
def _(ctx: Context, pg: Postgres):
    if pg.instances == 1 and pdb_enabled(pg):
        yield ("postgres", "enablePDB"), SINGLE_INSTANCE_PDB


@PDB_DRAIN.on_manifest
def _(overlay: Overlay):
    for cluster in overlay.of(CLUSTER):
        if get(cluster, "spec", "instances") == 1 and get(cluster, "spec", "enablePDB") is not False:
            yield cluster, "/spec/enablePDB", SINGLE_INSTANCE_PDB


POOLER_REPLICAS = Rule("DSG315", "pooler-replicas", "A read-only (ro) Pooler fronts a Cluster with replicas: with one instance there is nothing for it to reach.")
RO_WITHOUT_REPLICAS = "a read-only (ro) pooler reaches replicas only, and a one-instance cluster has none"


@POOLER_REPLICAS.on_profile
def _(ctx: Context, pg: Postgres):
    if pg.instances < 2:
        for name, pooler in pg.poolers.items():
            if pooler.type == "ro":
                yield [("postgres", "poolers", name, "type"), ("postgres", "instances")], RO_WITHOUT_REPLICAS


@POOLER_REPLICAS.on_manifest
def _(overlay: Overlay):
    instances = {(namespace_of(c), name_of(c)): get(c, "spec", "instances") for c in overlay.of(CLUSTER)}
    for pooler in overlay.of(POOLER):
        target = (namespace_of(pooler), get(pooler, "spec", "cluster", "name"))
        if get(pooler, "spec", "type") == "ro" and instances.get(target) == 1:
            yield pooler, "/spec/type", RO_WITHOUT_REPLICAS


RULES = (CNPG_PARAMETERS, PGBOUNCER_PARAMETERS, POOLER_CLUSTER, BACKUP_CLUSTER, POSTGRES_MEMORY,
         POSTGRES_BACKUP, POOLER_CONNECTIONS, BACKUP_ARCHIVE, WAL_SIZE, PDB_DRAIN, POOLER_REPLICAS)


# ---------------------------------------------------------------- Secrets (for the platform's secret-source rule)

OBJECT_STORE = ("barmancloud.cnpg.io", "ObjectStore")
_SECRET_PATHS = {
    CLUSTER: [("spec", "bootstrap", "initdb", "secret", "name"), ("spec", "superuserSecret", "name"),
              # user-provided certificates (api/v1 cluster_types.go CertificatesConfiguration)
              ("spec", "certificates", "serverTLSSecret"), ("spec", "certificates", "serverCASecret"),
              ("spec", "certificates", "clientCASecret"), ("spec", "certificates", "replicationTLSSecret")],
    POOLER: [("spec", "pgbouncer", "authQuerySecret", "name")],
}
_S3_CREDENTIALS = {
    CLUSTER: ("spec", "backup", "barmanObjectStore", "s3Credentials"),
    OBJECT_STORE: ("spec", "configuration", "s3Credentials"),
}


def secret_references(kind: GroupKind, doc: dict):
    for path in _SECRET_PATHS.get(kind, []):
        name = get(doc, *path)
        if isinstance(name, str) and name:
            yield pointer(*path), name
    if kind in _S3_CREDENTIALS:
        path = _S3_CREDENTIALS[kind]
        for key, ref in (get(doc, *path) or {}).items():
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                yield pointer(*path, key, "name"), ref["name"]


def produced_secrets(kind: GroupKind, doc: dict):
    """CloudNativePG writes <cluster>-app, -superuser, -ca, -server and -replication."""
    if kind == CLUSTER:
        yield from (f"{name_of(doc)}-{suffix}" for suffix in cnpg.GENERATED_SECRET_SUFFIXES)


# ---------------------------------------------------------------- changes to a written environment


def volume_changes(old: dict, new: dict, path: tuple[str, ...], class_key: str):
    """(pointer, why) where a volume shrinks or changes class between two specs."""
    before, after = get(old, *path) or {}, get(new, *path) or {}
    if before.get("size") and after.get("size") and shrinks(before["size"], after["size"]):
        yield pointer(*path, "size"), f"shrinks from {before['size']} to {after['size']}: volumes can grow, never shrink"
    if before and after and before.get(class_key) != after.get(class_key):
        yield pointer(*path, class_key), (
            f"changes the storage class from {before.get(class_key) or 'the default'} to "
            f"{after.get(class_key) or 'the default'}: existing volumes keep theirs")


POSTGRES_VOLUMES = Rule("DSG402", "postgres-volume-change", "A render does not shrink a Cluster's data or WAL volume (CloudNativePG's webhook refuses: \"can't shrink existing storage\") or change its storage class (existing PVCs keep theirs).")


@POSTGRES_VOLUMES.on_change
def _(old: Overlay, new: Overlay):
    for previous, cluster in pairs(old, new, CLUSTER):
        for part in ("storage", "walStorage"):
            for path, why in volume_changes(previous, cluster, ("spec", part), "storageClass"):
                yield cluster, path, why


RULES = RULES + (POSTGRES_VOLUMES,)


# ---------------------------------------------------------------- images and replication


def image_problem(image: str, locale: str | None) -> str | None:
    """An image that drifts (no tag, or latest), or a minimal image asked for a
    locale: CloudNativePG's minimal images carry no locales beyond C and POSIX;
    its standard images carry them all (cloudnative-pg/postgres-containers README,
    "Standard Images")."""
    name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
    if "@sha256:" in image:
        return None
    if not tag or tag == "latest":
        return f"{image} is not pinned to a version: pin a tag such as 18.6-standard-trixie"
    if "-minimal-" in tag and locale and locale.split(".")[0] not in ("C", "POSIX"):
        return (f"{image} is a minimal image, which has no {locale} locale for initdb: use the "
                f"-standard- image of the same version")
    return None


POSTGRES_IMAGE = Rule("DSG318", "postgres-image", "The PostgreSQL image is pinned to a version (not latest, not untagged), and a minimal image is not asked for a locale it lacks.")


@POSTGRES_IMAGE.on_profile
def _(ctx: Context, pg: Postgres):
    problem = image_problem(pg.imageName, pg.bootstrap.locale) if pg.imageName else None
    if problem:
        yield [("postgres", "imageName"), ("postgres", "bootstrap", "locale")], problem


@POSTGRES_IMAGE.on_manifest
def _(overlay: Overlay):
    for cluster in overlay.of(CLUSTER):
        image = get(cluster, "spec", "imageName")
        locale = get(cluster, "spec", "bootstrap", "initdb", "localeCollate")
        problem = image_problem(image, locale) if isinstance(image, str) else None
        if problem:
            yield cluster, "/spec/imageName", problem


SYNCHRONOUS = Rule("DSG319", "synchronous-replicas", "Synchronous replication asks for fewer standbys than the cluster has instances (CloudNativePG's webhook refuses otherwise).")


def synchronous_problem(number: int, instances: int) -> str | None:
    # internal/webhook/v1/cluster_webhook.go validateSynchronousReplicaConfiguration
    if number >= instances:
        return (f"{number} synchronous standbys need at least {number + 1} instances (the primary and "
                f"{number} standbys); the cluster has {instances}")
    return None


@SYNCHRONOUS.on_profile
def _(ctx: Context, pg: Postgres):
    problem = synchronous_problem(pg.synchronous.number, pg.instances) if pg.synchronous else None
    if problem:
        yield [("postgres", "synchronous", "number"), ("postgres", "instances")], problem


@SYNCHRONOUS.on_manifest
def _(overlay: Overlay):
    for cluster in overlay.of(CLUSTER):
        number, instances = get(cluster, "spec", "postgresql", "synchronous", "number"), get(cluster, "spec", "instances")
        problem = synchronous_problem(number, instances) if isinstance(number, int) and isinstance(instances, int) else None
        if problem:
            yield cluster, "/spec/postgresql/synchronous/number", problem


RULES = RULES + (POSTGRES_IMAGE, SYNCHRONOUS)


PARAMETER_VALUES = Rule("DSG323", "postgres-parameter-values", "Every PostgreSQL parameter is one the server has (\"did you mean\" for near misses), with a value of its type, unit and range, as pg_settings of a real server gives them (operators/data/postgresql-<major>.json).")


def postgres_major(image: str | None, operator: str | None) -> int | None:
    from dsgen.operators import postgresql

    return postgresql.image_major(image) or (cnpg.release(operator)["defaultPostgres"] if operator else None)


@PARAMETER_VALUES.on_profile
def _(ctx: Context, pg: Postgres):
    from dsgen.operators import postgresql

    major = postgres_major(pg.imageName, ctx.operators["cloudnativepg"])
    for name, value in pg.parameters.items():
        if parameter_problem(name, ctx.operators["cloudnativepg"]) is None:  # fixed and blocked: DSG201
            problem = postgresql.parameter_problem(name, value, major)
            if problem:
                yield ("postgres", "parameters", name), problem


@PARAMETER_VALUES.on_manifest
def _(overlay: Overlay):
    from dsgen.operators import postgresql

    for cluster in overlay.of(CLUSTER):
        major = postgres_major(get(cluster, "spec", "imageName"), overlay.operators.get("cloudnativepg"))
        for name, value in (get(cluster, "spec", "postgresql", "parameters") or {}).items():
            if parameter_problem(name, overlay.operators.get("cloudnativepg")) is None:
                problem = postgresql.parameter_problem(name, str(value), major)
                if problem:
                    yield cluster, pointer("spec", "postgresql", "parameters", name), problem


RULES = RULES + (PARAMETER_VALUES,)


# ---------------------------------------------------------------- what CloudNativePG's webhooks refuse

def wal_level_problems(parameters: dict, instances: int, replica: bool) -> Iterator[tuple[str, str]]:
    """(parameter, message) as CloudNativePG's Cluster webhook checks wal_level
    (internal/webhook/v1/cluster_webhook.go, validateConfiguration; an unknown
    value is DSG323's): above minimal with more than one instance, archive_mode not off
    (it is a parameter CloudNativePG fixes, so never off) or a replica
    cluster; and with minimal, max_wal_senders 0."""
    level = str(parameters.get("wal_level", "logical"))
    if level == "minimal":
        if instances > 1 or str(parameters.get("archive_mode", "")) != "off" or replica:
            yield "wal_level", ("must be logical or replica: CloudNativePG refuses minimal when archive_mode "
                                "is on, there is more than one instance, or the cluster is a replica")
        if str(parameters.get("max_wal_senders", "")) != "0":
            yield "max_wal_senders", "must be 0 with wal_level minimal (CloudNativePG's webhook)"


CNPG_WEBHOOK = Rule("DSG328", "cnpg-webhook", "What CloudNativePG's admission webhooks refuse beyond its schemas: a wal_level of minimal where WAL must stream or be archived, or minimal with WAL senders; storage, walStorage and tablespace sizes that are not quantities, or missing with no size in the pvcTemplate; managed roles with reserved names; a Backup with method plugin and no pluginConfiguration (internal/webhook/v1/cluster_webhook.go, backup_webhook.go).")


def _storage_size_problems(cluster: dict) -> Iterator[tuple[str, str]]:
    """The webhook's validateStorageConfigurationSize (1.29.2) for the
    Cluster's storage, walStorage and each tablespace's storage: a size is a
    quantity, and either it or the pvcTemplate's storage request is given."""
    spec = get(cluster, "spec") or {}
    configurations = [(("spec", "storage"), spec.get("storage")), (("spec", "walStorage"), spec.get("walStorage"))]
    for index, tablespace in enumerate(spec.get("tablespaces") or []):
        if isinstance(tablespace, dict):
            configurations.append((("spec", "tablespaces", index, "storage"), tablespace.get("storage")))
    for path, storage in configurations:
        if not isinstance(storage, dict):
            continue  # walStorage unset; a wrong type is DSG001's
        size = storage.get("size")
        if isinstance(size, str) and size:
            try:
                quantity_value(size)
            except ValueError as exc:
                yield pointer(*path, "size"), f"{exc}: the webhook refuses it (\"Size value isn't valid\")"
        elif not get(storage, "pvcTemplate", "resources", "requests", "storage"):
            yield pointer(*path, "size"), "no size, and no storage request in the pvcTemplate: the webhook refuses it"


RESERVED_ROLE = "is reserved for PostgreSQL or the operator: CloudNativePG's webhook refuses it; pick another name"


@CNPG_WEBHOOK.on_profile
def _(ctx: Context, pg: Postgres):
    for name, problem in wal_level_problems(pg.parameters, pg.instances, False):
        yield ("postgres", "parameters", name), problem
    for name, role in pg.roles.items():
        if cnpg.reserved_role(name):
            yield ("postgres", "roles", name), RESERVED_ROLE
        if not role.login and role.passwordSecret:
            # dsgen writes disablePassword for roles that cannot log in, and
            # CloudNativePG cannot reconcile a role with both ("password both
            # provided and disabled", roles/contract.go ApplyPassword).
            yield ("postgres", "roles", name, "passwordSecret"), (
                "a role with login: false has no password; remove passwordSecret")


@CNPG_WEBHOOK.on_manifest
def _(overlay: Overlay):
    for cluster in overlay.of(CLUSTER):
        parameters = get(cluster, "spec", "postgresql", "parameters") or {}
        instances = get(cluster, "spec", "instances")
        replica = bool(get(cluster, "spec", "replica", "enabled"))
        for name, problem in wal_level_problems(parameters if isinstance(parameters, dict) else {},
                                                instances if isinstance(instances, int) else 1, replica):
            yield cluster, pointer("spec", "postgresql", "parameters", name), problem
        for where, problem in _storage_size_problems(cluster):
            yield cluster, where, problem
        for index, role in enumerate(get(cluster, "spec", "managed", "roles") or []):
            if isinstance(role, dict) and cnpg.reserved_role(str(role.get("name", ""))):
                yield cluster, pointer("spec", "managed", "roles", index, "name"), RESERVED_ROLE
    for backup in overlay.of(("postgresql.cnpg.io", "Backup")):
        if get(backup, "spec", "method") == "plugin" and not get(backup, "spec", "pluginConfiguration", "name"):
            yield backup, "/spec/pluginConfiguration", "method plugin needs pluginConfiguration naming the plugin"


BACKUP_SCHEDULE = Rule("DSG329", "backup-schedule-fields", "A ScheduledBackup's schedule has six fields, seconds first: CloudNativePG parses it with robfig/cron v1.2.0's Parse (Second | Minute | Hour | Dom | Month | DowOptional, parser.go), so a five-field cron such as '0 2 * * *' runs every hour at minute 2, and its webhook only warns.")


@BACKUP_SCHEDULE.on_manifest
def _(overlay: Overlay):
    for backup in overlay.of(("postgresql.cnpg.io", "ScheduledBackup")):
        schedule = get(backup, "spec", "schedule")
        if isinstance(schedule, str) and not schedule.startswith("@") and len(schedule.split()) == 5:
            second, minute, hour, *_ = schedule.split()
            yield backup, "/spec/schedule", (
                f"{schedule!r} has five fields; CloudNativePG reads seconds first, so this runs at second "
                f"{second}, minute {minute}, hour {hour}: write six fields (e.g. '0 {schedule}')")


RULES = RULES + (CNPG_WEBHOOK, BACKUP_SCHEDULE)


def role_secret(pg: Postgres, name: str) -> str:
    """The Secret holding a managed role's password."""
    return pg.roles[name].passwordSecret or f"{pg.name}-{name.replace('_', '-')}"


def admin_secret(pg: Postgres) -> str:
    """The Secret holding the password OpenBao connects with (dynamicCredentials.adminRole)."""
    return f"{pg.name}-{pg.dynamicCredentials.adminRole.replace('_', '-')}"


def secrets_read(pg: Postgres):
    """The owner's credentials (username and password, in the basic-auth
    form of the Secrets CloudNativePG makes itself, pkg/specs/secrets.go), and
    the S3 keys the Barman Cloud object store reads (archive.barman_configuration)."""
    from dsgen.contract import SecretNeed

    # CloudNativePG refuses a role Secret whose username is not the role's name
    # (internal/management/controller/roles/runnable.go: "wrong username").
    if pg.bootstrap.secret:
        yield SecretNeed(("postgres", "bootstrap", "secret"), pg.bootstrap.secret, ("username", "password"),
                         "kubernetes.io/basic-auth", (("username", pg.bootstrap.owner),))
    for name, role in pg.roles.items():
        if role.login:  # a role that cannot log in has no password (disablePassword)
            yield SecretNeed(("postgres", "roles", name, "passwordSecret"), role_secret(pg, name),
                             ("username", "password"), "kubernetes.io/basic-auth", (("username", name),))
    if pg.dynamicCredentials:
        admin = pg.dynamicCredentials.adminRole
        yield SecretNeed(("postgres", "dynamicCredentials", "adminRole"), admin_secret(pg),
                         ("username", "password"), "kubernetes.io/basic-auth", (("username", admin),))
    if pg.backup and pg.backup.s3.credentialsSecret:
        yield SecretNeed(("postgres", "backup", "s3", "credentialsSecret"), pg.backup.s3.credentialsSecret,
                         cnpg.S3_KEYS)
    source = pg.replica.source.s3 if pg.replica else None
    if source and source.credentialsSecret and not source.inheritFromIAMRole:
        # the replica's source ObjectStore reads the primary's bucket with it (archive.replica_source)
        yield SecretNeed(("postgres", "replica", "source", "s3", "credentialsSecret"), source.credentialsSecret,
                         cnpg.S3_KEYS)


DYNAMIC_CREDENTIALS = Rule("DSG332", "dynamic-credentials", "Users issued by OpenBao (postgres.dynamicCredentials) need a secrets section; they join only roles of postgres.roles; the admin role is not one of them nor reserved; each Secret is issued into at least one application namespace and is not also a Secret of secrets.credentials.")


@DYNAMIC_CREDENTIALS.on_profile
def _(ctx: Context, pg: Postgres):
    dynamic = pg.dynamicCredentials
    if dynamic is None:
        return
    where = ("postgres", "dynamicCredentials")
    if ctx.secrets is None:
        yield where, "OpenBao issues these users: add a secrets section (secrets.openbao) to the profile"
        return
    admin = dynamic.adminRole
    if admin in pg.roles:
        yield [(*where, "adminRole"), ("postgres", "roles", admin)], (
            f"{admin!r} is OpenBao's own role, which dsgen writes (login, createrole); remove it from postgres.roles "
            "or name another adminRole")
    elif cnpg.reserved_role(admin):
        yield (*where, "adminRole"), RESERVED_ROLE
    delivered = {name for names in ctx.secrets["deliver"].values() for name in names}
    for name, role in dynamic.roles.items():
        for index, member in enumerate(role.memberOf):
            if member not in pg.roles:
                known = ", ".join(sorted(pg.roles)) or "none"
                yield (*where, "roles", name, "memberOf", index), (
                    f"{member!r} is not one of postgres.roles ({known}): issued users join roles CloudNativePG manages")
        if role.secret in ctx.secrets["credentials"]:
            yield [(*where, "roles", name, "secret"), ("secrets", "credentials", role.secret)], (
                f"Secret {role.secret!r} is issued by OpenBao's database engine; remove it from secrets.credentials")
        elif role.secret not in delivered:
            yield (*where, "roles", name, "secret"), (
                f"Secret {role.secret!r} is issued into no namespace: list it under secrets.deliver.<namespace> of "
                "the applications that connect with it")
        if duration_seconds(role.ttl) > duration_seconds(role.maxTtl):
            yield (*where, "roles", name, "ttl"), f"{role.ttl} is longer than maxTtl {role.maxTtl}; OpenBao refuses it"


RULES = RULES + (DYNAMIC_CREDENTIALS,)


REPLICA_CLUSTER = Rule("DSG336", "replica-cluster", "A replica cluster (postgres.replica) reads an archive that is not its own, has S3 settings to read it with, and issues no OpenBao users while it follows: it is read-only until promoted.")


@REPLICA_CLUSTER.on_profile
def _(ctx: Context, pg: Postgres):
    replica = pg.replica
    if replica is None:
        return
    where = ("postgres", "replica")
    source = (replica.source.destinationPath.rstrip("/"), replica.source.serverName or pg.name)
    if pg.backup and source == archive_of(ctx, pg):
        yield [(*where, "source", "destinationPath"), ("postgres", "backup", "destinationPath")], (
            f"the replica reads {source[0]} as serverName {source[1]}, which is where it archives itself; "
            "point source.destinationPath at the primary's archive")
    if replica.source.s3 is None and pg.backup is None:
        yield (*where, "source"), "give source.s3 (region, credentials) to read the primary's archive with"
    if replica.enabled and pg.dynamicCredentials:
        # A cluster in continuous recovery is a hot standby: PostgreSQL refuses
        # CREATE ROLE there ("cannot execute ... in a read-only transaction",
        # docs: high-availability, "Hot Standby"), so OpenBao could issue no user.
        yield [(*where, "enabled"), ("postgres", "dynamicCredentials")], (
            "a replica cluster is read-only until promoted, so OpenBao cannot create users in it; "
            "set postgres.dynamicCredentials: null here, and back when you promote it")


RULES = RULES + (REPLICA_CLUSTER,)


def server_tls_secret(pg: Postgres) -> str:
    """The Secret cert-manager writes the servers' certificate into (postgres.certificates)."""
    return f"{pg.name}-server-tls"


def client_ca(pg: Postgres):
    """The CA that signs the servers' certificates: <cluster>-ca, key ca.crt
    (api/v1 cluster_funcs.go GetServerCASecretName, pkg/certs CACertKey), or
    with cert-manager the ca.crt of its Secret. Either Secret also holds a
    private key: only ca.crt may leave the namespace."""
    yield (server_tls_secret(pg) if pg.certificates else f"{pg.name}-ca"), "ca.crt"


def operators(ctx: Context, pg: Postgres):
    """CloudNativePG; with backups through the Barman Cloud plugin (1.26+),
    the plugin and cert-manager, which issues the certificates of their mTLS
    (plugin-barman-cloud chart, templates/certificate-issuer.yaml); with
    server certificates, cert-manager."""
    yield "cloudnativepg"
    if pg.backup and cnpg.backup_method(ctx.operators["cloudnativepg"], pg.backup.method) == "plugin":
        yield from ("barmanCloud", "certManager")
    if pg.certificates:
        yield "certManager"
