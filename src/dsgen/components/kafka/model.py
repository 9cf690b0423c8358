"""The ``kafka`` section of a profile: a Strimzi Kafka, its node pools, topics and users."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictStr

from dsgen.fields import (Access, Cidr, Name, ObjectName, Patches, Pod, Quantity, Resources, S3Upload, ScheduledUpload, Spread,
                          Strict, Version)


def _kafka_value(value: Any) -> Any:
    if not isinstance(value, (str, bool, int, float)):
        kind = "nothing" if value is None else type(value).__name__
        raise ValueError(f"must be a string, number or boolean, not {kind}")
    return value


# Kafka accepts typed config values (numbers, booleans, strings) as written.
KafkaValue = Annotated[Any, BeforeValidator(_kafka_value, json_schema_input_type=str | bool | int | float)]


class KafkaStorage(Strict):
    type: Literal["persistent-claim", "ephemeral"] = "persistent-claim"
    """persistent-claim: a volume per node; ephemeral: lost with the pod."""
    size: Quantity | None = None
    """Size of each node's volume (persistent-claim)."""
    storageClass: ObjectName | None = None
    """StorageClass of the volumes."""
    deleteClaim: StrictBool = False
    """Delete the volumes when the cluster is deleted."""


class KafkaNodes(Strict):
    """A set of Kafka nodes: brokers, KRaft controllers, or ZooKeeper servers."""

    replicas: int = Field(3, ge=1)
    """Number of nodes."""
    storage: KafkaStorage
    """Each node's storage."""
    resources: Resources | None = None
    """Requests and limits of each node."""
    spread: Spread = Spread()
    """How nodes spread over nodes and zones."""
    pod: Pod = Pod()
    """Where the pods run and what they carry: nodeSelector, tolerations, affinity, ..."""


class ZooKeeper(KafkaNodes):
    config: dict[StrictStr, KafkaValue] = {}
    """ZooKeeper settings."""


class Listener(Strict):
    name: Annotated[StrictStr, Field(pattern=r"^[a-z0-9]{1,11}$")]
    """Listener name: lower-case letters and digits, at most 11."""
    port: int = Field(ge=9092, le=65535)
    """Port, 9092 or above."""
    type: Literal["internal", "cluster-ip", "route", "loadbalancer", "nodeport", "ingress"] = "internal"
    """How clients reach it: internal (in the cluster), cluster-ip, route, loadbalancer, nodeport or ingress."""
    tls: StrictBool = False
    """Encrypt the listener with TLS."""
    authentication: Literal["scram-sha-512", "tls", "none"] = "scram-sha-512"
    """How clients authenticate: scram-sha-512, tls or none."""
    allowFrom: list[Cidr] = Field(
        [], description="Address blocks outside the cluster whose clients may connect (e.g. another region's "
        "network, for kafka.mirror there), besides access.namespaces. On a loadbalancer listener also its "
        "loadBalancerSourceRanges; on loadbalancer and nodeport listeners externalTrafficPolicy Local, so that "
        "the clients' addresses reach the NetworkPolicy.")


class Authorization(Strict):
    type: Literal["simple"] = "simple"
    """simple: Kafka's ACLs."""
    superUsers: list[StrictStr] = []
    """Principals allowed everything, e.g. CN=admin or admin."""


class Topic(Strict):
    topicName: StrictStr | None = Field(
        None, description="Kafka's name for the topic when it differs from the resource name."
    )
    partitions: int = Field(ge=1)
    """Partitions of the topic; they may grow, never shrink."""
    replicas: int | None = Field(None, ge=1, description="Defaults to default.replication.factor.")
    config: dict[StrictStr, KafkaValue] = {}
    """Topic settings, e.g. retention.ms, cleanup.policy."""


