"""The ``kafka`` section -> a Strimzi Kafka, its node pools, topics and users."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from dsgen.components.base import merge_affinity, node_selector_as_affinity, pod_anti_affinity, pod_metadata, pod_spec, resources, zone_spread
from dsgen.contract import Part
from dsgen.components.kafka import backup, clients, mirror, monitoring
from dsgen.components.kafka.rules import BROKER_ROLE_LABEL, CLUSTER_LABEL, GROUP
from dsgen import kits
from dsgen.kits import Allow, Owner, Peer
from dsgen.operators import strimzi

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.kafka.model import Kafka, KafkaNodes


def _storage(nodes: KafkaNodes) -> dict:
    storage = nodes.storage
    out: dict[str, Any] = {"type": storage.type}
    if storage.type == "persistent-claim":
        out.update(size=storage.size, deleteClaim=storage.deleteClaim)
        if storage.storageClass:
            out["class"] = storage.storageClass
    return out


def _node_pools(kafka: Kafka) -> list[tuple[str, list[str], KafkaNodes]]:
    if kafka.controllers is None:
        return [("dual-role", ["controller", "broker"], kafka.brokers)]
    return [("controller", ["controller"], kafka.controllers),
            ("broker", ["broker"], kafka.brokers)]


def pod_template(nodes: KafkaNodes, selector: dict[str, str]) -> dict | None:
    """A Strimzi pod template (api PodTemplate: metadata, affinity, tolerations,
    topologySpreadConstraints, priorityClassName, imagePullSecrets; it has no
    nodeSelector, so that becomes required node affinity) spreading these nodes
    over hosts and zones."""
    anti = pod_anti_affinity(nodes.spread.nodes, selector)
    affinity = merge_affinity({"podAntiAffinity": anti} if anti else None, nodes.pod)
    affinity = node_selector_as_affinity(affinity, nodes.pod.nodeSelector)
    pod = pod_spec(nodes.pod, affinity, zone_spread(nodes.spread.zones, selector), node_selector=False)
    metadata = pod_metadata(nodes.pod)
    if metadata:
        pod = {"metadata": metadata, **pod}
    return {"pod": pod} if pod else None


# Strimzi labels its pods with strimzi.io/cluster and, per node pool,
# strimzi.io/pool-name (operator-common model/Labels.java); without node
# pools, strimzi.io/name is <cluster>-kafka or <cluster>-zookeeper
# (KafkaResources.kafkaComponentName, zookeeperComponentName in 0.45).


def plan(ctx: Context, kafka: Kafka) -> Iterator[Part]:
    release = strimzi.release(ctx.operators["strimzi"])
    api_version = f"{GROUP}/{release['api']}"
    kraft = kafka.mode == "kraft"
    cluster_label = {CLUSTER_LABEL: kafka.name}
    listeners = []
    for listener in kafka.listeners:
        item: dict[str, Any] = {"name": listener.name, "port": listener.port,
                                "type": listener.type, "tls": listener.tls}
        if listener.authentication != "none":
            item["authentication"] = {"type": listener.authentication}
        if ctx.network:
            # Strimzi writes the brokers' NetworkPolicy itself and opens a
            # listener without peers to everyone (KafkaCluster.generateNetworkPolicy, 0.49.1).
            # dsgen's own clients (the backup job, MirrorMaker 2) connect through one of them.
            item["networkPolicyPeers"] = [peer.render() for peer in (
                *(Peer(namespace=n) for n in kafka.access.namespaces), *clients.peers(kafka, listener.name),
                *(Peer(cidr=block) for block in listener.allowFrom))]
        if listener.allowFrom and listener.type in ("loadbalancer", "nodeport"):
            # Local keeps the client's address, which the policy's ipBlock
            # matches (GenericKafkaListenerConfiguration externalTrafficPolicy).
            item["configuration"] = {"externalTrafficPolicy": "Local"}
            if listener.type == "loadbalancer":
                item["configuration"]["loadBalancerSourceRanges"] = list(listener.allowFrom)
        listeners.append(item)
    yield Part(
        kafka.name, "kafka", "event-streaming", kafka.name, "kafka.yaml.j2", {
            "kafka": kafka,
            "api_version": api_version,
            "kraft": kraft,
            "listeners": listeners,
            "authorization": kafka.authorization.model_dump() if kafka.authorization else None,
            "metrics_config": monitoring.metrics_config(kafka) if ctx.monitoring else None,
            "broker_storage": _storage(kafka.brokers),
            "broker_resources": resources(kafka.brokers.resources),
            "zookeeper_storage": _storage(kafka.zookeeper) if kafka.zookeeper else None,
            "zookeeper_resources": resources(kafka.zookeeper.resources) if kafka.zookeeper else None,
            "broker_template": None if kraft else pod_template(
                kafka.brokers, {"strimzi.io/name": f"{kafka.name}-kafka"}),
            "zookeeper_template": pod_template(
                kafka.zookeeper, {"strimzi.io/name": f"{kafka.name}-zookeeper"}) if kafka.zookeeper else None,
            "rack": {"topologyKey": kafka.rack} if kafka.rack else None,
        },
        version=kafka.version,
        annotations=({"strimzi.io/kraft": "enabled", "strimzi.io/node-pools": "enabled"}
                     if kraft and release["kraftAnnotations"] else None),
    )
    if kraft:
        for name, roles, nodes in _node_pools(kafka):
            yield Part(name, "kafka", "node-pool", kafka.name, "kafkanodepool.yaml.j2", {
                "api_version": api_version,
                "roles": roles,
                "replicas": nodes.replicas,
                "storage": _storage(nodes),
                "resources": resources(nodes.resources),
                "template": pod_template(nodes, {**cluster_label, "strimzi.io/pool-name": name}),
            }, labels=cluster_label)
    default_rf = int(kafka.config.get("default.replication.factor", 1))
    for name, topic in kafka.topics.items():
        yield Part(name, "kafka", "topic", kafka.name, "kafkatopic.yaml.j2", {
            "api_version": api_version,
            "topic": topic,
            "replicas": topic.replicas or default_rf,
        }, labels=cluster_label)
    for name, user in kafka.users.items():
        yield Part(name, "kafka", "user", kafka.name, "kafkauser.yaml.j2", {
            "api_version": api_version,
            "user": user,
            "acls": [acl.model_dump(exclude_none=True) for acl in user.acls],
            "authorization": bool(user.acls),
        }, labels=cluster_label)
    if kafka.backup:
        yield from backup.parts(ctx, kafka, api_version)
    if kafka.mirror:
        yield from mirror.parts(ctx, kafka, api_version)
    if ctx.network and ctx.network["egress"]:
        yield from egress_policies(ctx.network["egress"], kafka)
    if ctx.monitoring:
        yield from monitoring.parts(ctx, kafka)


def egress_policies(egress: dict, kafka: Kafka) -> Iterator[Part]:
    """Strimzi's pods of the cluster (every one carries strimzi.io/cluster,
    Labels.strimziSelectorLabels) reach each other on any port: controllers,
    brokers, the entity operator, the exporter. The entity operator watches
    KafkaTopics and KafkaUsers through the API server; with a rack, so does
    the brokers' init container (it reads its node's label: KafkaCluster
    createInitContainer, 0.49.1; broker pods carry strimzi.io/broker-role:
    "true" from 0.41, KafkaCluster pod labels withStrimziBrokerRole)."""
    owner = Owner("kafka", kafka.name)
    cluster = {CLUSTER_LABEL: kafka.name}
    yield kits.network_policy(owner, f"{kafka.name}-egress", select=cluster, egress=[Allow([Peer(pods=cluster)])])
    api = kits.to_blocks(egress["apiServer"], egress["apiServerPort"])
    # dsgen always runs the entity operator (the topic and user operators).
    yield kits.network_policy(owner, f"{kafka.name}-entity-operator-egress",
                              select={**cluster, "strimzi.io/name": f"{kafka.name}-entity-operator"}, egress=[api])
    if kafka.rack:
        yield kits.network_policy(owner, f"{kafka.name}-brokers-egress", select={
            **cluster, "strimzi.io/name": f"{kafka.name}-kafka", BROKER_ROLE_LABEL: "true"}, egress=[api])
