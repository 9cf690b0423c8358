"""Barman Cloud archives: where a cluster backs up, and the archive another
cluster bootstraps from (a restore, or a replica cluster's primary).

The same settings serve both forms CloudNativePG has: the Barman Cloud
plugin's ObjectStore (1.26+) and the in-tree ``barmanObjectStore`` (before)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dsgen.components.postgres.rules import archive_destination
from dsgen.operators import cloudnativepg as cnpg

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.postgres.model import BackupS3, Postgres

# The external cluster a restore or a replica cluster reads the archive as.
ORIGIN = "origin"


def barman_configuration(pg: Postgres, destination: str, s3: BackupS3) -> dict[str, Any]:
    """Barman Cloud's object store settings, the same in-tree and in the plugin."""
    conf: dict[str, Any] = {"destinationPath": destination}
    if s3.region:
        conf["endpointURL"] = f"https://s3.{s3.region}.amazonaws.com"
    if s3.inheritFromIAMRole:
        conf["s3Credentials"] = {"inheritFromIAMRole": True}
    else:
        secret = s3.credentialsSecret
        key_id, secret_key = cnpg.S3_KEYS
        conf["s3Credentials"] = {"accessKeyId": {"name": secret, "key": key_id},
                                 "secretAccessKey": {"name": secret, "key": secret_key}}
    backup = pg.backup
    if backup is None:  # a replica cluster that only reads: barman reads what it finds
        return conf
    wal: dict[str, Any] = {"compression": backup.compression}
    data: dict[str, Any] = {"compression": backup.compression, "immediateCheckpoint": backup.immediate}
    if backup.encryption:
        wal["encryption"] = data["encryption"] = backup.encryption
    if backup.kmsKeyId:
        # barman-cloud-backup(1) and barman-cloud-wal-archive(1): --sse-kms-key-id
        # names the key of aws:kms encryption; the object store passes extra
        # arguments through (data.additionalCommandArgs, wal.archiveAdditionalCommandArgs).
        data["additionalCommandArgs"] = [f"--sse-kms-key-id={backup.kmsKeyId}"]
        wal["archiveAdditionalCommandArgs"] = [f"--sse-kms-key-id={backup.kmsKeyId}"]
    conf["wal"], conf["data"] = wal, data
    return conf


def own_configuration(ctx: Context, pg: Postgres) -> dict[str, Any]:
    """The cluster's own archive, where it backs up and archives WAL."""
    return barman_configuration(pg, archive_destination(ctx, pg), pg.backup.s3)


def cnpg_schedule(cron: str) -> str:
    """CloudNativePG's schedules start with a seconds field; profiles use standard cron."""
    return cron if cron.startswith("@") else f"0 {cron}"


def schedules(pg: Postgres) -> list[tuple[str, str]]:
    """(name, five-field cron) of postgres.backup.schedule: one unnamed, or several by name."""
    schedule = pg.backup.schedule
    return [("", schedule)] if isinstance(schedule, str) else list(schedule.items())


def scheduled_backups(pg: Postgres) -> list[tuple[str, str, bool]]:
    """(ScheduledBackup name, six-field schedule, immediate) for each schedule.
    Several schedules all back up into the cluster's one object store: the
    plugin takes every backup of a cluster with the store of its
    ``spec.plugins`` entry (plugin-barman-cloud internal/cnpgi/operator/config/
    config.go NewFromCluster, BarmanObjectName), so one retention window
    covers them all. Only the first takes the immediate backup, so that a new
    cluster is not backed up twice at once."""
    backup = pg.backup
    prefix = backup.name or f"{pg.name}-backup"
    return [(f"{prefix}-{key}" if key else prefix, cnpg_schedule(cron), backup.immediate and number == 0)
            for number, (key, cron) in enumerate(schedules(pg))]


@dataclass(frozen=True)
class Source:
    """An archive a new cluster bootstraps from (``bootstrap.recovery``):
    another cluster's, read under its ``serverName``. ``replica``: keep
    replaying its WAL afterwards (``spec.replica``); ``target``: the
    recoveryTarget of a point-in-time restore."""

    server_name: str
    configuration: dict[str, Any]
    replica: bool | None = None
    target: dict[str, str] | None = None

    def store(self, pg: Postgres) -> str:
        """The plugin's ObjectStore of this archive: a store of its own, with no
        retention policy, so that the reading cluster's sidecar never deletes
        backups of the cluster that wrote them."""
        return f"{pg.name}-{ORIGIN}"

    def external_clusters(self, method: str, pg: Postgres) -> list[dict[str, Any]]:
        """externalClusters as plugin-barman-cloud's docs (usage.md, "Restoring
        a Cluster") and CloudNativePG's recovery.md write them."""
        if method == "plugin":
            return [{"name": ORIGIN, "plugin": {"name": cnpg.BARMAN_CLOUD_PLUGIN, "parameters": {
                "barmanObjectName": self.store(pg), "serverName": self.server_name}}}]
        return [{"name": ORIGIN, "barmanObjectStore": {**self.configuration, "serverName": self.server_name}}]

    def bootstrap(self, pg: Postgres) -> dict[str, Any]:
        """bootstrap.recovery (api/v1 cluster_types.go BootstrapRecovery): the
        source, the target, and the application database and owner, whose
        password the operator sets from the owner's Secret once recovered."""
        recovery: dict[str, Any] = {"source": ORIGIN}
        if self.target:
            recovery["recoveryTarget"] = dict(self.target)
        recovery.update({"database": pg.bootstrap.database, "owner": pg.bootstrap.owner})
        if pg.bootstrap.secret:
            recovery["secret"] = {"name": pg.bootstrap.secret}
        return {"recovery": recovery}


def replica_source(pg: Postgres) -> Source | None:
    """The primary's archive of a replica cluster (``postgres.replica``):
    CloudNativePG's standalone replica cluster (docs/src/replica_cluster.md,
    bootstrapped with ``recovery`` and ``replica.enabled``/``source`` naming the
    same external cluster). ``enabled: false`` promotes it."""
    if pg.replica is None:
        return None
    source = pg.replica.source
    return Source(server_name=source.serverName or pg.name,
                  configuration=barman_configuration(pg, source.destinationPath.rstrip("/"),
                                                     source.s3 or pg.backup.s3),  # DSG336: one is set
                  replica=pg.replica.enabled)
