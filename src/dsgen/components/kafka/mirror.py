"""MirrorMaker 2 into this cluster: a standby copy of another cluster's topics.

``kafka.mirror`` renders a KafkaMirrorMaker2 that reads the source cluster
(another region's, through a listener it opens to this one) and writes each
topic under its own name (IdentityReplicationPolicy: one-way replication,
so applications fail over without renaming), with the consumer groups'
offsets carried over (MirrorCheckpointConnector, sync.group.offsets), and a
KafkaUser of this cluster with the ACLs Strimzi's documentation gives for
the target side ("Securing connections to MirrorMaker 2", Strimzi 0.49).

Topic configurations and ACLs are not copied: the KafkaTopics and KafkaUsers
of the tree own them here, and the Topic Operator would revert MirrorMaker's
changes. The offset-syncs topic lives here (offset-syncs.topic.location:
target, KIP-716), so the source's user only reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from dsgen import kits
from dsgen.components.base import resources
from dsgen.contract import Part
from dsgen.components.kafka.clients import listener, mirror_name, mirror_pods
from dsgen.components.kafka.monitoring import mirror_metrics_config
from dsgen.components.kafka.network import REST_API
from dsgen.kits import Allow, Owner, Peer

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.kafka.model import Kafka

IDENTITY = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"


def internal_topics(kafka: Kafka) -> dict[str, str]:
    """The Connect worker group and storage topics, named after the mirror
    (Strimzi's defaults would be mirrormaker2-cluster-*)."""
    name = mirror_name(kafka)
    return {"groupId": name, "configStorageTopic": f"{name}-configs", "offsetStorageTopic": f"{name}-offsets",
            "statusStorageTopic": f"{name}-status"}


def acls(kafka: Kafka) -> list[dict[str, Any]]:
    """The target side's ACLs (Strimzi documentation, proc-config-
    mirrormaker2-securing-connection.adoc): the Connect group and its storage
    topics; every mirrored topic created and written; the checkpoints topic
    <source alias>.checkpoints.internal; the offset-syncs topic
    mm2-offset-syncs.<target alias>.internal, kept here; the groups whose
    offsets are synced; Describe on the cluster."""
    mirror = kafka.mirror
    topics = internal_topics(kafka)

    def topic(name: str, operations: list[str], pattern: str = "literal") -> dict[str, Any]:
        return {"resource": {"type": "topic", "name": name, "patternType": pattern}, "operations": operations}

    storage = ["Create", "Describe", "DescribeConfigs", "Read", "Write"]
    return [
        {"resource": {"type": "group", "name": topics["groupId"], "patternType": "literal"}, "operations": ["Read"]},
        *(topic(topics[key], storage) for key in ("configStorageTopic", "offsetStorageTopic", "statusStorageTopic")),
        topic("*", ["Create", "Alter", "AlterConfigs", "Describe", "Write"]),
        topic(f"{mirror.source.alias}.checkpoints.internal", ["Create", "Describe", "Read", "Write"]),
        topic(f"mm2-offset-syncs.{kafka.name}.internal", ["Create", "DescribeConfigs", "Read", "Write"]),
        {"resource": {"type": "group", "name": "*", "patternType": "literal"}, "operations": ["Read", "Describe"]},
        {"resource": {"type": "cluster"}, "operations": ["Describe"]},
    ]


def _scram(username: str, secret: str, key: str) -> dict[str, Any]:
    return {"type": "scram-sha-512", "username": username, "passwordSecret": {"secretName": secret, "password": key}}


def _tls(secret: str, key: str) -> dict[str, Any]:
    return {"trustedCertificates": [{"secretName": secret, "certificate": key}]}


def spec(ctx: Context, kafka: Kafka, v1: bool) -> dict[str, Any]:
    """The KafkaMirrorMaker2 spec: v1 (Strimzi 0.49 and later) names the
    target and each mirror's source in place; v1beta2 lists clusters by alias
    and names the one Connect runs on (connectCluster)."""
    mirror, chosen = kafka.mirror, listener(kafka, kafka.mirror.listener)
    source = mirror.source
    replication = kafka.config.get("default.replication.factor", 1)
    target: dict[str, Any] = {"alias": kafka.name,
                              "bootstrapServers": f"{kafka.name}-kafka-bootstrap:{chosen.port}"}
    if chosen.tls:
        # The brokers' certificates are signed by the cluster CA (KafkaResources.clusterCaCertificateSecretName).
        target["tls"] = _tls(f"{kafka.name}-cluster-ca-cert", "ca.crt")
    if chosen.authentication == "scram-sha-512":
        # The User Operator writes the generated password under key "password" (KafkaUserModel.KEY_PASSWORD).
        target["authentication"] = _scram(mirror_name(kafka), mirror_name(kafka), "password")
    worker = {"config.storage.replication.factor": -1, "offset.storage.replication.factor": -1,
              "status.storage.replication.factor": -1}  # -1: the brokers' default.replication.factor
    origin = {"alias": source.alias, "bootstrapServers": source.bootstrapServers,
              "tls": _tls(source.caSecret.name, source.caSecret.key),
              "authentication": _scram(source.user, source.passwordSecret.name, source.passwordSecret.key)}
    connectors = {
        "sourceConnector": {"tasksMax": mirror.tasksMax, "config": {
            "replication.policy.class": IDENTITY, "replication.factor": replication,
            "offset-syncs.topic.location": "target", "offset-syncs.topic.replication.factor": replication,
            "sync.topic.configs.enabled": "false", "sync.topic.acls.enabled": "false"}},
        "checkpointConnector": {"tasksMax": 1, "config": {
            "replication.policy.class": IDENTITY, "checkpoints.topic.replication.factor": replication,
            "offset-syncs.topic.location": "target", "sync.group.offsets.enabled": "true"}},
        "topicsPattern": mirror.topics, "groupsPattern": mirror.groups,
    }
    out: dict[str, Any] = {"version": kafka.version, "replicas": mirror.replicas}
    if v1:
        out["target"] = {**target, **internal_topics(kafka), "config": worker}
        out["mirrors"] = [{"source": origin, **connectors}]
    else:
        names = internal_topics(kafka)
        out["connectCluster"] = kafka.name
        out["clusters"] = [origin, {**target, "config": {
            "group.id": names["groupId"], "config.storage.topic": names["configStorageTopic"],
            "offset.storage.topic": names["offsetStorageTopic"], "status.storage.topic": names["statusStorageTopic"],
            **worker}}]
        out["mirrors"] = [{"sourceCluster": source.alias, "targetCluster": kafka.name, **connectors}]
    if mirror.resources:
        out["resources"] = resources(mirror.resources)
    if ctx.monitoring:
        out["metricsConfig"] = mirror_metrics_config(kafka)
    return out


def parts(ctx: Context, kafka: Kafka, api_version: str) -> Iterator[Part]:
    mirror = kafka.mirror
    chosen = listener(kafka, mirror.listener) if mirror else None
    if mirror is None or chosen is None:
        return
    owner, cluster = Owner("kafka", kafka.name), {"strimzi.io/cluster": kafka.name}
    if chosen.authentication == "scram-sha-512":
        yield Part(mirror_name(kafka), "kafka", "user", kafka.name, "kafkauser.yaml.j2", {
            "api_version": api_version,
            "user": {"authentication": "scram-sha-512", "passwordSecret": None},
            "acls": acls(kafka),
            "authorization": kafka.authorization is not None,
        }, labels=cluster)
    yield owner.part(mirror_name(kafka), "mirror", {
        "apiVersion": api_version, "kind": "KafkaMirrorMaker2",
        "spec": spec(ctx, kafka, api_version.endswith("/v1"))})
    if ctx.network and ctx.network["egress"]:
        ports = sorted({int(address.rsplit(":", 1)[1]) for address in mirror.source.bootstrapServers.split(",")})
        # The workers forward REST requests to their leader (Connect's REST API).
        yield kits.network_policy(owner, f"{mirror_name(kafka)}-egress", select=mirror_pods(kafka), egress=[
            Allow([Peer(pods=cluster)], [chosen.port]), Allow([Peer(pods=mirror_pods(kafka))], [REST_API]),
            Allow([Peer(cidr=block) for block in mirror.source.networks], ports)])
