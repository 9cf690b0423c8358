"""Strimzi: API versions, ZooKeeper support and the Kafka versions each release runs."""

from __future__ import annotations

from functools import lru_cache

from dsgen.operators import DEFAULT_PINS, Releases, data, facts, nearest

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


# Which Kafka versions each Strimzi release runs: derived from Strimzi's own
# kafka-versions.yaml at each release tag by scripts/strimzi_kafka_versions.py.
KAFKA_VERSIONS: dict[str, list[str]] = data("strimzi")["releases"]


# Config keys Strimzi manages itself (it drops them with a warning), for Kafka
# brokers and ZooKeeper: FORBIDDEN_PREFIXES and FORBIDDEN_PREFIX_EXCEPTIONS of
# KafkaClusterSpec and ZookeeperClusterSpec at each release tag
# (data/strimzi-config.json, written by scripts/strimzi_forbidden.py).


@lru_cache(maxsize=None)
def managed_config(part: str, pinned: str | None) -> tuple[tuple[str, ...], frozenset[str]]:
    """(forbidden prefixes, exceptions) of ``part`` (kafka or zookeeper) for the
    pinned release, or the newest release before it that dsgen has read."""
    table = data("strimzi-config")["releases"]
    having = [release for release in table if part in table[release]]
    entry = table[nearest(having, pinned or DEFAULT_PINS["strimzi"], same_minor=False)][part]
    return tuple(entry["prefixes"]), frozenset(entry["exceptions"])


# Broker settings that exist only with ZooKeeper; KRaft clusters use metadataVersion.
ZOOKEEPER_ONLY_CONFIG = {
    "inter.broker.protocol.version": "KRaft clusters set kafka.metadataVersion instead",
    "log.message.format.version": "removed in Kafka 4.0 and ignored by KRaft clusters",
}

# Topic configs the Topic Operator manages itself.
TOPIC_OPERATOR_MANAGED_PREFIXES = (
    "leader.replication.throttled.replicas", "follower.replication.throttled.replicas",
)


def forbidden(key: str, part: str, pinned: str | None) -> str | None:
    """The forbidden prefix ``key`` starts with, or None when Strimzi accepts it."""
    prefixes, exceptions = managed_config(part, pinned)
    if key in exceptions:
        return None
    for prefix in prefixes:
        if key.startswith(prefix):
            return prefix
    return None


def kafka_image(pinned: str, kafka_version: str) -> str:
    """The Kafka image a Strimzi release runs a Kafka version with
    (STRIMZI_KAFKA_IMAGES of install/cluster-operator/060-Deployment-strimzi-
    cluster-operator.yaml, e.g. 4.1.0=quay.io/strimzi/kafka:0.49.1-kafka-4.1.0);
    Kafka lives in /opt/kafka and the image runs as user 1001
    (docker-images/kafka-based/kafka/Dockerfile, KAFKA_HOME)."""
    return f"quay.io/strimzi/kafka:{pinned}-kafka-{kafka_version}"
