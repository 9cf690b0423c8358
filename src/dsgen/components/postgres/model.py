"""The ``postgres`` section of a profile: a CloudNativePG Cluster, its
backups and its PgBouncer poolers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictStr

from dsgen.fields import (S3_PATH, Access, BackupS3, Name, ObjectName, Patches, Pod, PgIdentifier, Quantity,
                          Resources, Schedules, Setting, Spread, Strict)


class PgBootstrap(Strict):
    database: PgIdentifier = "app"
    """The application database created at bootstrap."""
    owner: PgIdentifier = "app"
    """Owner of that database (a PostgreSQL role)."""
    secret: ObjectName | None = Field(
        None, description="Secret (basic-auth: username, password) of the owner."
    )
    encoding: StrictStr = "UTF8"
    """Character encoding of the database."""
    locale: StrictStr | None = Field(None, description="e.g. en_US.UTF-8 (collation and ctype)")


class PgStorage(Strict):
    size: Quantity
    """Size of each instance's data volume (e.g. 50Gi); it may grow, never shrink."""
    storageClass: ObjectName | None = None
    """StorageClass of the volumes (default: the cluster's default class)."""
    resizeInUseVolumes: StrictBool = True
    """Let the operator grow volumes while in use."""


class PgWalStorage(Strict):
    """A volume of its own for the WAL (pg_wal), apart from the data."""

    size: Quantity
    """Size of each instance's WAL volume."""
    storageClass: ObjectName | None = None
    """StorageClass of the WAL volumes."""


class PgBackup(Strict):
    """Scheduled base backups and WAL archiving to S3 (point-in-time recovery)."""

    name: Name | None = Field(None, description="ScheduledBackup name (with several schedules, the prefix "
                              "of their names); default <cluster>-backup.")
    schedule: Schedules = Field(
        description="Five-field cron, e.g. '0 2 * * *'; or several by name, one ScheduledBackup each, e.g. "
        "{weekly: '0 2 * * 0', daily: '0 2 * * 1-6'}. Every backup is a full base backup.")
    retentionPolicy: Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]*[dwm]$")] = "30d"
    """How long backups and WAL are kept, for the whole archive: a number and d, w or m (e.g. 12w).
    Barman Cloud applies one recovery window per object store, to every backup in it."""
    destinationPath: Annotated[StrictStr, Field(pattern=S3_PATH)]
    """S3 folder of the archive, s3://bucket/path."""
    s3: BackupS3 = BackupS3()
    """Region and credentials of the S3 bucket."""
    compression: Literal["gzip", "bzip2", "snappy"] = "gzip"
    """Compression of WAL and base backups."""
    encryption: Literal["AES256", "aws:kms"] | None = None
    """Server-side encryption of the objects in S3."""
    kmsKeyId: StrictStr | None = Field(
        None, description="The KMS key of aws:kms encryption (its id or ARN); default: the bucket's AWS-managed key.")
    immediate: StrictBool = Field(True, description="Take the first backup at once, with an immediate checkpoint.")
    method: Literal["auto", "plugin", "barmanObjectStore"] = Field(
        "auto", description="auto: the Barman Cloud plugin on CloudNativePG 1.26+, in-tree before.")
    environmentFolder: StrictBool = Field(
        True, description="Archive into <destinationPath>/<environment>, so that every environment "
        "has its own archive (Barman Cloud refuses to archive WAL into one that is not empty). "
        "false: exactly destinationPath.")


class PgReplicaSource(Strict):
    """The archive of the cluster this one follows, in a bucket this region reaches
    (the primary's bucket, replicated here)."""

    destinationPath: Annotated[StrictStr, Field(pattern=S3_PATH)]
    """The folder the primary archives into, exactly (with its environment folder), e.g.
    s3://eks-learning-lab-postgres-backups-us-west-2/postgres-cluster/prod."""
    serverName: Name | None = Field(None, description="The primary cluster's serverName in that archive; "
                                    "default: this cluster's name.")
    s3: BackupS3 | None = Field(None, description="Region and credentials of that bucket; default: backup.s3.")


class PgReplica(Strict):
    """A replica cluster: it restores the primary's archive and keeps replaying its WAL,
    ready to be promoted (disaster recovery in another region)."""

    enabled: StrictBool = True
    """true: follow the source; false: promote this cluster to a primary (irreversible)."""
    source: PgReplicaSource
    """The primary's archive."""


class Pooler(Strict):
    """A pgbouncer Pooler in front of the cluster."""

    type: Literal["rw", "ro", "r"] = "rw"
    """rw: to the primary; ro: to standbys only; r: to any instance."""
    instances: int = Field(2, ge=1)
    """PgBouncer pods."""
    poolMode: Literal["session", "transaction"] = "transaction"
    """session: a server connection per client session; transaction: per transaction."""
    parameters: dict[StrictStr, Setting] = {}
    """PgBouncer settings (pgbouncer.ini), e.g. max_client_conn, default_pool_size."""
    resources: Resources | None = None
    """Requests and limits of each PgBouncer pod."""
    spread: Spread = Spread()
    """How PgBouncer pods spread over nodes and zones."""
    pod: Pod = Pod()
    """Where the pods run and what they carry: nodeSelector, tolerations, affinity, ..."""


class PgSynchronous(Strict):
    """Synchronous replication: a commit returns once `number` standbys have it."""

    method: Literal["any", "first"] = "any"
    """any: quorum of any standbys; first: the first standbys by priority."""
    number: int = Field(1, ge=1)
    """Standbys that must have each commit."""
    dataDurability: Literal["required", "preferred"] = Field(
        "required", description="required: writes wait while too few standbys are up (no data loss); "
        "preferred: writes go on, asynchronously, when standbys are missing.")