def _secret_ref(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


def _ca_ref(value: Any) -> Any:
    return {"name": value, "key": "ca.crt"} if isinstance(value, str) else value


class SecretKeyRef(Strict):
    name: ObjectName
    """Name of the Secret."""
    key: StrictStr = "password"
    """Key in the Secret."""


AclOperation = Literal[
    "Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction",
    "AlterConfigs", "DescribeConfigs", "IdempotentWrite", "All",
]


class AclResource(Strict):
    type: Literal["topic", "group", "cluster", "transactionalId"]
    """What the rule is about: topic, group, cluster or transactionalId."""
    name: StrictStr | None = None
    """Name of the resource (not for cluster)."""
    patternType: Literal["literal", "prefix"] = "literal"
    """literal: exactly the name; prefix: every name starting with it."""


class Acl(Strict):
    resource: AclResource
    """The resource the rule is about."""
    operations: list[AclOperation] = Field(min_length=1)
    """Operations allowed or denied, e.g. Read, Write, Describe."""
    host: StrictStr | None = None
    """Client host the rule applies to (default: any)."""
    type: Literal["allow", "deny"] = "allow"
    """allow or deny."""


class KafkaUserSpec(Strict):
    authentication: Literal["scram-sha-512", "tls"] = "scram-sha-512"
    """scram-sha-512 (a password) or tls (a client certificate)."""
    passwordSecret: Annotated[SecretKeyRef | None, BeforeValidator(
        _secret_ref, json_schema_input_type=SecretKeyRef | ObjectName | None)] = Field(
        None, description="Secret holding the SCRAM password: a name, or {name, key} (key: password).")
    acls: list[Acl] = []
    """What the user may do."""


class KafkaBackup(S3Upload):
    """What the cluster holds, exported to S3 on a schedule: topics with their
    partitions and configs, broker configs, ACLs, SCRAM users and consumer
    group offsets, as the Kafka tools print them (a tar.gz per run). Topics,
    users and ACLs are also KafkaTopics and KafkaUsers in git: the export
    shows what drifted from them, and the offsets git does not hold."""

    metadata: ScheduledUpload = Field(
        description="When the export runs, where it goes and how long it is kept, e.g. "
        "{schedule: '0 4 * * *', destination: s3://bucket/metadata, retentionDays: 30}.")
    listener: Name | None = Field(
        None, description="The listener the job connects through (default: the first with TLS, else the first); "
        "with authorization it must authenticate with scram-sha-512: the job is a KafkaUser "
        "<kafka>-backup that may only describe.")


class MirrorSource(Strict):
    """The Kafka cluster to copy from, as this environment reaches it."""

    alias: Name = Field(description="Its name in MirrorMaker 2, e.g. prod (its checkpoints topic is "
                        "<alias>.checkpoints.internal).")
    bootstrapServers: Annotated[StrictStr, Field(pattern=r"^[^\s,:]+:[0-9]+(,[^\s,:]+:[0-9]+)*$")] = Field(
        description="host:port of its listener for this environment, e.g. kafka-prod.example.internal:9094.")
    user: ObjectName = Field(description="Its SCRAM-SHA-512 user for the mirror (a KafkaUser there, with Read "
                             "and DescribeConfigs on the topics, Describe on the groups and the cluster).")
    passwordSecret: Annotated[SecretKeyRef, BeforeValidator(_secret_ref, json_schema_input_type=SecretKeyRef | ObjectName)] = Field(
        description="Secret here with that user's password: a name, or {name, key} (key: password).")
    caSecret: Annotated[SecretKeyRef, BeforeValidator(_ca_ref, json_schema_input_type=SecretKeyRef | ObjectName)] = Field(
        description="Secret here with the CA certificate its listener's certificate is signed by (its "
        "<cluster>-cluster-ca-cert, ca.crt): a name, or {name, key} (key: ca.crt).")
    networks: list[Cidr] = Field(
        [], description="Where its brokers' addresses are; with network.egress the mirror may reach only these.")


class KafkaMirror(Strict):
    """MirrorMaker 2 copying another cluster's topics, and its consumer
    groups' offsets, into this one, under the same names: a standby that
    takes over when the source is lost."""

    source: MirrorSource
    """The cluster copied from."""
    topics: StrictStr = ".*"
    """Which topics (a regular expression over their names)."""
    groups: StrictStr = ".*"
    """Which consumer groups' offsets are carried over (a regular expression)."""
    listener: Name | None = Field(
        None, description="This cluster's listener the mirror writes through (default: the first with TLS, else "
        "the first); with authorization it authenticates with scram-sha-512.")
    replicas: int = Field(1, ge=1)
    """MirrorMaker 2 workers."""
    tasksMax: int = Field(3, ge=1)
    """The most tasks copying at once (at most one per partition is busy)."""
    resources: Resources | None = None
    """Requests and limits of the workers."""


class Kafka(Strict):
    enabled: StrictBool = True
    """false leaves Kafka out of this environment."""
    name: Name = "kafka-cluster"
    """Name of the Kafka resource."""
    version: Version
    """Kafka version; the pinned Strimzi must support it."""
    metadataVersion: StrictStr | None = None
    """KRaft metadata version (default: the version's own)."""
    mode: Literal["kraft", "zookeeper"] = "kraft"
    """kraft, or zookeeper (Strimzi 0.45 and before only)."""
    brokers: KafkaNodes
    """The brokers (in KRaft without controllers, also the controllers)."""
    controllers: KafkaNodes | None = Field(
        None, description="Dedicated KRaft controllers; without them brokers are dual-role."
    )
    zookeeper: ZooKeeper | None = None
    """The ZooKeeper ensemble (mode: zookeeper)."""
    rack: StrictStr | None = Field(
        None, description="Node label whose value is a broker's rack (e.g. topology.kubernetes.io/zone): "
        "Kafka then places a partition's replicas in different racks.")
    listeners: list[Listener] = [
        Listener(name="plain", port=9092, tls=False),
        Listener(name="tls", port=9093, tls=True),
    ]
    """How clients connect."""
    authorization: Authorization | None = Authorization()
    """ACL authorization; null turns it off."""
    config: dict[StrictStr, KafkaValue] = {}
    """Broker settings, e.g. min.insync.replicas, checked against Kafka's own catalog."""
    topics: dict[ObjectName, Topic] = {}
    """Topics by resource name."""
    users: dict[ObjectName, KafkaUserSpec] = {}
    """Users by name, with SCRAM passwords and ACLs."""
    access: Access = Access()
    """Namespaces whose pods may connect to this service (see network.isolate)."""
    backup: KafkaBackup | None = None
    """A daily export of topics, configs, ACLs and consumer offsets to S3."""
    mirror: KafkaMirror | None = None
    """Copy another cluster's topics into this one (disaster recovery)."""
    patches: Patches = []
