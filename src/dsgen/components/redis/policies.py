"""The NetworkPolicies of Redis with sentinels, whichever operator runs them:
the backends differ only in their pods' labels, their operator's pods and
their exporters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Mapping

from dsgen import kits
from dsgen.kits import Allow, Owner, Peer

if TYPE_CHECKING:
    from dsgen.contract import Part
    from dsgen.components.redis.model import Redis

REDIS_PORT, SENTINEL_PORT = 6379, 26379  # both operators' (and Redis's) defaults
HTTPS_PORT = 443


def backup_pods(redis: Redis) -> dict[str, str]:
    """The labels of the backup jobs' pods (dsgen's own: no operator manages them)."""
    return {"app.kubernetes.io/name": "redis-backup", "app.kubernetes.io/instance": redis.name}


def network_policies(network: dict, redis: Redis, *, servers: Mapping[str, str], sentinels: Mapping[str, str],
                     operator: Peer, metrics: tuple[int, ...] = (),
                     sentinel_metrics: tuple[int, ...] | None = None) -> Iterator[Part]:
    """Clients reach Redis and the sentinels; Redis pods reach each other
    (replication), sentinels reach Redis and each other, the operator reaches
    both, and the monitoring namespace scrapes the exporters on ``metrics``
    (the sentinels' on ``sentinel_metrics`` when they differ).
    With network.egress that is also all they reach: replicas reach the
    master, sentinels watch every Redis and talk to each other, and neither
    calls the API server (the operator configures them)."""
    owner = Owner("redis", redis.name)
    monitoring = network["monitoringNamespace"]
    backups = [Peer(pods=backup_pods(redis))] if redis.backup else []  # they ask the sentinels, then a replica
    yield kits.service_ingress(
        owner, f"{redis.name}-redis-ingress", servers, clients=redis.access.namespaces, ports=[REDIS_PORT],
        metrics=metrics, monitoring=monitoring,
        also=[Allow([Peer(pods=servers), Peer(pods=sentinels), operator, *backups], [REDIS_PORT])])
    yield kits.service_ingress(
        owner, f"{redis.name}-sentinel-ingress", sentinels, clients=redis.access.namespaces, ports=[SENTINEL_PORT],
        metrics=metrics if sentinel_metrics is None else sentinel_metrics, monitoring=monitoring, also=[Allow([Peer(pods=sentinels), operator, *backups], [SENTINEL_PORT])])
    if network["egress"]:
        yield kits.network_policy(owner, f"{redis.name}-redis-egress", select=servers,
                                  egress=[Allow([Peer(pods=servers)], [REDIS_PORT])])
        yield kits.network_policy(owner, f"{redis.name}-sentinel-egress", select=sentinels, egress=[
            Allow([Peer(pods=servers)], [REDIS_PORT]), Allow([Peer(pods=sentinels)], [SENTINEL_PORT])])
        if redis.backup:
            yield kits.network_policy(owner, f"{redis.name}-backup-egress", select=backup_pods(redis), egress=[
                Allow([Peer(pods=servers)], [REDIS_PORT]), Allow([Peer(pods=sentinels)], [SENTINEL_PORT]),
                kits.to_blocks(network["egress"]["objectStorage"], HTTPS_PORT)])
