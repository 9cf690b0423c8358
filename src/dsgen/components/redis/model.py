"""The ``redis`` section of a profile: Redis servers with sentinel failover."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictStr

from dsgen.fields import Access, Name, ObjectName, Patches, Pod, Quantity, Resources, S3Upload, ScheduledUpload, Setting, Spread, Strict


class RedisStorage(Strict):
    size: Quantity
    """Size of each Redis volume."""
    storageClass: ObjectName | None = None
    """StorageClass of the volumes."""
    claimName: Name = "redis-storage"
    """Name of the PersistentVolumeClaim template."""
    keepAfterDeletion: StrictBool = False
    """Keep the volumes when the RedisFailover is deleted."""


class RedisAuth(Strict):
    secretName: ObjectName = Field(description="Secret with key 'password'.")


class RedisServers(Strict):
    replicas: int = Field(3, ge=1)
    """Redis servers: one master, the rest replicas (at least 2)."""
    image: StrictStr | None = None
    """Redis image, pinned (e.g. redis:7.2.6-alpine)."""
    resources: Resources | None = None
    """Requests and limits of each Redis pod."""
    config: dict[StrictStr, Setting] = {}
    """redis.conf settings, checked against Redis's own list."""
    storage: RedisStorage | None = None
    """A volume per Redis server; without it, data lives in the pod."""
    spread: Spread = Spread()
    """How Redis pods spread over nodes and zones."""
    pod: Pod = Pod()
    """Where the pods run and what they carry: nodeSelector, tolerations, affinity, ..."""


class Sentinels(Strict):
    replicas: int = Field(3, ge=1)
    """Sentinels (an odd number, 3 or more, for a quorum)."""
    image: StrictStr | None = None
    """Sentinel image, pinned."""
    resources: Resources | None = None
    """Requests and limits of each sentinel pod."""
    config: dict[StrictStr, Setting] = {}
    """sentinel.conf settings, e.g. down-after-milliseconds."""
    spread: Spread = Spread()
    """How sentinel pods spread over nodes and zones."""
    pod: Pod = Pod()
    """Where the pods run and what they carry: nodeSelector, tolerations, affinity, ..."""


class RedisTls(Strict):
    """TLS for Redis and the sentinels (opstree only): the Secret with tls.crt,
    tls.key and ca.crt, from cert-manager when issuer is set, else from OpenBao
    (secrets.credentials names its path)."""

    secretName: ObjectName = "redis-tls"
    """The Secret both read their certificate from."""
    issuer: ObjectName | None = None
    """A cert-manager Issuer (of the data namespace) or ClusterIssuer that signs it; null: OpenBao holds it."""
    issuerKind: Literal["Issuer", "ClusterIssuer"] = "Issuer"
    """Which kind issuer names."""


class RedisSnapshot(ScheduledUpload):
    """An RDB snapshot on a schedule: redis-cli --rdb from a replica the
    sentinels name, gzipped, uploaded, and the older ones deleted."""


class RedisBackup(S3Upload):
    """Snapshots of the dataset to S3 (the design's RDB and AOF backups); the
    snapshot is taken with the Redis image, uploaded with ``image``."""

    snapshots: dict[Name, RedisSnapshot] = Field(
        description="Backup jobs by name, one CronJob each (<redis>-backup-<name>), e.g. "
        "{rdb: {schedule: '0 3 * * *', destination: s3://bucket/rdb, retentionDays: 7}}.")


class Redis(Strict):
    enabled: StrictBool = True
    """false leaves Redis out of this environment."""
    operator: Literal["spotahome", "opstree"] = Field(
        "spotahome", description="The operator that runs Redis: spotahome's redis-operator "
        "(RedisFailover, pinned by operators.redisOperator; no TLS, unmaintained), or OT-Container-Kit's "
        "(opstree: RedisReplication and RedisSentinel, pinned by operators.otRedisOperator; TLS, "
        "authenticated sentinels).")
    name: Name = "redis-cluster"
    """Name of the RedisFailover (spotahome), or of the RedisReplication and RedisSentinel (opstree)."""
    auth: RedisAuth | None = None
    """The password Redis and sentinels require."""
    tls: RedisTls | None = None
    """TLS only, for Redis and the sentinels (opstree); null: plaintext."""
    redis: RedisServers = RedisServers()
    """The Redis servers."""
    sentinel: Sentinels = Sentinels()
    """The sentinels that watch them and fail over."""
    backup: RedisBackup | None = None
    """Scheduled snapshots to S3; none without it."""
    access: Access = Access()
    """Namespaces whose pods may connect to this service (see network.isolate)."""
    patches: Patches = []
