"""The pods a RedisReplication and a RedisSentinel make, for `dsgen access`
(facts in operators/opstree.py)."""

from __future__ import annotations

from typing import Iterator

from dsgen.components.redis.opstree.rules import REPLICATION, SENTINEL
from dsgen.network import Port, Workload
from dsgen.operators import opstree
from dsgen.rules import Overlay, get, name_of, namespace_of


def _ports(doc: dict, port: int, name: str) -> tuple[Port, ...]:
    # With TLS the operator's config sets "port 0" and serves TLS alone
    # (internal/agent/bootstrap: tls-port).
    out = [Port(port, name, "tls" if get(doc, "spec", "TLS") else "plaintext")]
    if get(doc, "spec", "redisExporter", "enabled"):
        out.append(Port(opstree.EXPORTER_PORT, "metrics"))
    return tuple(out)


def workloads(overlay: Overlay) -> Iterator[Workload]:
    for replication in overlay.of(REPLICATION):
        name = name_of(replication)
        yield Workload(f"{name} redis", namespace_of(replication), opstree.replication_pods(name),
                       _ports(replication, opstree.REDIS_PORT, "redis"))
    for sentinel in overlay.of(SENTINEL):
        name = name_of(sentinel)
        yield Workload(f"{name} sentinels", namespace_of(sentinel), opstree.sentinel_pods(name),
                       _ports(sentinel, opstree.SENTINEL_PORT, "sentinel"))


OPERATOR_PODS = (("redis-operator", "otRedisOperator", opstree.OPERATOR_POD),)
