"""Strimzi: API versions, ZooKeeper support and the Kafka versions each release runs."""

from __future__ import annotations

from dsgen.operators import Releases, facts

RELEASES: Releases = (
    ("0.0", {
        "api": "v1beta2",            # kafka.strimzi.io version dsgen writes
        "servesV1": False,           # kafka.strimzi.io/v1 is served
        "servesV1beta2": True,       # kafka.strimzi.io/v1beta2 is served
        "zookeeper": True,           # ZooKeeper-based clusters still run
        "kraftAnnotations": True,    # a KRaft Kafka opts in with strimzi.io/kraft and node-pools
        "schemaSet": "strimzi-0.45",  # the locked schema set that describes it
    }),
    ("0.46", {"zookeeper": False, "schemaSet": None}),
    ("0.48", {"kraftAnnotations": False}),
    ("0.49", {"api": "v1", "servesV1": True}),
    # The CRDs of 1.0.0 serve only v1 (packaging/install/cluster-operator/040-Crd-kafka.yaml).
    ("1.0", {"servesV1beta2": False}),
)


def release(pinned: str) -> dict:
    return facts(RELEASES, pinned)


def _kafka_versions() -> dict[str, list[str]]:
    import json
    from importlib import resources

    data = json.loads((resources.files("dsgen.operators") / "data" / "strimzi.json").read_text(encoding="utf-8"))
    return data["releases"]


# Which Kafka versions each Strimzi release runs: derived from Strimzi's own
# kafka-versions.yaml at each release tag by scripts/strimzi_kafka_versions.py.
KAFKA_VERSIONS: dict[str, list[str]] = _kafka_versions()


# Kafka broker config keys Strimzi manages itself; it drops them with a warning.
FORBIDDEN_KAFKA_PREFIXES = (
    "listeners", "advertised.", "broker.", "listener.", "host.name", "port",
    "inter.broker.listener.name", "sasl.", "ssl.", "security.", "password.", "log.dir",
    "zookeeper.connect", "zookeeper.set.acl", "zookeeper.ssl", "zookeeper.clientCnxnSocket",
    "authorizer.", "super.user", "cruise.control.metrics.topic",
    "cruise.control.metrics.reporter.bootstrap.servers", "node.id", "process.roles",
    "controller.", "metadata.log.dir", "zookeeper.metadata.migration.enable",
    "client.quota.callback.static.kafka.admin.", "client.quota.callback.static.produce",
    "client.quota.callback.static.fetch",
    "client.quota.callback.static.storage.per.volume.limit.min.available.",
    "client.quota.callback.static.excluded.principal.name.list",
)
ALLOWED_KAFKA_EXCEPTIONS = frozenset({
    "zookeeper.connection.timeout.ms", "sasl.server.max.receive.size", "ssl.cipher.suites",
    "ssl.protocol", "ssl.enabled.protocols", "ssl.secure.random.implementation",
    "cruise.control.metrics.topic.num.partitions",
    "cruise.control.metrics.topic.replication.factor",
    "cruise.control.metrics.topic.retention.ms",
    "cruise.control.metrics.topic.auto.create.retries",
    "cruise.control.metrics.topic.auto.create.timeout.ms",
    "cruise.control.metrics.topic.min.insync.replicas",
    "controller.quorum.election.backoff.max.ms", "controller.quorum.election.timeout.ms",
    "controller.quorum.fetch.timeout.ms",
})
# Broker settings that exist only with ZooKeeper; KRaft clusters use metadataVersion.
ZOOKEEPER_ONLY_CONFIG = {
    "inter.broker.protocol.version": "KRaft clusters set kafka.metadataVersion instead",
    "log.message.format.version": "removed in Kafka 4.0 and ignored by KRaft clusters",
}

FORBIDDEN_ZOOKEEPER_PREFIXES = (
    "server.", "dataDir", "dataLogDir", "clientPort", "authProvider", "quorum.auth",
    "requireClientAuthScheme", "snapshot.trust.empty", "standaloneEnabled", "reconfigEnabled",
    "4lw.commands.whitelist", "secureClientPort", "ssl.", "serverCnxnFactory", "sslQuorum",
)
ALLOWED_ZOOKEEPER_EXCEPTIONS = frozenset({
    "ssl.protocol", "ssl.quorum.protocol", "ssl.enabledProtocols", "ssl.quorum.enabledProtocols",
    "ssl.ciphersuites", "ssl.quorum.ciphersuites", "ssl.hostnameVerification",
    "ssl.quorum.hostnameVerification",
})

# Topic configs the Topic Operator manages itself.
TOPIC_OPERATOR_MANAGED_PREFIXES = (
    "leader.replication.throttled.replicas", "follower.replication.throttled.replicas",
)


def forbidden(key: str, prefixes: tuple[str, ...], exceptions: frozenset[str]) -> str | None:
    """The forbidden prefix ``key`` starts with, or None when Strimzi accepts it."""
    if key in exceptions:
        return None
    for prefix in prefixes:
        if key.startswith(prefix):
            return prefix
    return None
