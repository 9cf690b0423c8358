"""Rules of spotahome's redis-operator (databases.spotahome.com/v1 RedisFailover)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsgen.operators import spotahome
from dsgen.rules import GroupKind, Overlay, Rule, get, name_of, pairs

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.redis.model import Redis

REDIS_FAILOVER = ("databases.spotahome.com", "RedisFailover")


def name_problem(name: str) -> str | None:
    if len(name) > spotahome.MAX_NAME:
        return f"is {len(name)} characters; the redis-operator allows at most {spotahome.MAX_NAME}"
    return None


def on_command_line(key: str) -> bool:
    """Settings dsgen passes as redis-server arguments rather than customConfig."""
    return key in spotahome.STARTUP_ONLY or key in spotahome.DECIDES_STARTUP


def runtime_config_problem(key: str) -> str | None:
    if key in spotahome.MANAGED:
        return "is managed by the redis-operator and cannot be set"
    if key in spotahome.STARTUP_ONLY:
        return "cannot be set with CONFIG SET, which is how the operator applies customConfig; pass it as a redis-server argument"
    if key in spotahome.DECIDES_STARTUP:
        return ("reaches Redis only by CONFIG SET after each start, while pods boot with the operator's "
                "redis.conf (save 900 1, save 300 10, no AOF, no maxmemory); pass it as a redis-server argument")
    return None


REDIS_NAME = Rule("DSG204", "redis-name", "A RedisFailover's name is at most 48 characters (the redis-operator's limit).")


@REDIS_NAME.on_profile
def _(ctx: Context, redis: Redis):
    problem = name_problem(redis.name)
    if problem:
        yield ("redis", "name"), problem


@REDIS_NAME.on_manifest
def _(overlay: Overlay):
    for redis in overlay.of(REDIS_FAILOVER):
        problem = name_problem(name_of(redis))
        if problem:
            yield redis, "/metadata/name", problem


REDIS_RUNTIME_CONFIG = Rule("DSG206", "redis-runtime-config", "RedisFailover customConfig holds no setting the operator manages, nor one Redis refuses to change with CONFIG SET, which is how the operator applies it (dsgen passes those as server arguments).")


@REDIS_RUNTIME_CONFIG.on_profile
def _(ctx: Context, redis: Redis):
    for key in redis.redis.config:
        if key in spotahome.MANAGED:  # start-up-only keys become server arguments
            yield ("redis", "redis", "config", key), runtime_config_problem(key)


@REDIS_RUNTIME_CONFIG.on_manifest
def _(overlay: Overlay):
    for redis in overlay.of(REDIS_FAILOVER):
        arguments = {str(a)[2:] for a in get(redis, "spec", "redis", "command") or [] if str(a).startswith("--")}
        for index, line in enumerate(get(redis, "spec", "redis", "customConfig") or []):
            key = str(line).split(" ", 1)[0].lower()
            problem = runtime_config_problem(key)
            if problem and key not in arguments:
                yield redis, f"/spec/redis/customConfig/{index}", f"{key} {problem}"


SENTINEL_CONFIG = Rule("DSG304", "sentinel-config", "Sentinel settings are ones the redis-operator applies with SENTINEL SET.")


@SENTINEL_CONFIG.on_profile
def _(ctx: Context, redis: Redis):
    for key in redis.sentinel.config:
        if key not in spotahome.SENTINEL_SETTABLE:
            yield ("redis", "sentinel", "config", key), (
                "is not a sentinel setting the redis-operator can apply; use one of "
                + ", ".join(sorted(spotahome.SENTINEL_SETTABLE))
            )


LABEL_COPY = Rule("DSG316", "operator-label-copy", "A labelled RedisFailover sets labelWhitelist: without one the redis-operator copies every label (app.kubernetes.io/instance, managed-by, ...) onto the StatefulSets, Services and ConfigMaps it creates, and GitOps tools that track by label take them for their own.")
LABELS_COPIED = ("has labels but no spec.labelWhitelist: the redis-operator copies every label onto the "
                 "objects it creates, where GitOps label tracking claims and prunes them")


@LABEL_COPY.on_manifest
def _(overlay: Overlay):
    for redis in overlay.of(REDIS_FAILOVER):
        if (redis.get("metadata") or {}).get("labels") and not get(redis, "spec", "labelWhitelist"):
            yield redis, "/spec/labelWhitelist", LABELS_COPIED


DRAIN = Rule("DSG317", "redisfailover-pdb", "A RedisFailover has 2 or more Redis replicas: with one, the redis-operator's PodDisruptionBudget (minAvailable 1) makes it unevictable and blocks every node drain.")


def drain_problem(replicas: int) -> str | None:
    if replicas <= spotahome.pdb_min_available(replicas):
        return (f"with {replicas} Redis replica the redis-operator's PodDisruptionBudget (minAvailable "
                f"{spotahome.pdb_min_available(replicas)}) makes it unevictable and blocks every node drain; "
                "use 2 or more replicas (the operator has no switch to drop the budget)")
    return None


@DRAIN.on_profile
def _(ctx: Context, redis: Redis):
    problem = drain_problem(redis.redis.replicas)
    if problem:
        yield ("redis", "redis", "replicas"), problem


@DRAIN.on_manifest
def _(overlay: Overlay):
    for redis in overlay.of(REDIS_FAILOVER):
        replicas = get(redis, "spec", "redis", "replicas")
        problem = drain_problem(replicas) if isinstance(replicas, int) else None
        if problem:
            yield redis, "/spec/redis/replicas", problem


RULES = (REDIS_NAME, REDIS_RUNTIME_CONFIG, SENTINEL_CONFIG, LABEL_COPY, DRAIN)


def secret_references(kind: GroupKind, doc: dict):
    """A RedisFailover's auth names its Secret in spec.auth.secretPath."""
    if kind == REDIS_FAILOVER:
        name = get(doc, "spec", "auth", "secretPath")
        if isinstance(name, str) and name:
            yield "/spec/auth/secretPath", name


