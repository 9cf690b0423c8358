"""The ``postgres`` section -> a CloudNativePG Cluster, its backup objects and poolers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from dsgen.components.base import HOSTNAME, Part, pod_anti_affinity, resources, zone_spread
from dsgen.components.postgres.rules import archive_destination, pdb_enabled
from dsgen.operators import cloudnativepg as cnpg

if TYPE_CHECKING:
    from dsgen.components.base import Context
    from dsgen.components.postgres.model import Postgres


def _barman_configuration(ctx: Context, pg: Postgres) -> dict[str, Any]:
    """Barman Cloud's object store settings, the same in-tree and in the plugin."""
    backup = pg.backup
    conf: dict[str, Any] = {"destinationPath": archive_destination(ctx, pg)}
    if backup.s3.region:
        conf["endpointURL"] = f"https://s3.{backup.s3.region}.amazonaws.com"
    if backup.s3.inheritFromIAMRole:
        conf["s3Credentials"] = {"inheritFromIAMRole": True}
    else:
        secret = backup.s3.credentialsSecret
        conf["s3Credentials"] = {
            "accessKeyId": {"name": secret, "key": "ACCESS_KEY_ID"},
            "secretAccessKey": {"name": secret, "key": "ACCESS_SECRET_KEY"},
        }
    wal: dict[str, Any] = {"compression": backup.compression}
    data: dict[str, Any] = {"compression": backup.compression, "immediateCheckpoint": backup.immediate}
    if backup.encryption:
        wal["encryption"] = data["encryption"] = backup.encryption
    conf["wal"], conf["data"] = wal, data
    return conf


def cnpg_schedule(cron: str) -> str:
    """CloudNativePG's schedules start with a seconds field; profiles use standard cron."""
    return cron if cron.startswith("@") else f"0 {cron}"


# Pod labels (pkg/utils/labels_annotations.go): instances carry cnpg.io/cluster
# and cnpg.io/podRole: instance; pooler pods carry cnpg.io/poolerName.


def plan(ctx: Context, pg: Postgres) -> Iterator[Part]:
    backup = None
    if pg.backup:
        backup = {
            "method": cnpg.backup_method(ctx.operators["cloudnativepg"], pg.backup.method),
            "name": pg.backup.name or f"{pg.name}-backup",
            "store": f"{pg.name}-s3",
            "plugin": cnpg.BARMAN_CLOUD_PLUGIN,
            "configuration": _barman_configuration(ctx, pg),
            "schedule": cnpg_schedule(pg.backup.schedule),
        }
    instances = {"cnpg.io/cluster": pg.name, "cnpg.io/podRole": "instance"}
    yield Part(pg.name, "postgresql", "database", pg.name, "cluster.yaml.j2", {
        "pg": pg, "resources": resources(pg.resources), "backup": backup,
        "affinity": cluster_affinity(pg.spread.nodes),
        "zones": zone_spread(pg.spread.zones, instances),
        "synchronous": pg.synchronous.model_dump() if pg.synchronous else None,
        # written when it differs from the operator's default (true) or was asked for
        "enable_pdb": None if pg.enablePDB is None and pdb_enabled(pg) else pdb_enabled(pg),
    })
    if backup and backup["method"] == "plugin":
        yield Part(backup["store"], "postgresql", "backup-store", pg.name, "objectstore.yaml.j2",
                   {"pg": pg, "backup": backup})
    if backup:
        yield Part(backup["name"], "postgresql", "backup", pg.name, "scheduledbackup.yaml.j2",
                   {"pg": pg, "backup": backup})
    for name, pooler in pg.poolers.items():
        pods = {"cnpg.io/poolerName": name}
        affinity = pod_anti_affinity(pooler.spread.nodes, pods)
        yield Part(name, "pgbouncer", "connection-pooler", name, "pooler.yaml.j2", {
            "pg": pg, "pooler": pooler, "resources": resources(pooler.resources),
            "affinity": {"podAntiAffinity": affinity} if affinity else None,
            "zones": zone_spread(pooler.spread.zones, pods),
        })


def cluster_affinity(nodes: str) -> dict | None:
    """CloudNativePG's own anti-affinity between instances (api/v1 AffinityConfiguration):
    on and preferred unless told otherwise, so preferred writes nothing."""
    if nodes == "required":
        return {"enablePodAntiAffinity": True, "podAntiAffinityType": "required", "topologyKey": HOSTNAME}
    if nodes == "none":
        return {"enablePodAntiAffinity": False}
    return None
