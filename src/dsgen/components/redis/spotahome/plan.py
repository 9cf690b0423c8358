"""The ``redis`` section -> a spotahome RedisFailover (Redis servers and sentinels)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from dsgen import kits
from dsgen.components.base import Part, merge_affinity, pod_anti_affinity, pod_spec, resources, zone_spread
from dsgen.components.redis.spotahome.rules import on_command_line
from dsgen.kits import Allow, Owner, Peer
from dsgen.operators import spotahome

if TYPE_CHECKING:
    from dsgen.components.base import Context
    from dsgen.components.redis.model import Redis


def server_arguments(key: str, value: str) -> list[str]:
    """``--key value`` for redis-server. It joins an option's arguments into one
    config line, quoting each (server.c, main), so a value stays one argument;
    but ``save`` takes one seconds/changes pair per line before Redis 7, so its
    pairs become repeated ``--save S C``."""
    if key == "save" and value.split():
        tokens = value.split()
        return [arg for i in range(0, len(tokens), 2) for arg in ("--save", *tokens[i:i + 2])]
    return [f"--{key}", value]


def plan(ctx: Context, redis: Redis) -> Iterator[Part]:
    runtime, startup = [], []
    for key, value in redis.redis.config.items():
        (startup if on_command_line(key) else runtime).append((key, value))
    command = None
    if startup:
        # Settings Redis refuses to CONFIG SET, and the ones a starting server
        # must already have: server arguments, after the operator's config file.
        command = [*spotahome.DEFAULT_COMMAND]
        for key, value in startup:
            command += server_arguments(key, value)
    yield Part(redis.name, "redis", "cache", redis.name, "spotahome/redisfailover.yaml.j2", {
        "redis": redis,
        "redis_config": [f"{k} {v}" for k, v in runtime],
        "redis_command": command,
        "redis_resources": resources(redis.redis.resources),
        "sentinel_config": [f"{k} {v}" for k, v in redis.sentinel.config.items()],
        "sentinel_resources": resources(redis.sentinel.resources),
        "label_whitelist": list(spotahome.LABEL_WHITELIST),
        "redis_pod": pod_settings(redis.redis, spotahome.pod_labels(redis.name, "redis")),
        "sentinel_pod": pod_settings(redis.sentinel, spotahome.pod_labels(redis.name, "sentinel")),
    })
    if ctx.network:
        yield from network_policies(ctx.network, redis)


def network_policies(network: dict, redis: Redis) -> Iterator[Part]:
    """Clients reach Redis and the sentinels; Redis pods reach each other
    (replication), sentinels reach Redis and each other, and the operator
    reaches both. With network.egress, that is also all they reach."""
    owner = Owner("redis", redis.name)
    servers = spotahome.pod_labels(redis.name, "redis")
    sentinels = spotahome.pod_labels(redis.name, "sentinel")
    operator = Peer(network["operatorNamespaces"]["redisOperator"], spotahome.OPERATOR_POD)
    yield kits.service_ingress(
        owner, f"{redis.name}-redis-ingress", servers, clients=redis.access.namespaces,
        ports=[spotahome.REDIS_PORT], monitoring=network["monitoringNamespace"], also=[
            Allow([Peer(pods=servers), Peer(pods=sentinels), operator], [spotahome.REDIS_PORT])])
    yield kits.service_ingress(
        owner, f"{redis.name}-sentinel-ingress", sentinels, clients=redis.access.namespaces,
        ports=[spotahome.SENTINEL_PORT], monitoring=network["monitoringNamespace"], also=[
            Allow([Peer(pods=sentinels), operator], [spotahome.SENTINEL_PORT])])
    if network["egress"]:
        # Replicas reach the master; sentinels watch every Redis and talk to
        # each other. Neither calls the API server: the operator configures them.
        yield kits.network_policy(owner, f"{redis.name}-redis-egress", select=servers,
                                  egress=[Allow([Peer(pods=servers)], [spotahome.REDIS_PORT])])
        yield kits.network_policy(owner, f"{redis.name}-sentinel-egress", select=sentinels, egress=[
            Allow([Peer(pods=servers)], [spotahome.REDIS_PORT]),
            Allow([Peer(pods=sentinels)], [spotahome.SENTINEL_PORT])])


def pod_settings(servers, selector: dict[str, str]) -> dict:
    """affinity, tolerations, nodeSelector, topologySpreadConstraints,
    priorityClassName and imagePullSecrets: RedisSettings and SentinelSettings
    have each (api/redisfailover/v1/types.go); generator.go copies them into
    the pod template as they are."""
    return pod_spec(servers.pod, affinity(servers.spread.nodes, selector, servers.pod),
                    zone_spread(servers.spread.zones, selector))


def affinity(nodes: str, selector: dict[str, str], pod) -> dict | None:
    """The operator's default affinity is a preferred anti-affinity by hostname
    (operator/redisfailover/service/generator.go, getAffinity), used only when
    the spec has none: preferred writes nothing, unless the pod has affinity of
    its own, which would replace the default, so the default is written out;
    none writes an empty affinity, which replaces the default."""
    if nodes == "preferred" and not pod.affinity:
        return None
    rule = pod_anti_affinity(nodes, selector)
    return merge_affinity({"podAntiAffinity": rule} if rule else None, pod) or {}
