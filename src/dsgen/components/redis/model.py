"""The ``redis`` section of a profile: Redis servers with sentinel failover."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

from dsgen.fields import Name, ObjectName, Quantity, Resources, Setting, Spread, Strict
from pydantic import StrictStr


class RedisStorage(Strict):
    size: Quantity
    storageClass: ObjectName | None = None
    claimName: Name = "redis-storage"
    keepAfterDeletion: StrictBool = False


class RedisAuth(Strict):
    secretName: ObjectName = Field(description="Secret with key 'password'.")


class RedisServers(Strict):
    replicas: int = Field(3, ge=1)
    image: StrictStr | None = None
    resources: Resources | None = None
    config: dict[StrictStr, Setting] = {}
    storage: RedisStorage | None = None
    spread: Spread = Spread()


class Sentinels(Strict):
    replicas: int = Field(3, ge=1)
    image: StrictStr | None = None
    resources: Resources | None = None
    config: dict[StrictStr, Setting] = {}
    spread: Spread = Spread()


class Redis(Strict):
    enabled: StrictBool = True
    operator: Literal["spotahome"] = Field(
        "spotahome", description="The operator that runs Redis: spotahome's redis-operator "
        "(RedisFailover), pinned by operators.redisOperator.")
    name: Name = "redis-cluster"
    auth: RedisAuth | None = None
    redis: RedisServers = RedisServers()
    sentinel: Sentinels = Sentinels()
