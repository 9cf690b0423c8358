"""The ``redis`` section -> OT-Container-Kit's RedisReplication and RedisSentinel.

The operator writes redis.conf and sentinel.conf itself, then includes a
ConfigMap's file last (operators/opstree.py): the profile's Redis settings go
there, read at start-up like any redis.conf line, so settings such as
``appendonly`` and ``maxmemory`` hold from the first second and after every
restart. The sentinel settings the RedisSentinel has fields for go there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from dsgen.components.base import merge_affinity, pod_anti_affinity, pod_spec, resources, zone_spread
from dsgen.contract import Part
from dsgen.components.redis import backup, monitoring, policies
from dsgen.kits import Owner, Peer
from dsgen.operators import opstree

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.redis.model import Redis

# Non-root with the runtime's seccomp profile: the images run Redis as uid 1000
# (the operator's examples, e.g. example/v1beta2/password_protected, set
# runAsUser and fsGroup 1000 so that the volume is writable).
POD_SECURITY = {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
                "seccompProfile": {"type": "RuntimeDefault"}}
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
TLS_KEYS = {"ca": "ca.crt", "cert": "tls.crt", "key": "tls.key"}


def config_map(redis: Redis) -> str:
    return f"{redis.name}-redis-config"


def quorum(sentinels: int) -> int:
    """A majority of the sentinels agrees that the master is down."""
    return sentinels // 2 + 1


def plan(ctx: Context, redis: Redis) -> Iterator[Part]:
    servers, sentinels = opstree.replication_pods(redis.name), opstree.sentinel_pods(redis.name)
    tls = ({**TLS_KEYS, "secret": {"secretName": redis.tls.secretName}} if redis.tls else None)
    common = {"redis": redis, "tls": tls, "exporter_image": opstree.EXPORTER_IMAGE,
              "pod_security": POD_SECURITY, "container_security": CONTAINER_SECURITY}
    redis_pod = _pod(redis.redis, servers)
    sentinel_pod = _pod(redis.sentinel, sentinels)
    owner = Owner("redis", redis.name)
    yield owner.part(config_map(redis), "cache-config", {
        "apiVersion": "v1", "kind": "ConfigMap", "data": {opstree.REDIS_CONFIG_KEY: redis_config(redis.redis.config)}})
    yield Part(redis.name, "redis", "cache", redis.name, "opstree/redisreplication.yaml.j2", {
        **common, "redis_image": redis.redis.image or opstree.REDIS_IMAGE, "config_map": config_map(redis),
        "redis_resources": resources(redis.redis.resources), "redis_pull_secrets": redis_pod.pop("imagePullSecrets", None),
        "redis_pod": redis_pod})
    yield Part(redis.name, "redis", "sentinel", redis.name, "opstree/redissentinel.yaml.j2", {
        **common, "sentinel_image": redis.sentinel.image or opstree.SENTINEL_IMAGE,
        "sentinel_resources": resources(redis.sentinel.resources),
        "sentinel_pull_secrets": sentinel_pod.pop("imagePullSecrets", None), "sentinel_pod": sentinel_pod,
        "master_group": opstree.MASTER_GROUP, "redis_port": str(opstree.REDIS_PORT),
        "quorum": str(quorum(redis.sentinel.replicas)),
        # DSG335 refuses the settings the RedisSentinel has no field for
        "sentinel_settings": {opstree.SENTINEL_FIELDS[k]: str(v) for k, v in redis.sentinel.config.items()
                              if k in opstree.SENTINEL_FIELDS}})
    if redis.tls and redis.tls.issuer:
        yield certificate(ctx, redis)
    if redis.backup:
        # the sentinels' Service is <name>-sentinel (opstree.services)
        yield from backup.parts(ctx, redis, sentinel_service=f"{redis.name}-sentinel",
                                image=redis.redis.image or opstree.REDIS_IMAGE,
                                sentinels_authenticate=True)  # the sentinels get the password too
    if ctx.network:
        yield from network_policies(ctx.network, redis)
    if ctx.monitoring:
        yield from monitoring.parts(ctx, redis, servers=servers, sentinels=sentinels, port=opstree.EXPORTER_PORT_NAME)


def redis_config(config: dict[str, str]) -> str:
    """The profile's Redis settings as the lines of the included file. A
    ``save`` replaces the operator's save points rather than adding to them:
    in a config file the first ``save`` line drops Redis's defaults and the
    next ones add, and ``save ""`` drops what came before (src/config.c
    setConfigSaveOption, 7.0.15), so ``save ""`` goes first."""
    lines = []
    for key, value in config.items():
        if key == "save":
            lines.append('save ""')
        lines.append(f"{key} {value}")
    return "".join(f"{line}\n" for line in lines)


def _pod(servers: Any, selector: dict[str, str]) -> dict:
    """affinity, tolerations, nodeSelector, topologySpreadConstraints and
    priorityClassName are fields of RedisReplication, and of RedisSentinel,
    which the operator copies into the StatefulSet; imagePullSecrets sit in
    kubernetesConfig (api/common/v1beta2 KubernetesConfig). The operator adds
    no affinity of its own, so spread's anti-affinity is written out."""
    rule = pod_anti_affinity(servers.spread.nodes, selector)
    affinity = merge_affinity({"podAntiAffinity": rule} if rule else None, servers.pod)
    return pod_spec(servers.pod, affinity, zone_spread(servers.spread.zones, selector))


def certificate(ctx: Context, redis: Redis) -> Part:
    """The Secret Redis and the sentinels serve TLS with, from cert-manager:
    for every Service the operator makes and each pod's name behind the
    headless ones, usable by servers and (for replication and sentinel
    connections) clients."""
    ns = ctx.namespace
    names = [form for service in opstree.services(redis.name) for form in (service, f"{service}.{ns}",
                                                                           f"{service}.{ns}.svc")]
    names += [f"*.{redis.name}-headless.{ns}.svc", f"*.{redis.name}-sentinel-headless.{ns}.svc"]
    tls = redis.tls
    return Owner("redis", redis.name).part(tls.secretName, "certificate", {
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "spec": {"secretName": tls.secretName, "usages": ["server auth", "client auth"], "dnsNames": names,
                 "issuerRef": {"name": tls.issuer, "kind": tls.issuerKind, "group": "cert-manager.io"}}})


def network_policies(network: dict, redis: Redis) -> Iterator[Part]:
    """Both exporters on 9121 for the monitoring namespace; the operator's
    pods in its namespace."""
    yield from policies.network_policies(
        network, redis, servers=opstree.replication_pods(redis.name), sentinels=opstree.sentinel_pods(redis.name),
        operator=Peer(network["operatorNamespaces"]["otRedisOperator"], opstree.OPERATOR_POD),
        metrics=(opstree.EXPORTER_PORT,))