class PgRole(Strict):
    """A PostgreSQL role CloudNativePG manages (spec.managed.roles): it creates
    the role, keeps its attributes and memberships, and sets its password from
    a basic-auth Secret whose username is the role's name."""

    login: StrictBool = True
    """The role may log in."""
    inRoles: list[PgIdentifier] = []
    """Roles it is a member of, e.g. PostgreSQL's predefined pg_read_all_data and
    pg_write_all_data (data in every table, nothing more)."""
    replication: StrictBool = False
    """May stream WAL (for backups or replicas)."""
    createdb: StrictBool = False
    """May create databases."""
    connectionLimit: int = Field(-1, ge=-1)
    """Concurrent connections allowed; -1 for no limit."""
    passwordSecret: ObjectName | None = Field(
        None, description="Secret holding its password (default: <cluster>-<role, dashes for underscores>).")


Duration = Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]*(s|m|h)$")]


class PgDynamicRole(Strict):
    """Users OpenBao's database secrets engine issues on request: each a new
    login role, member of memberOf, valid for ttl (database/creds/<name>)."""

    secret: ObjectName
    """The Secret (username, password) External Secrets writes in each namespace
    secrets.deliver names it for."""
    memberOf: Annotated[list[PgIdentifier], Field(min_length=1)]
    """Roles of postgres.roles the issued users join: what they may do."""
    ttl: Duration = "24h"
    """How long an issued user is valid (OpenBao's default_ttl); External Secrets
    asks for a new one every half of it."""
    maxTtl: Duration = "72h"
    """The longest an issued user may be kept by renewing its lease (OpenBao's max_ttl)."""


class PgDynamicCredentials(Strict):
    """Short-lived users from OpenBao's database secrets engine (PostgreSQL
    plugin): OpenBao connects as adminRole, a role CloudNativePG manages with
    CREATEROLE and, on PostgreSQL 16 and later, the ADMIN option on the roles
    it hands out."""

    adminRole: PgIdentifier = "openbao"
    """The role OpenBao connects as; its password Secret is <cluster>-<role> like
    the other roles'."""
    roles: Annotated[dict[Name, PgDynamicRole], Field(min_length=1)]
    """OpenBao roles by name: database/creds/<name> issues a user."""


class PgCertificates(Strict):
    """Server certificates from cert-manager (cert-manager.io/v1 Certificate)
    instead of CloudNativePG's own CA. The issuer must fill ca.crt (a CA, Vault
    or self-signed issuer; not ACME): CloudNativePG reads the CA from it."""

    issuer: ObjectName
    """The cert-manager Issuer (of the data namespace) or ClusterIssuer that signs them."""
    issuerKind: Literal["Issuer", "ClusterIssuer"] = "Issuer"
    """Which kind issuer names."""
    dnsNames: list[StrictStr] = []
    """Names beyond the cluster's and the poolers' services (e.g. a load balancer's)."""


class Postgres(Strict):
    enabled: StrictBool = True
    """false leaves PostgreSQL out of this environment."""
    name: Name = "postgres-cluster"
    """Name of the Cluster; its services are NAME-rw, NAME-ro and NAME-r."""
    instances: int = Field(3, ge=1)
    """PostgreSQL instances: one primary and the rest streaming standbys."""
    imageName: StrictStr | None = Field(
        None, description="The PostgreSQL image, pinned (e.g. ghcr.io/cloudnative-pg/postgresql:18.6-standard-trixie); "
        "the operator's default changes with its release.")
    primaryUpdateStrategy: Literal["unsupervised", "supervised"] = "unsupervised"
    """unsupervised: the operator switches the primary over during updates; supervised: it waits for you."""
    primaryUpdateMethod: Literal["switchover", "restart"] | None = None
    """How the primary is updated: switchover to a standby, or restart in place."""
    parameters: dict[StrictStr, Setting] = {}
    """postgresql.conf settings, checked against PostgreSQL's own catalog (names, types, units, ranges)."""
    synchronous: PgSynchronous | None = None
    """Synchronous replication; without it, replication is asynchronous."""
    bootstrap: PgBootstrap = PgBootstrap()
    """The database created when the cluster is first made."""
    storage: PgStorage
    """The data volume of each instance."""
    walStorage: PgWalStorage | None = None
    """A volume of its own for pg_wal."""
    enablePDB: StrictBool | None = Field(
        None, description="CloudNativePG's PodDisruptionBudgets; default: on with 2 or more "
        "instances, off with one (its only pod would block every node drain).")
    resources: Resources | None = None
    """Requests and limits of each PostgreSQL pod."""
    spread: Spread = Spread()
    """How instances spread over nodes and zones."""
    pod: Pod = Pod()
    """Where the pods run and what they carry: nodeSelector, tolerations, affinity, ..."""
    backup: PgBackup | None = None
    """Scheduled base backups and WAL archiving to S3."""
    replica: PgReplica | None = None
    """Make this a replica cluster of another environment's, fed from its archive."""
    roles: dict[PgIdentifier, PgRole] = {}
    """Roles CloudNativePG creates and keeps as written here (no superuser, createrole
    or bypassrls: dsgen writes them off)."""
    certificates: PgCertificates | None = None
    """Server certificates from cert-manager; without it CloudNativePG signs them with its own CA."""
    dynamicCredentials: PgDynamicCredentials | None = None
    """Users issued by OpenBao (needs secrets); the OpenBao side is written to out/openbao/<environment>/."""
    poolers: dict[Name, Pooler] = Field(
        {}, description="Poolers by resource name, e.g. postgres-cluster-pooler-rw."
    )
    access: Access = Access()
    """Namespaces whose pods may connect to this service (see network.isolate)."""
    patches: Patches = []
