"""The ``postgres`` section of a profile: a CloudNativePG Cluster, its
backups and its PgBouncer poolers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictStr

from dsgen.fields import (Cron, Name, ObjectName, PgIdentifier, Quantity, Resources, Setting,
                          Spread, Strict)


class PgBootstrap(Strict):
    database: PgIdentifier = "app"
    owner: PgIdentifier = "app"
    secret: ObjectName | None = Field(
        None, description="Secret (basic-auth: username, password) of the owner."
    )
    encoding: StrictStr = "UTF8"
    locale: StrictStr | None = Field(None, description="e.g. en_US.UTF-8 (collation and ctype)")


class PgStorage(Strict):
    size: Quantity
    storageClass: ObjectName | None = None
    resizeInUseVolumes: StrictBool = True


class PgWalStorage(Strict):
    """A volume of its own for the WAL (pg_wal), apart from the data."""

    size: Quantity
    storageClass: ObjectName | None = None


class BackupS3(Strict):
    region: Annotated[StrictStr, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")] | None = Field(
        None, description="AWS region, e.g. us-east-1 (sets the S3 endpoint).")
    credentialsSecret: ObjectName | None = Field(
        None, description="Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY.")
    inheritFromIAMRole: StrictBool = False


class PgBackup(Strict):
    """Scheduled base backups and WAL archiving to S3 (point-in-time recovery)."""

    name: Name | None = Field(None, description="ScheduledBackup name; default <cluster>-backup.")
    schedule: Cron = Field(description="Five-field cron, e.g. '0 2 * * *'.")
    retentionPolicy: Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]*[dwm]$")] = "30d"
    destinationPath: Annotated[StrictStr, Field(pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")]
    s3: BackupS3 = BackupS3()
    compression: Literal["gzip", "bzip2", "snappy"] = "gzip"
    encryption: Literal["AES256", "aws:kms"] | None = None
    immediate: StrictBool = Field(True, description="Take the first backup at once, with an immediate checkpoint.")
    method: Literal["auto", "plugin", "barmanObjectStore"] = Field(
        "auto", description="auto: the Barman Cloud plugin on CloudNativePG 1.26+, in-tree before.")
    environmentFolder: StrictBool = Field(
        True, description="Archive into <destinationPath>/<environment>, so that every environment "
        "has its own archive (Barman Cloud refuses to archive WAL into one that is not empty). "
        "false: exactly destinationPath.")


class Pooler(Strict):
    """A pgbouncer Pooler in front of the cluster."""

    type: Literal["rw", "ro", "r"] = "rw"
    instances: int = Field(2, ge=1)
    poolMode: Literal["session", "transaction"] = "transaction"
    parameters: dict[StrictStr, Setting] = {}
    resources: Resources | None = None
    spread: Spread = Spread()


class PgSynchronous(Strict):
    """Synchronous replication: a commit returns once `number` standbys have it."""

    method: Literal["any", "first"] = "any"
    number: int = Field(1, ge=1)
    dataDurability: Literal["required", "preferred"] = Field(
        "required", description="required: writes wait while too few standbys are up (no data loss); "
        "preferred: writes go on, asynchronously, when standbys are missing.")


class Postgres(Strict):
    enabled: StrictBool = True
    name: Name = "postgres-cluster"
    instances: int = Field(3, ge=1)
    imageName: StrictStr | None = Field(
        None, description="The PostgreSQL image, pinned (e.g. ghcr.io/cloudnative-pg/postgresql:18.6-standard-trixie); "
        "the operator's default changes with its release.")
    primaryUpdateStrategy: Literal["unsupervised", "supervised"] = "unsupervised"
    primaryUpdateMethod: Literal["switchover", "restart"] | None = None
    parameters: dict[StrictStr, Setting] = {}
    synchronous: PgSynchronous | None = None
    bootstrap: PgBootstrap = PgBootstrap()
    storage: PgStorage
    walStorage: PgWalStorage | None = None
    enablePDB: StrictBool | None = Field(
        None, description="CloudNativePG's PodDisruptionBudgets; default: on with 2 or more "
        "instances, off with one (its only pod would block every node drain).")
    resources: Resources | None = None
    spread: Spread = Spread()
    backup: PgBackup | None = None
    poolers: dict[Name, Pooler] = Field(
        {}, description="Poolers by resource name, e.g. postgres-cluster-pooler-rw."
    )
