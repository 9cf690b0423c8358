"""The ``kafka`` section of a profile: a Strimzi Kafka, its node pools, topics and users."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictStr

from dsgen.fields import Name, ObjectName, Quantity, Resources, Spread, Strict, Version


def _kafka_value(value: Any) -> Any:
    if not isinstance(value, (str, bool, int, float)):
        kind = "nothing" if value is None else type(value).__name__
        raise ValueError(f"must be a string, number or boolean, not {kind}")
    return value


# Kafka accepts typed config values (numbers, booleans, strings) as written.
KafkaValue = Annotated[Any, BeforeValidator(_kafka_value)]


class KafkaStorage(Strict):
    type: Literal["persistent-claim", "ephemeral"] = "persistent-claim"
    size: Quantity | None = None
    storageClass: ObjectName | None = None
    deleteClaim: StrictBool = False


class KafkaNodes(Strict):
    """A set of Kafka nodes: brokers, KRaft controllers, or ZooKeeper servers."""

    replicas: int = Field(3, ge=1)
    storage: KafkaStorage
    resources: Resources | None = None
    spread: Spread = Spread()


class ZooKeeper(KafkaNodes):
    config: dict[StrictStr, KafkaValue] = {}


class Listener(Strict):
    name: Annotated[StrictStr, Field(pattern=r"^[a-z0-9]{1,11}$")]
    port: int = Field(ge=9092, le=65535)
    type: Literal["internal", "cluster-ip", "route", "loadbalancer", "nodeport", "ingress"] = "internal"
    tls: StrictBool = False
    authentication: Literal["scram-sha-512", "tls", "none"] = "scram-sha-512"


class Authorization(Strict):
    type: Literal["simple"] = "simple"
    superUsers: list[StrictStr] = []


class Topic(Strict):
    topicName: StrictStr | None = Field(
        None, description="Kafka's name for the topic when it differs from the resource name."
    )
    partitions: int = Field(ge=1)
    replicas: int | None = Field(None, ge=1, description="Defaults to default.replication.factor.")
    config: dict[StrictStr, KafkaValue] = {}


def _secret_ref(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class SecretKeyRef(Strict):
    name: ObjectName
    key: StrictStr = "password"


AclOperation = Literal[
    "Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction",
    "AlterConfigs", "DescribeConfigs", "IdempotentWrite", "All",
]


class AclResource(Strict):
    type: Literal["topic", "group", "cluster", "transactionalId"]
    name: StrictStr | None = None
    patternType: Literal["literal", "prefix"] = "literal"


class Acl(Strict):
    resource: AclResource
    operations: list[AclOperation] = Field(min_length=1)
    host: StrictStr | None = None
    type: Literal["allow", "deny"] = "allow"


class KafkaUserSpec(Strict):
    authentication: Literal["scram-sha-512", "tls"] = "scram-sha-512"
    passwordSecret: Annotated[SecretKeyRef | None, BeforeValidator(_secret_ref)] = None
    acls: list[Acl] = []


class Kafka(Strict):
    enabled: StrictBool = True
    name: Name = "kafka-cluster"
    version: Version
    metadataVersion: StrictStr | None = None
    mode: Literal["kraft", "zookeeper"] = "kraft"
    brokers: KafkaNodes
    controllers: KafkaNodes | None = Field(
        None, description="Dedicated KRaft controllers; without them brokers are dual-role."
    )
    zookeeper: ZooKeeper | None = None
    rack: StrictStr | None = Field(
        None, description="Node label whose value is a broker's rack (e.g. topology.kubernetes.io/zone): "
        "Kafka then places a partition's replicas in different racks.")
    listeners: list[Listener] = [
        Listener(name="plain", port=9092, tls=False),
        Listener(name="tls", port=9093, tls=True),
    ]
    authorization: Authorization | None = Authorization()
    config: dict[StrictStr, KafkaValue] = {}
    topics: dict[ObjectName, Topic] = {}
    users: dict[ObjectName, KafkaUserSpec] = {}
