"""``dsgen recover``: a new cluster restored from an environment's archive to a
point in time (CloudNativePG docs/src/recovery.md, plugin-barman-cloud
usage.md "Restoring a Cluster").

The new cluster is the environment's cluster under another name: the same
instances, settings, roles and certificates, bootstrapped with ``recovery``
from the archive the original writes (its serverName), and archiving its own
WAL under its own name, so that the two archives never mix
(barman-cloud-check-wal-archive refuses an archive that is not empty). It has
no poolers and issues no OpenBao users: the applications move to it once it is
checked (README, "Restoring PostgreSQL")."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from dsgen.contract import Recovery
from dsgen.components.postgres import archive
from dsgen.components.postgres.plan import plan
from dsgen.components.postgres.rules import archive_destination, role_secret
from dsgen.errors import UsageError

if TYPE_CHECKING:
    from dsgen.contract import Context, Part
    from dsgen.components.postgres.model import Postgres

# RFC 3339 section 5.6 date-time: a full date, 'T' (or a space, as its note
# allows), a full time, and a zone offset, which CloudNativePG needs to read the
# time as meant (recovery.md: "Timestamps without an explicit timezone suffix
# are interpreted as UTC").
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
# Barman's backup ids: the backup's start time, YYYYMMDDTHHMMSS (recovery.md's
# examples, backupID: 20220616T142236; `kubectl cnpg backup list` shows them).
BACKUP_ID = re.compile(r"^\d{8}T\d{6}$")


def target_time(text: str, now: datetime | None = None) -> datetime:
    """``--to`` as an aware time; a usage error unless it is RFC 3339 and not in the future."""
    if not RFC3339.match(text):
        raise UsageError(f"--to {text!r}: not an RFC 3339 time; give a date, time and zone, "
                         "e.g. 2026-12-03T10:30:00Z or 2026-12-03T11:30:00+01:00")
    # Python 3.10's fromisoformat takes neither Z nor other than 3 or 6 digits
    # of fraction: both are normalised first (3.11 would take them as given).
    fraction = re.search(r"\.(\d+)", text)
    normal = re.sub(r"\.\d+", "." + fraction.group(1)[:6].ljust(6, "0") if fraction else "", text)
    try:
        when = datetime.fromisoformat(normal.upper().replace("Z", "+00:00").replace(" ", "T"))
    except ValueError as exc:
        raise UsageError(f"--to {text!r}: not a real time ({exc})") from None
    if when > (now or datetime.now(timezone.utc)):
        raise UsageError(f"--to {text!r}: is in the future; the archive holds only what has happened")
    return when


def utc(when: datetime) -> str:
    """The recovery target as written: RFC 3339 in UTC, seconds (and fractions if given)."""
    when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + (f".{when.microsecond:06d}".rstrip("0") if when.microsecond
                                                  else "") + "Z"


def default_name(pg: Postgres, when: datetime) -> str:
    """<cluster>-pitr-YYYYMMDDHHMM of the target time (UTC): the same command
    gives the same tree, and two restores to different times do not meet."""
    return f"{pg.name}-pitr-{when.astimezone(timezone.utc):%Y%m%d%H%M}"


def parts(ctx: Context, pg: Postgres, name: str, when: datetime, backup_id: str | None) -> list[Part]:
    """The parts of the restored cluster ``name``."""
    if backup_id is not None and not BACKUP_ID.match(backup_id):
        raise UsageError(f"--backup-id {backup_id!r}: not a Barman backup id; give its start time as "
                         "YYYYMMDDTHHMMSS, e.g. 20261203T020000 (kubectl cnpg backup list shows them)")
    if name == pg.name:
        raise UsageError(f"--name {name}: is the environment's cluster; the restore needs a name of its own, "
                         "so that it archives apart from the original")
    target = {"targetTime": utc(when)}
    if backup_id:
        target = {"backupID": backup_id, **target}
    # The roles keep the original's Secrets (their default name follows the cluster's).
    roles = {role: spec.model_copy(update={"passwordSecret": role_secret(pg, role)}) if spec.login else spec
             for role, spec in pg.roles.items()}
    # Its ScheduledBackups are named after it, not after the original's.
    restored = pg.model_copy(update={"name": name, "poolers": {}, "dynamicCredentials": None, "replica": None,
                                     "roles": roles, "backup": pg.backup.model_copy(update={"name": None})})
    source = archive.Source(server_name=pg.name, configuration=archive.own_configuration(ctx, pg), target=target)
    return list(plan(ctx, restored, source))


# CloudNativePG sets archive_timeout to 5min unless told otherwise
# (pkg/postgres/configuration.go; docs/src/appendixes/backup_barmanobjectstore.md):
# a WAL segment is archived at least that often, so that is what a whole
# cluster's loss can cost.
ARCHIVE_TIMEOUT = "5min"


def procedure(ctx: Context, pg: Postgres) -> Recovery:
    """The design's PostgreSQL objectives (RTO 15 minutes, RPO 5 minutes,
    point-in-time recovery) and the steps with this environment's names."""
    ns, env = ctx.namespace, ctx.environment
    timeout = str(pg.parameters.get("archive_timeout", ARCHIVE_TIMEOUT))
    primary = ("nothing committed when the primary fails (synchronous replication)" if pg.synchronous
               else "the standbys' replication lag when the primary fails")
    if pg.backup is None:
        return Recovery("PostgreSQL", "15 minutes", "5 minutes", f"{primary}; everything if the cluster is lost "
                        "(no backups: set postgres.backup)", ("none",),
                        ("There is no archive to restore: set postgres.backup and render.",))
    destination = archive_destination(ctx, pg)
    backups = tuple(f"base backup {key + ' ' if key else ''}on cron `{cron}` into `{destination}` as serverName "
                    f"`{pg.name}`" for key, cron in archive.schedules(pg)) + (
        f"WAL archived continuously into the same place, a segment at least every {timeout} (archive_timeout)",
        f"kept {pg.backup.retentionPolicy} (one recovery window for the whole archive), compression "
        f"{pg.backup.compression}, encryption {pg.backup.encryption or 'the bucket default'}")
    if pg.replica:
        backups += (f"this cluster replays `{pg.replica.source.destinationPath}` (serverName "
                    f"`{pg.replica.source.serverName or pg.name}`) while postgres.replica.enabled is true",)
    name = f"{pg.name}-pitr-YYYYMMDDHHMM"
    steps = (
        "Choose the time to return to: the last moment before the loss, with its zone (RFC 3339, e.g. "
        "2026-12-03T10:29:00Z). It must lie within the retention window and after the first backup; "
        f"`kubectl -n {ns} get backups.postgresql.cnpg.io` lists the backups and their times.",
        f"Write the restore: `dsgen recover --env {env} --to TIME` (add `--backup-id ID` to start from one "
        f"backup). It writes `out/recovery/{env}/{name}/`: a new cluster `{name}` restored from "
        f"`{destination}` (serverName `{pg.name}`), archiving its own WAL as serverName `{name}`, with its "
        "object stores, NetworkPolicies and monitoring.",
        f"Check and apply it: `dsgen validate out/recovery/{env}/{name} --profile {env} --closed`, then "
        f"commit it and sync, or `kubectl apply -k out/recovery/{env}/{name}`. `dsgen render` keeps the folder.",
        f"Watch the restore: `kubectl cnpg status {name} -n {ns}` (the recovery job replays WAL up to the "
        "target, then the instances join); the time it takes is the base backup's download plus the WAL replay.",
        f"Verify the data: connect to `{name}-rw.{ns}.svc:5432` as the application owner and check the rows "
        "the loss touched, and that the database holds nothing after the target time.",
        f"Move the applications: point their connection at `{name}-rw.{ns}.svc` (or update the DNS name they "
        f"use), then check they connect; the poolers still serve `{pg.name}` until you move them.",
        f"Keep or retire: once the applications run on `{name}`, keep `out/recovery/{env}/{name}` committed and "
        f"synced as the live cluster; delete the old cluster (`kubectl -n {ns} delete cluster {pg.name}`) only "
        "when nothing uses it (README, \"Restoring PostgreSQL\", says how to make the restored one the profile's).",
    )
    if pg.replica:
        steps = (f"Disaster recovery (the primary's region is lost): promote this replica cluster by setting "
                 f"postgres.replica.enabled: false in profiles/{env}.yaml, render and commit; CloudNativePG "
                 "promotes the designated primary once it has replayed what the archive holds. Irreversible: "
                 "the old primary must be rebuilt from this one afterwards.",) + steps
    lost = f"up to {timeout} of commits if the whole cluster is lost (archive_timeout)"
    if pg.replica:
        lost = (f"at promotion, the primary's last {timeout} (its archive_timeout) plus the bucket's cross-region "
                "replication lag")
    return Recovery("PostgreSQL", "15 minutes", "5 minutes", f"{primary}; {lost}", backups, steps)
