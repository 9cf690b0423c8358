"""Redis rules every backend shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsgen.components.base import below_memory_limit, requests_within_limits
from dsgen.operators.cloudnativepg import S3_KEYS
from dsgen.rules import Rule
from dsgen.units import redis_bytes

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.redis.model import Redis

REDIS_MEMORY = Rule("DSG305", "redis-memory", "Redis and sentinel requests are not above their limits; under a memory limit, maxmemory (Redis units: mb is MiB, m is 10^6) is set, not 0, and below it.")


def redis_bytes_or_none(text: str) -> int | None:
    try:
        return redis_bytes(text)
    except ValueError:
        return None  # reported by the maxmemory check


@REDIS_MEMORY.on_profile
def _(ctx: Context, redis: Redis):
    yield from requests_within_limits(redis.redis.resources, ("redis", "redis", "resources"))
    yield from requests_within_limits(redis.sentinel.resources, ("redis", "sentinel", "resources"))
    if "maxmemory" in redis.redis.config:
        yield from below_memory_limit(
            redis.redis.config["maxmemory"], redis_bytes, redis.redis.resources,
            ("redis", "redis", "config", "maxmemory"), "Redis would be killed before evicting keys",
            unparsable=False,  # DSG324 reports a value that does not parse
            resources_path=("redis", "redis", "resources"))
    limit = redis.redis.resources.limits.memory if redis.redis.resources and redis.redis.resources.limits else None
    if limit and redis_bytes_or_none(redis.redis.config.get("maxmemory", "0")) == 0:
        yield ("redis", "redis", "config"), (
            f"no maxmemory under the memory limit {limit}: Redis grows until the container is killed "
            "instead of evicting keys; set maxmemory below the limit (e.g. three quarters of it)")


SENTINEL_QUORUM = Rule("DSG306", "sentinel-quorum", "A Redis with replicas has at least 3 sentinels, so that a majority can elect a new master.")


@SENTINEL_QUORUM.on_profile
def _(ctx: Context, redis: Redis):
    if redis.sentinel.replicas < 3 and redis.redis.replicas > 1:
        yield ("redis", "sentinel", "replicas"), (
            f"{redis.sentinel.replicas} sentinels cannot elect a new master safely; use at least 3"
        )


REDIS_SETTINGS = Rule("DSG324", "redis-settings", "Every Redis setting is one Redis has (\"did you mean\" for near misses), with a value of its type and range, as Redis's src/config.c defines them (operators/data/redis-7.2.json).")


@REDIS_SETTINGS.on_profile
def _(ctx: Context, redis: Redis):
    from dsgen.operators import redis as catalog

    for key, value in redis.redis.config.items():
        problem = catalog.setting_problem(key, value)
        if problem:
            yield ("redis", "redis", "config", key), problem


RULES = (REDIS_MEMORY, SENTINEL_QUORUM, REDIS_SETTINGS)


def secrets_read(redis: Redis):
    """The password Redis and the sentinels are given (key 'password'), the
    backup jobs' S3 credentials, and,
    when no cert-manager issuer makes it, the TLS Secret: tls.crt, tls.key and
    ca.crt, the names the RedisReplication's TLS section gives (opstree plan)."""
    from dsgen.contract import SecretNeed

    if redis.auth:
        yield SecretNeed(("redis", "auth", "secretName"), redis.auth.secretName, ("password",))
    backup = redis.backup
    if backup and backup.s3.credentialsSecret and not backup.s3.inheritFromIAMRole:
        # the backup jobs' upload step reads both keys (redis/backup.py)
        yield SecretNeed(("redis", "backup", "s3", "credentialsSecret"), backup.s3.credentialsSecret,
                         S3_KEYS)
    if redis.tls and not redis.tls.issuer:
        yield SecretNeed(("redis", "tls", "secretName"), redis.tls.secretName, ("tls.crt", "tls.key", "ca.crt"),
                         "kubernetes.io/tls")


def client_ca(redis: Redis):
    """With TLS (opstree): the CA of the certificate Redis serves, ca.crt of its Secret."""
    if redis.tls is not None:
        yield redis.tls.secretName, "ca.crt"
