"""The ``redis`` section -> a spotahome RedisFailover (Redis servers and sentinels)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from dsgen.components.base import Part, resources
from dsgen.operators import spotahome

if TYPE_CHECKING:
    from dsgen.components.base import Context
    from dsgen.components.redis.model import Redis


def plan(ctx: Context, redis: Redis) -> Iterator[Part]:
    runtime, startup = [], []
    for key, value in redis.redis.config.items():
        (startup if key in spotahome.STARTUP_ONLY else runtime).append((key, value))
    command = None
    if startup:
        # Redis refuses CONFIG SET for these; pass them as server arguments,
        # after the operator's own config file.
        command = [*spotahome.DEFAULT_COMMAND]
        for key, value in startup:
            command += [f"--{key}", *value.split()]
    yield Part(redis.name, "redis", "cache", redis.name, "spotahome/redisfailover.yaml.j2", {
        "redis": redis,
        "redis_config": [f"{k} {v}" for k, v in runtime],
        "redis_command": command,
        "redis_resources": resources(redis.redis.resources),
        "sentinel_config": [f"{k} {v}" for k, v in redis.sentinel.config.items()],
        "sentinel_resources": resources(redis.sentinel.resources),
    })
