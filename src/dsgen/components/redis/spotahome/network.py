"""The pods a RedisFailover makes, for `dsgen access` (facts in operators/spotahome.py)."""

from __future__ import annotations

from typing import Iterator

from dsgen.network import Port, Workload
from dsgen.operators import spotahome
from dsgen.components.redis.spotahome.rules import REDIS_FAILOVER
from dsgen.rules import Overlay, get, name_of, namespace_of


def workloads(overlay: Overlay) -> Iterator[Workload]:
    # spotahome 1.2 has no TLS: every connection is plaintext.
    for failover in overlay.of(REDIS_FAILOVER):
        name, namespace = name_of(failover), namespace_of(failover)
        redis_ports = [Port(spotahome.REDIS_PORT, "redis")]
        if get(failover, "spec", "redis", "exporter", "enabled"):
            redis_ports.append(Port(spotahome.REDIS_EXPORTER_PORT, "metrics"))
        sentinel_ports = [Port(spotahome.SENTINEL_PORT, "sentinel")]
        if get(failover, "spec", "sentinel", "exporter", "enabled"):
            sentinel_ports.append(Port(spotahome.SENTINEL_EXPORTER_PORT, "metrics"))
        yield Workload(f"{name} redis", namespace, spotahome.pod_labels(name, "redis"), tuple(redis_ports))
        yield Workload(f"{name} sentinels", namespace, spotahome.pod_labels(name, "sentinel"), tuple(sentinel_ports))


OPERATOR_PODS = (("redis-operator", "redisOperator", spotahome.OPERATOR_POD),)