REDIS_VOLUME = Rule("DSG407", "redis-volume-change", "A render does not change a RedisFailover's storage: the operator keeps it in a StatefulSet's volumeClaimTemplates, which Kubernetes does not let change.")


@REDIS_VOLUME.on_change
def _(old: Overlay, new: Overlay):
    for previous, redis in pairs(old, new, REDIS_FAILOVER):
        if get(previous, "spec", "redis", "storage") != get(redis, "spec", "redis", "storage"):
            yield redis, "/spec/redis/storage", ("changes storage: a StatefulSet's volumeClaimTemplates cannot "
                                                 "change, so the operator cannot apply it to the Redis pods")


RULES = RULES + (REDIS_VOLUME,)


REDIS_IMAGE = Rule("DSG320", "redis-image", "Redis and sentinel images are pinned to a version: without one the redis-operator 1.2 runs its default redis:6.2.6-alpine (api/redisfailover/v1/defaults.go), long out of support.")


def image_problem(image) -> str | None:
    if not image:
        return ("no image: the redis-operator would run its default redis:6.2.6-alpine; pin a supported "
                "Redis, such as redis:7.2.6-alpine")
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    if "@sha256:" not in image and (not tag or tag == "latest"):
        return f"{image} is not pinned to a version: pin a tag such as 7.2.6-alpine"
    return None


@REDIS_IMAGE.on_profile
def _(ctx: Context, redis: Redis):
    for part in ("redis", "sentinel"):
        problem = image_problem(getattr(redis, part).image)
        if problem:
            yield ("redis", part, "image") if getattr(redis, part).image else ("redis", part), problem


@REDIS_IMAGE.on_manifest
def _(overlay: Overlay):
    for redis in overlay.of(REDIS_FAILOVER):
        for part in ("redis", "sentinel"):
            problem = image_problem(get(redis, "spec", part, "image"))
            if problem:
                yield redis, f"/spec/{part}/image", problem


RULES = RULES + (REDIS_IMAGE,)


POD_LABELS = Rule("DSG327", "redis-pod-labels", "Redis and sentinel pods take no labels of their own: the redis-operator 1.2 labels its pods with its selector labels and the RedisFailover's own labels (generator.go, handler.go getLabels), on every object it creates.")


@POD_LABELS.on_profile
def _(ctx: Context, redis: Redis):
    for name in ("redis", "sentinel"):
        if getattr(redis, name).pod.labels:
            yield ("redis", name, "pod", "labels"), (
                "the redis-operator has no pod labels: it copies the RedisFailover's own labels onto "
                "every object it creates; add them with a patch of the RedisFailover's metadata.labels "
                "and spec.labelWhitelist")


RULES = RULES + (POD_LABELS,)


NO_TLS = Rule("DSG330", "redis-tls", "Redis TLS (redis.tls, access.requireTls) needs a backend that serves it: spotahome's redis-operator 1.2 has no TLS setting for Redis or sentinels (api/redisfailover/v1/types.go, service/generator.go at v1.2.4); on opstree, requireTls needs redis.tls.")
SPOTAHOME_TLS = ("spotahome's redis-operator 1.2 cannot serve TLS (its RedisFailover has no TLS settings): "
                 "use redis.operator: opstree, or leave it out")


@NO_TLS.on_profile
def _(ctx: Context, redis: Redis):
    if redis.access.requireTls:
        yield ("redis", "access", "requireTls"), SPOTAHOME_TLS
    if redis.tls is not None:
        yield ("redis", "tls"), SPOTAHOME_TLS


RULES = RULES + (NO_TLS,)
