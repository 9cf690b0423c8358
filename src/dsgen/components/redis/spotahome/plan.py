"""The ``redis`` section -> a spotahome RedisFailover (Redis servers and sentinels)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from dsgen.components.base import merge_affinity, pod_anti_affinity, pod_spec, resources, zone_spread
from dsgen.contract import Part
from dsgen.components.redis.spotahome.rules import on_command_line
from dsgen.components.redis import backup, monitoring, policies
from dsgen.kits import Peer
from dsgen.operators import spotahome

if TYPE_CHECKING:
    from dsgen.contract import Context
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
        # the exporters beside Redis and each sentinel (api/redisfailover/v1 Exporter)
        "exporter_image": monitoring.EXPORTER_IMAGE if ctx.monitoring else None,
    })
    if redis.backup:
        yield from backup.parts(ctx, redis, sentinel_service=spotahome.sentinel_service(redis.name),
                                image=redis.redis.image or spotahome.DEFAULT_IMAGE,
                                sentinels_authenticate=False)  # v1.2.4 leaves the sentinels open
    if ctx.network:
        yield from network_policies(ctx.network, redis, exporters=bool(ctx.monitoring))
    if ctx.monitoring:
        yield from monitoring.parts(ctx, redis, servers=spotahome.pod_labels(redis.name, "redis"),
                                    sentinels=spotahome.pod_labels(redis.name, "sentinel"),
                                    port=spotahome.EXPORTER_PORT_NAME)


def network_policies(network: dict, redis: Redis, exporters: bool = False) -> Iterator[Part]:
    """The operator's pods in its namespace; the exporters, when on, on
    their own ports for Redis and for the sentinels."""
    yield from policies.network_policies(
        network, redis, servers=spotahome.pod_labels(redis.name, "redis"),
        sentinels=spotahome.pod_labels(redis.name, "sentinel"),
        operator=Peer(network["operatorNamespaces"]["redisOperator"], spotahome.OPERATOR_POD),
        metrics=(spotahome.REDIS_EXPORTER_PORT,) if exporters else (),
        sentinel_metrics=(spotahome.SENTINEL_EXPORTER_PORT,) if exporters else ())


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
