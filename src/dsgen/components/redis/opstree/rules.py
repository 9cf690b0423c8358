"""Rules of the OT-Container-Kit backend (facts in operators/opstree.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsgen.operators import opstree
from dsgen.rules import GroupKind, Overlay, Rule, get, name_of, namespace_of, pointer
from dsgen.units import redis_bytes, quantity_value

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.redis.model import Redis

REPLICATION = (opstree.GROUP, "RedisReplication")
SENTINEL = (opstree.GROUP, "RedisSentinel")
CONFIG_MAP = ("", "ConfigMap")

# Kubernetes labels a StatefulSet's pods controller-revision-hash:
# <statefulset>-<10-character hash>, which must fit in 63 (kubernetes/kubernetes#64023).
MAX_STATEFULSET = 52
SENTINEL_SUFFIX = "-sentinel"

OPSTREE_PROFILE = Rule("DSG334", "opstree-profile", "On OT-Container-Kit's redis-operator: images are the operator's own (their entrypoints write the configuration it relies on); Redis settings leave alone the ones the operator writes (port, TLS, passwords, dir...); sentinel settings are the ones the RedisSentinel has fields for; spotahome-only keys (claimName, pod labels and annotations) are not set; names leave room for the StatefulSets' pod labels; access.requireTls comes with redis.tls.")


@OPSTREE_PROFILE.on_profile
def _(ctx: Context, redis: Redis):
    if redis.operator != "opstree":
        return
    if redis.access.requireTls and redis.tls is None:
        yield ("redis", "access", "requireTls"), (
            "requireTls needs redis.tls: without it Redis and the sentinels serve plaintext only")
    for section, repository in opstree.IMAGE_REPOSITORIES.items():
        image = getattr(redis, section).image
        if image and image.rsplit(":", 1)[0] != repository:
            yield ("redis", section, "image"), (
                f"{image} is not {repository}: the operator relies on its images' entrypoints to write "
                f"{'redis.conf' if section == 'redis' else 'sentinel.conf'}; use {repository}:<tag> "
                f"(e.g. {opstree.REDIS_IMAGE if section == 'redis' else opstree.SENTINEL_IMAGE})")
    for key in redis.redis.config:
        if key.lower() in opstree.REDIS_MANAGED:
            yield ("redis", "redis", "config", key), (
                "the operator writes this itself (auth, TLS, port, data directory); the value would override it")
    for key in redis.sentinel.config:
        if key not in opstree.SENTINEL_FIELDS:
            yield ("redis", "sentinel", "config", key), (
                f"the RedisSentinel has no field for it; use {', '.join(opstree.SENTINEL_FIELDS)}")
    for section in ("redis", "sentinel"):
        pod = getattr(redis, section).pod
        for key in ("labels", "annotations"):
            if getattr(pod, key):
                yield ("redis", section, "pod", key), (
                    f"the {'RedisReplication' if section == 'redis' else 'RedisSentinel'} has no pod {key} "
                    "(api/common/v1beta2: the operator copies the resource's own labels onto its pods); remove them")
    storage = redis.redis.storage
    if storage is not None and storage.claimName != type(storage).model_fields["claimName"].default:
        yield ("redis", "redis", "storage", "claimName"), (
            "spotahome only: OT-Container-Kit's redis-operator names the claims itself; remove it")
    if len(redis.name) + len(SENTINEL_SUFFIX) > MAX_STATEFULSET:
        yield ("redis", "name"), (
            f"{len(redis.name)} characters: the sentinels' StatefulSet {redis.name}{SENTINEL_SUFFIX} must be at most "
            f"{MAX_STATEFULSET} (Kubernetes labels its pods <statefulset>-<hash>, at most 63); use at most "
            f"{MAX_STATEFULSET - len(SENTINEL_SUFFIX)}")


SENTINEL_SETUP = Rule("DSG335", "opstree-sentinel", "A RedisSentinel watches a RedisReplication of the tree, with a quorum that a majority of its sentinels reaches and no more than there are; a RedisReplication's additional config is a ConfigMap of the tree whose maxmemory is below the memory limit.")


@SENTINEL_SETUP.on_manifest
def _(overlay: Overlay):
    replications = {(namespace_of(d), name_of(d)): d for d in overlay.of(REPLICATION)}
    maps = {(namespace_of(d), name_of(d)): d for d in overlay.of(CONFIG_MAP)}
    for sentinel in overlay.of(SENTINEL):
        ns = namespace_of(sentinel)
        watched = get(sentinel, "spec", "redisSentinelConfig", "redisReplicationName")
        if isinstance(watched, str) and (ns, watched) not in replications:
            yield sentinel, "/spec/redisSentinelConfig/redisReplicationName", (
                f"no RedisReplication {watched!r} in namespace {ns}: the sentinels have no master to watch")
        size = get(sentinel, "spec", "clusterSize")
        raw = get(sentinel, "spec", "redisSentinelConfig", "quorum") or "2"  # the agent's default QUORUM
        if isinstance(size, int) and str(raw).isdigit():
            needed = int(raw)
            if needed > size:
                yield sentinel, "/spec/redisSentinelConfig/quorum", (
                    f"quorum {needed} with {size} sentinels: they can never agree the master is down")
            elif needed <= size // 2:
                yield sentinel, "/spec/redisSentinelConfig/quorum", (
                    f"quorum {needed} of {size} sentinels is not a majority: a minority can start a failover "
                    f"that the rest do not see; use {size // 2 + 1}")
        if len(name_of(sentinel)) + len(SENTINEL_SUFFIX) > MAX_STATEFULSET:
            yield sentinel, "/metadata/name", (
                f"the StatefulSet {name_of(sentinel)}{SENTINEL_SUFFIX} would be over {MAX_STATEFULSET} characters: "
                "Kubernetes cannot label its pods")
    for replication in overlay.of(REPLICATION):
        ns = namespace_of(replication)
        name = get(replication, "spec", "redisConfig", "additionalRedisConfig")
        if not isinstance(name, str):
            continue
        config = maps.get((ns, name))
        if config is None:
            yield replication, "/spec/redisConfig/additionalRedisConfig", (
                f"no ConfigMap {name!r} in namespace {ns}: the pods cannot start without it")
            continue
        text = get(config, "data", opstree.REDIS_CONFIG_KEY)
        limit = get(replication, "spec", "kubernetesConfig", "resources", "limits", "memory")
        problem = _maxmemory_problem(text if isinstance(text, str) else "", limit)
        if problem:
            yield replication, "/spec/kubernetesConfig/resources/limits/memory", problem


def _maxmemory_problem(config: str, limit: Any) -> str | None:
    if not isinstance(limit, str):
        return None
    values = [line.split(None, 1)[1] for line in config.splitlines()
              if line.split(None, 1)[:1] == ["maxmemory"] and len(line.split(None, 1)) == 2]
    try:
        ceiling = quantity_value(limit)
        if not values or redis_bytes(values[-1].strip()) == 0:
            return (f"no maxmemory under the memory limit {limit}: Redis grows until the container is killed; "
                    "set maxmemory in the additional config")
        if redis_bytes(values[-1].strip()) >= ceiling:
            return f"maxmemory {values[-1].strip()} is not below the memory limit {limit}: Redis would be killed first"
    except ValueError:
        return None
    return None


RULES = (OPSTREE_PROFILE, SENTINEL_SETUP)


def secret_references(kind: GroupKind, doc: dict):
    """The Secrets a RedisReplication or RedisSentinel reads: the password
    (kubernetesConfig.redisSecret), the certificate (TLS.secret), and for
    sentinels the replication's password (secretKeyRef, found by the generic
    search)."""
    if kind in (REPLICATION, SENTINEL):
        for path in (("spec", "kubernetesConfig", "redisSecret", "name"), ("spec", "TLS", "secret", "secretName")):
            name = get(doc, *path)
            if isinstance(name, str) and name:
                yield pointer(*path), name
