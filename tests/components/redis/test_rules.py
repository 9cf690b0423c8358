"""Redis profile rules, through the components' one harness: each case
asserts the rule id, the exact key and the whole message."""

from __future__ import annotations

import pytest

from tests.components.harness import findings

CASES = [
    ({"redis": {"access": {"requireTls": True}}},
     [("DSG330", ("redis", "access", "requireTls"), "spotahome's redis-operator 1.2 cannot serve TLS (its RedisFailover has no TLS settings): use redis.operator: opstree, or leave it out")]),
    ({"redis": {"redis": {"config": {"maxmemory-policy": "allkeys-lru-ish", "appendonly": "true", "maxmemoryy": "1gb"}}}},
     [("DSG324", ("redis", "redis", "config", "maxmemory-policy"), "'allkeys-lru-ish' is not one of volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
      ("DSG324", ("redis", "redis", "config", "appendonly"), "'true' is not yes or no"),
      ("DSG324", ("redis", "redis", "config", "maxmemoryy"), "is not a Redis 7.2 setting; did you mean maxmemory?")]),
    ({"redis": {"redis": {"config": {"maxmemory": "lots"}}}},
     [("DSG324", ("redis", "redis", "config", "maxmemory"), "'lots' is not a size (a number with an optional unit b, k, kb, m, mb, g, gb)")]),
    ({"redis": {"redis": {"image": None}}},
     [("DSG320", ("redis", "redis"), "no image: the redis-operator would run its default redis:6.2.6-alpine; pin a supported Redis, such as redis:7.2.6-alpine")]),
    ({"redis": {"sentinel": {"image": "redis"}}},
     [("DSG320", ("redis", "sentinel", "image"), "redis is not pinned to a version: pin a tag such as 7.2.6-alpine")]),
    ({"redis": {"redis": {"replicas": 1}}},
     [("DSG317", ("redis", "redis", "replicas"), "with 1 Redis replica the redis-operator's PodDisruptionBudget (minAvailable 1) makes it unevictable and blocks every node drain; use 2 or more replicas (the operator has no switch to drop the budget)")]),
    ({"redis": {"redis": {"config": {"maxmemory": None}}}},
     [("DSG305", ("redis", "redis", "config"), "no maxmemory under the memory limit 512Mi: Redis grows until the container is killed instead of evicting keys; set maxmemory below the limit (e.g. three quarters of it)")]),
    ({"redis": {"redis": {"config": {"maxmemory": "0"}}}},
     [("DSG305", ("redis", "redis", "config"), "no maxmemory under the memory limit 512Mi: Redis grows until the container is killed instead of evicting keys; set maxmemory below the limit (e.g. three quarters of it)")]),
    ({"redis": {"redis": {"config": {"requirepass": "x"}}}},
     [("DSG206", ("redis", "redis", "config", "requirepass"), "is managed by the redis-operator and cannot be set")]),
    ({"redis": {"sentinel": {"replicas": 2}}},
     [("DSG306", ("redis", "sentinel", "replicas"), "2 sentinels cannot elect a new master safely; use at least 3")]),
    ({"redis": {"name": "r" * 49}},
     [("DSG204", ("redis", "name"), "is 49 characters; the redis-operator allows at most 48")]),
    ({"redis": {"sentinel": {"config": {"sentinel-announce-ip": "1.2.3.4"}}}},
     [("DSG304", ("redis", "sentinel", "config", "sentinel-announce-ip"), "is not a sentinel setting the redis-operator can apply; use one of auth-pass, auth-user, client-reconfig-script, down-after-milliseconds, failover-timeout, notification-script, parallel-syncs, quorum")]),
    ({"redis": {"redis": {"config": {"maxmemory": "600mb"}}}},
     [("DSG305", [("redis", "redis", "config", "maxmemory"), ("redis", "redis", "resources", "limits", "memory")], "600mb is not below the memory limit 512Mi; Redis would be killed before evicting keys")]),
]


@pytest.mark.parametrize("change,expected", CASES)
def test_rule(change, expected):
    assert findings(change) == expected
