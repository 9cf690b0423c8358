"""Rules of spotahome's redis-operator (databases.spotahome.com/v1 RedisFailover)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsgen.operators import spotahome
from dsgen.rules import GroupKind, Overlay, Rule, get, name_of

if TYPE_CHECKING:
    from dsgen.components.base import Context
    from dsgen.components.redis.model import Redis

REDIS_FAILOVER = ("databases.spotahome.com", "RedisFailover")


def name_problem(name: str) -> str | None:
    if len(name) > spotahome.MAX_NAME:
        return f"is {len(name)} characters; the redis-operator allows at most {spotahome.MAX_NAME}"
    return None


def runtime_config_problem(key: str) -> str | None:
    if key in spotahome.MANAGED:
        return "is managed by the redis-operator and cannot be set"
    if key in spotahome.STARTUP_ONLY:
        return "cannot be set with CONFIG SET, which is how the operator applies customConfig; pass it as a redis-server argument"
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
        for index, line in enumerate(get(redis, "spec", "redis", "customConfig") or []):
            key = str(line).split(" ", 1)[0].lower()
            problem = runtime_config_problem(key)
            if problem:
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


RULES = (REDIS_NAME, REDIS_RUNTIME_CONFIG, SENTINEL_CONFIG)


def secret_references(kind: GroupKind, doc: dict):
    """A RedisFailover's auth names its Secret in spec.auth.secretPath."""
    if kind == REDIS_FAILOVER:
        name = get(doc, "spec", "auth", "secretPath")
        if isinstance(name, str) and name:
            yield "/spec/auth/secretPath", name
