"""Redis backups: RDB snapshots to S3 on schedules, as CronJobs, the same for
both operators (they differ in the sentinels' Service and the Redis image).

Each job takes the snapshot with ``redis-cli --rdb`` from a replica the
sentinels report up (the master when none is), so the master never forks for
it; the RDB is the dataset at one moment, consistent, and what Redis loads at
start-up. AOF files are not copied: redis-cli cannot fetch them, and a copy of
a live volume is only crash-consistent; a snapshot on a tighter schedule
gives the same recovery point (README, "Backups").

The first step runs in the Redis image (it has redis-cli); the second uploads
with the AWS CLI, gzipped and encrypted, then deletes the snapshots older
than the retention."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from dsgen import kits
from dsgen.components.redis.policies import SENTINEL_PORT, backup_pods
from dsgen.kits import Owner, SecretEnv, Step

from dsgen.components.base import upload_step
from dsgen.contract import Recovery

if TYPE_CHECKING:
    from dsgen.contract import Context, Part
    from dsgen.components.redis.model import Redis

# Both operators name the sentinels' master group mymaster: spotahome v1.2.4
# service/generator.go (sentinelConfigTemplate), opstree's agent
# (MASTER_GROUP_NAME default, internal/agent/bootstrap/sentinel).
MASTER_GROUP = "mymaster"
WORK = "/work"
TLS = "/tls"

# POSIX sh (busybox in alpine images). SENTINEL REPLICAS lists each replica as
# field/value lines (ip, port, ..., flags); a healthy one's flags are "slave".
# redis-cli reads the password from REDISCLI_AUTH (redis-cli(1)), kept out of
# the process list.
SNAPSHOT = r'''set -eu
work="${WORK:-/work}"
tls=""
if [ -n "${REDIS_CA:-}" ]; then tls="--tls --cacert $REDIS_CA"; fi
cli() {
  if [ -n "${REDIS_PASSWORD:-}" ]; then REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli $tls "$@"; else redis-cli $tls "$@"; fi
}
sentinel() {
  if [ -n "${SENTINEL_PASSWORD:-}" ]; then
    REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli $tls -h "$SENTINEL_HOST" -p "$SENTINEL_PORT" --raw "$@"
  else
    redis-cli $tls -h "$SENTINEL_HOST" -p "$SENTINEL_PORT" --raw "$@"
  fi
}
source=$(sentinel SENTINEL REPLICAS "$MASTER_GROUP" | awk '
  $0 == "ip" { getline; ip = $0 }
  $0 == "port" { getline; port = $0 }
  $0 == "flags" { getline; if ($0 == "slave" && !found) { print ip " " port; found = 1 } }')
if [ -z "$source" ]; then
  echo "no replica is up: taking the snapshot from the master" >&2
  source=$(sentinel SENTINEL GET-MASTER-ADDR-BY-NAME "$MASTER_GROUP" | tr '\n' ' ')
fi
set -- $source
[ "$#" -eq 2 ] || { echo "the sentinels at $SENTINEL_HOST:$SENTINEL_PORT name no Redis for $MASTER_GROUP" >&2; exit 1; }
rm -f "$work/dump.rdb" "$work/dump.rdb.gz"
cli -h "$1" -p "$2" --rdb "$work/dump.rdb"
gzip -9 "$work/dump.rdb"
echo "snapshot of $1:$2 taken: $(wc -c < "$work/dump.rdb.gz") bytes gzipped"
'''

def parts(ctx: Context, redis: Redis, *, sentinel_service: str, image: str,
          sentinels_authenticate: bool) -> Iterator[Part]:
    """One CronJob per snapshot schedule; ``image`` has redis-cli;
    ``sentinels_authenticate``: the backend's sentinels require the password too."""
    backup = redis.backup
    owner = Owner("redis", redis.name)
    env: dict[str, str | SecretEnv] = {"WORK": WORK, "SENTINEL_HOST": f"{sentinel_service}.{ctx.namespace}.svc",
                                       "SENTINEL_PORT": str(SENTINEL_PORT), "MASTER_GROUP": MASTER_GROUP}
    volumes = [{"name": "work", "emptyDir": {}}]
    mounts = {"work": WORK}
    if redis.auth:
        env["REDIS_PASSWORD"] = SecretEnv(redis.auth.secretName, "password")
        if sentinels_authenticate:
            env["SENTINEL_PASSWORD"] = SecretEnv(redis.auth.secretName, "password")
    if redis.tls:
        env["REDIS_CA"] = f"{TLS}/ca.crt"
        volumes.append({"name": "tls", "secret": {"secretName": redis.tls.secretName,
                                                  "items": [{"key": "ca.crt", "path": "ca.crt"}]}})
        mounts["tls"] = TLS
    for name, snapshot in backup.snapshots.items():
        yield kits.cron_job(
            owner, f"{redis.name}-backup-{name}", schedule=snapshot.schedule,
            resources=backup.resources.model_dump(exclude_none=True) if backup.resources else None, steps=[
                Step("snapshot", image, ["/bin/sh", "-c", SNAPSHOT], env, mounts),
                upload_step(backup, snapshot, ctx.environment, file=f"{WORK}/dump.rdb.gz", suffix=".rdb.gz",
                            mounts={"work": WORK}),
            ], volumes=volumes, pod_labels=backup_pods(redis))


def procedure(ctx: Context, redis: Redis) -> Recovery:
    """The design's Redis objectives (RTO 5 minutes, RPO 1 hour, restore from
    an RDB snapshot) and the steps with this environment's names."""
    ns, env = ctx.namespace, ctx.environment
    if redis.backup is None or not redis.backup.snapshots:
        return Recovery("Redis", "5 minutes", "1 hour", "everything if all Redis volumes are lost (no backups: "
                        "set redis.backup)", ("none",), ("There is nothing to restore from: set redis.backup.",))
    snapshots = list(redis.backup.snapshots.items())
    backups = tuple(f"`{redis.name}-backup-{name}`: RDB snapshot on cron `{s.schedule}` into "
                    f"`{s.destination.rstrip('/')}/{env}/`, kept {s.retentionDays} days" for name, s in snapshots)
    first = snapshots[0][1]
    steps = (
        "If one Redis pod survives, there is nothing to restore: the sentinels promote a replica and the "
        "operator rebuilds the others from it.",
        f"Pick the snapshot: `aws s3 ls {first.destination.rstrip('/')}/{env}/` (and the other folders above); "
        "names are their UTC times.",
        "Stop the writers (scale the applications that write to Redis down), so nothing is written to a Redis "
        "that is about to be replaced.",
        f"Start a new Redis from the tree (delete the old one's pods and volumes, or render it under a new "
        f"redis.name), then before it takes traffic copy the snapshot into the master's volume as `dump.rdb`: "
        f"`kubectl -n {ns} cp dump.rdb <master-pod>:/data/dump.rdb` (gunzip it first).",
        "Load it: restart the master with appendonly off for that start (with AOF on, Redis loads the AOF, not "
        "the RDB), check `DBSIZE`, then `CONFIG SET appendonly yes` to write the AOF from the data; the "
        "replicas resynchronise from the master.",
        f"Check `SENTINEL get-master-addr-by-name mymaster` on `{redis.name}` sentinels names the master, then "
        "start the writers again and watch the cache hit rate recover.",
    )
    return Recovery("Redis", "5 minutes", "1 hour",
                    f"nothing while one replica survives; since the last snapshot if all are lost (schedules: "
                    f"{', '.join(f'`{s.schedule}`' for _, s in snapshots)})", backups, steps)
