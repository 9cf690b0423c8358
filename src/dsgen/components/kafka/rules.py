"""Kafka rules: on the profile's ``kafka`` section, on Strimzi manifests, or
both with one message."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from dsgen.components.base import requests_within_limits
from dsgen.operators import strimzi
from dsgen.rules import GroupKind, Overlay, Rule, get, keyed, label_of, name_of, namespace_of, pairs, pointer
from dsgen.units import shrinks, version_tuple

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.kafka.model import Kafka

GROUP = "kafka.strimzi.io"
KAFKA = (GROUP, "Kafka")
TOPIC = (GROUP, "KafkaTopic")
USER = (GROUP, "KafkaUser")
NODE_POOL = (GROUP, "KafkaNodePool")
CONNECT = (GROUP, "KafkaConnect")
MIRROR_MAKER_2 = (GROUP, "KafkaMirrorMaker2")
CLUSTER_LABEL = "strimzi.io/cluster"
# Strimzi 0.41+ labels each node pod with its roles (KafkaCluster pod labels:
# withStrimziBrokerRole, withStrimziControllerRole; Labels.java).
BROKER_ROLE_LABEL, CONTROLLER_ROLE_LABEL = "strimzi.io/broker-role", "strimzi.io/controller-role"


# ---------------------------------------------------------------- messages both sides share


def kafka_config_problem(key: str, pinned: str | None) -> str | None:
    prefix = strimzi.forbidden(key, "kafka", pinned)
    if prefix:
        return f"Strimzi manages options starting with {prefix!r} and ignores this one"
    return None


def zookeeper_config_problem(key: str, pinned: str | None) -> str | None:
    prefix = strimzi.forbidden(key, "zookeeper", pinned)
    if prefix:
        return f"Strimzi manages ZooKeeper options starting with {prefix!r} and ignores this one"
    return None


def no_zookeeper(pinned: str) -> str:
    return f"Strimzi {pinned} has no ZooKeeper support (removed in 0.46); use KRaft (mode: kraft)"


def unknown_topic(name: str) -> str:
    return f"names topic {name!r}, which no KafkaTopic defines; use patternType: prefix for a family of topics"


def unmatched_prefix(name: str) -> str:
    return f"prefix {name!r} matches no KafkaTopic"


def _acl_problems(acls, topics: set[str]):
    """(index, message) of each topic ACL that names no topic of ``topics``."""
    for index, acl in enumerate(acls):
        if acl.get("type") != "topic" or not acl.get("name"):
            continue
        name, pattern = acl["name"], acl.get("patternType", "literal")
        if pattern == "literal" and name != "*" and name not in topics:
            yield index, unknown_topic(name)
        elif pattern == "prefix" and not any(t.startswith(name) for t in topics):
            yield index, unmatched_prefix(name)


# ---------------------------------------------------------------- rules

STRIMZI_CONFIG = Rule("DSG203", "strimzi-config", "Kafka spec.kafka.config and spec.zookeeper.config set no option Strimzi manages (it drops them with only a warning).")


@STRIMZI_CONFIG.on_profile
def _(ctx: Context, kafka: Kafka):
    pinned = ctx.operators["strimzi"]
    for key, problem in keyed(kafka.config, kafka_config_problem, pinned):
        yield ("kafka", "config", key), problem
    for key, problem in keyed(kafka.zookeeper.config if kafka.zookeeper else None, zookeeper_config_problem, pinned):
        yield ("kafka", "zookeeper", "config", key), problem


@STRIMZI_CONFIG.on_manifest
def _(overlay: Overlay):
    for kafka in overlay.of(KAFKA):
        pinned = overlay.operators.get("strimzi")
        for part, problem_of in (("kafka", kafka_config_problem), ("zookeeper", zookeeper_config_problem)):
            for key, problem in keyed(get(kafka, "spec", part, "config"), problem_of, pinned):
                yield kafka, pointer("spec", part, "config", key), problem


STRIMZI_API = Rule("DSG205", "strimzi-api", "Strimzi resources use the API the pinned operator serves: no ZooKeeper on 0.46+, no v1beta2 on 1.0+, no v1 before 0.49.")


@STRIMZI_API.on_profile
def _(ctx: Context, kafka: Kafka):
    pinned = ctx.operators["strimzi"]
    if kafka.mode == "zookeeper" and not strimzi.release(pinned)["zookeeper"]:
        yield ("kafka", "mode"), no_zookeeper(pinned)


@STRIMZI_API.on_manifest
def _(overlay: Overlay):
    pinned = overlay.operators.get("strimzi")
    if not pinned:
        return
    release = strimzi.release(pinned)
    for doc in overlay.documents:
        group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
        if group != GROUP:
            continue
        if version == "v1" and not release["servesV1"]:
            yield doc, "/apiVersion", f"kafka.strimzi.io/v1 needs Strimzi 0.49 or newer; the profile pins {pinned}"
        elif version != "v1" and not release["servesV1beta2"]:
            yield doc, "/apiVersion", f"Strimzi {pinned} serves only kafka.strimzi.io/v1"
        if doc.get("kind") == "Kafka" and get(doc, "spec", "zookeeper") is not None and not release["zookeeper"]:
            yield doc, "/spec/zookeeper", no_zookeeper(pinned)


CLUSTER_LABEL_RULE = Rule("DSG103", "strimzi-cluster-label", "KafkaTopic, KafkaUser and KafkaNodePool carry a strimzi.io/cluster label naming a Kafka of the tree.", reference=True)


@CLUSTER_LABEL_RULE.on_manifest
def _(overlay: Overlay):
    clusters = overlay.names(KAFKA)
    for doc in overlay.of(TOPIC, USER, NODE_POOL):
        label = label_of(doc, CLUSTER_LABEL)
        if label is None:
            yield doc, "/metadata/labels", "has no strimzi.io/cluster label; the operator ignores it"
        elif (namespace_of(doc), label) not in clusters:
            yield doc, "/metadata/labels/strimzi.io~1cluster", f"names Kafka {label!r}, which the tree does not define"


ACL_TOPIC = Rule("DSG104", "acl-topic", "A KafkaUser's literal topic ACLs name KafkaTopics of the tree, or the storage topics a Kafka Connect of the tree creates; a prefix ACL matches at least one.", reference=True)


@ACL_TOPIC.on_profile
def _(ctx: Context, kafka: Kafka):
    topics = {topic.topicName or name for name, topic in kafka.topics.items()}
    for name, user in kafka.users.items():
        acls = [acl.resource.model_dump() for acl in user.acls]
        for index, message in _acl_problems(acls, topics):
            yield ("kafka", "users", name, "acls", index, "resource", "name"), message


# Kafka Connect creates its three storage topics itself. Strimzi takes their
# names from the v1 fields, else the v1beta2 config keys, else its defaults:
# "connect-cluster-*" for KafkaConnect (KafkaConnectCluster.fromSpec), and
# "mirrormaker2-cluster-*" for a KafkaMirrorMaker2 in the old connectCluster
# layout (KafkaMirrorMaker2Cluster, 0.49.1).
STORAGE_TOPICS = (("configStorageTopic", "config.storage.topic", "configs"),
                  ("statusStorageTopic", "status.storage.topic", "status"),
                  ("offsetStorageTopic", "offset.storage.topic", "offsets"))


def _mirror_topics(spec: dict, target: str | None) -> Iterator[str]:
    """The internal topics MirrorMaker 2 creates in its target cluster, with
    the default separator: <source alias>.checkpoints.internal
    (MirrorCheckpointConnector) and, with offset-syncs.topic.location
    target, mm2-offset-syncs.<target alias>.internal (MirrorSourceConnector;
    Strimzi's "Synchronizing consumer group offsets")."""
    for mirror in spec.get("mirrors") or []:
        if not isinstance(mirror, dict):
            continue
        source = mirror.get("source") if isinstance(mirror.get("source"), dict) else {}
        alias = source.get("alias") or mirror.get("sourceCluster")
        if alias:
            yield f"{alias}.checkpoints.internal"
        configs = [get(mirror, key, "config") or {} for key in ("sourceConnector", "checkpointConnector")]
        if target and any(isinstance(c, dict) and c.get("offset-syncs.topic.location") == "target" for c in configs):
            yield f"mm2-offset-syncs.{target}.internal"


def _connect_topics(overlay: Overlay) -> Iterator[tuple[str, str]]:
    """(namespace, topic) of each storage topic a Kafka Connect of the tree
    creates, and of MirrorMaker 2's internal topics in its target."""
    for doc in overlay.of(CONNECT, MIRROR_MAKER_2):
        spec, default = get(doc, "spec") or {}, "connect-cluster"
        if not isinstance(spec, dict):
            continue  # a wrong type is DSG001's
        if doc.get("kind") == MIRROR_MAKER_2[1]:
            default = "mirrormaker2-cluster"
            alias = spec.get("connectCluster")
            legacy = [c for c in spec.get("clusters") or [] if isinstance(c, dict) and c.get("alias") == alias]
            target = spec.get("target") or (legacy[0] if legacy else {})
            for topic in _mirror_topics(spec, target.get("alias") if isinstance(target, dict) else None):
                yield namespace_of(doc), topic
            spec = target
        if not isinstance(spec, dict):
            continue  # a wrong type is DSG001's
        config = spec.get("config") if isinstance(spec.get("config"), dict) else {}
        for field_name, key, suffix in STORAGE_TOPICS:
            yield namespace_of(doc), str(spec.get(field_name) or config.get(key) or f"{default}-{suffix}")


@ACL_TOPIC.on_manifest
def _(overlay: Overlay):
    topics: dict[str, set[str]] = {}
    for namespace, name in _connect_topics(overlay):
        topics.setdefault(namespace, set()).add(name)
    for topic in overlay.of(TOPIC):
        topics.setdefault(namespace_of(topic), set()).add(get(topic, "spec", "topicName") or name_of(topic))
    for user in overlay.of(USER):
        acls = [acl.get("resource") or {} for acl in get(user, "spec", "authorization", "acls") or []]
        for index, message in _acl_problems(acls, topics.get(namespace_of(user), set())):
            yield user, f"/spec/authorization/acls/{index}/resource/name", message


KRAFT_ROLES = Rule("DSG106", "kraft-roles", "A KRaft Kafka (no spec.zookeeper) has node pools with the controller and the broker role.")


@KRAFT_ROLES.on_manifest
def _(overlay: Overlay):
    roles: dict[tuple[str, str], set[str]] = {}
    for pool in overlay.of(NODE_POOL):
        roles.setdefault((namespace_of(pool), label_of(pool, CLUSTER_LABEL)), set()).update(
            get(pool, "spec", "roles") or [])
    for kafka in overlay.of(KAFKA):
        if get(kafka, "spec", "zookeeper") is not None:
            continue
        missing = {"controller", "broker"} - roles.get((namespace_of(kafka), name_of(kafka)), set())
        if missing:
            yield kafka, "/metadata/name", (
                f"no KafkaNodePool of this cluster has the {' or '.join(sorted(missing))} role; "
                "a KRaft cluster needs both")


KAFKA_VERSION = Rule("DSG322", "kafka-version", "The Kafka version is one the pinned Strimzi release runs (Strimzi's kafka-versions.yaml of that release).")


def kafka_version_problem(version: str, pinned: str) -> str | None:
    runs = strimzi.KAFKA_VERSIONS.get(pinned)
    if runs and version not in runs:
        return f"Strimzi {pinned} runs Kafka {', '.join(runs)}; not {version}"
    return None


@KAFKA_VERSION.on_profile
def _(ctx: Context, kafka: Kafka):
    problem = kafka_version_problem(kafka.version, ctx.operators["strimzi"])
    if problem:
        yield [("kafka", "version"), ("operators", "strimzi")], problem


@KAFKA_VERSION.on_manifest
def _(overlay: Overlay):
    pinned = overlay.operators.get("strimzi")
    for kafka in overlay.of(KAFKA) if pinned else ():
        version = get(kafka, "spec", "kafka", "version")
        problem = kafka_version_problem(str(version), pinned) if version is not None else None
        if problem:
            yield kafka, "/spec/kafka/version", problem


KAFKA_CONFIGS = Rule("DSG325", "kafka-configs", "Broker and topic configs are ones Kafka has (\"did you mean\" for near misses), with values of their type and range, as Kafka's generated documentation lists them (operators/data/kafka-<version>.json).")


def _config_problems(scope: str, config, version: str, pinned: str | None):
    from dsgen.operators import kafka as catalog

    for key, value in config.items() if isinstance(config, dict) else ():  # a non-map is DSG001's
        if scope == "broker" and kafka_config_problem(key, pinned):
            continue  # a key Strimzi manages is DSG203's
        if scope == "topic" and _not_scalar(value):
            # The Topic Operator turns strings, numbers, booleans and lists of
            # them into a config value and refuses anything else
            # (TopicOperatorUtil.configValueAsString, 0.49.1).
            yield key, f"{value!r} is not a string, number, boolean or list of them; the Topic Operator refuses it"
            continue
        problem = catalog.config_problem(scope, key, value, version)
        if problem:
            yield key, problem


def _not_scalar(value) -> bool:
    if isinstance(value, list):
        return any(_not_scalar(item) for item in value)
    return value is not None and not isinstance(value, (str, int, float, bool))


@KAFKA_CONFIGS.on_profile
def _(ctx: Context, kafka: Kafka):
    for key, problem in _config_problems("broker", kafka.config, kafka.version, ctx.operators["strimzi"]):
        yield ("kafka", "config", key), problem
    for name, topic in kafka.topics.items():
        for key, problem in _config_problems("topic", topic.config, kafka.version, ctx.operators["strimzi"]):
            yield ("kafka", "topics", name, "config", key), problem


@KAFKA_CONFIGS.on_manifest
def _(overlay: Overlay):
    versions = {}
    for kafka in overlay.of(KAFKA):
        version = str(get(kafka, "spec", "kafka", "version") or "")
        if not re.fullmatch(r"\d+\.\d+(\.\d+)?", version):
            continue
        versions[(namespace_of(kafka), name_of(kafka))] = version
        for key, problem in _config_problems("broker", get(kafka, "spec", "kafka", "config") or {}, version,
                                              overlay.operators.get("strimzi")):
            yield kafka, pointer("spec", "kafka", "config", key), problem
    for topic in overlay.of(TOPIC):
        version = versions.get((namespace_of(topic), label_of(topic, CLUSTER_LABEL)))
        for key, problem in _config_problems("topic", get(topic, "spec", "config") or {}, version,
                                                     overlay.operators.get("strimzi")) if version else ():
            yield topic, pointer("spec", "config", key), problem


TOPIC_WRITER = Rule("DSG313", "topic-writer", "Every KafkaTopic has a writer that is not a super user: a KafkaUser allowed Write (or All) on it by name or prefix.")
# With simple authorization a user writes only where an ACL allows Write; an
# idempotent producer needs nothing more than Write on the topic since Kafka
# 3.0 (KIP-679).
NO_WRITER = ("no user but a super user may write to this topic: give its producer a KafkaUser "
             "with Write on it (super users bypass every ACL, so they are not for applications)")


def _writes(acl: dict, topic: str) -> bool:
    resource = acl.get("resource") or {}
    if resource.get("type") != "topic" or acl.get("type", "allow") != "allow":
        return False
    if not {"Write", "All"} & set(acl.get("operations") or []):
        return False
    name = resource.get("name") or ""
    if resource.get("patternType", "literal") == "prefix":
        return topic.startswith(name)
    return name in (topic, "*")


def _unwritten(topics: dict[str, tuple], users: dict[str, list[dict]], super_users: set[str]):
    """(topic, where) of each topic no ordinary user may write."""
    writers = {name: acls for name, acls in users.items() if name not in super_users}
    for topic, where in topics.items():
        if not any(_writes(acl, topic) for acls in writers.values() for acl in acls):
            yield topic, where


@TOPIC_WRITER.on_profile
def _(ctx: Context, kafka: Kafka):
    if kafka.authorization is None:
        return  # without authorization anyone may write
    topics = {topic.topicName or name: ("kafka", "topics", name) for name, topic in kafka.topics.items()}
    users = {name: [acl.model_dump() for acl in user.acls] for name, user in kafka.users.items()}
    for _, where in _unwritten(topics, users, set(kafka.authorization.superUsers)):
        yield where, NO_WRITER


def by_cluster(overlay: Overlay, kind: GroupKind) -> dict[tuple[str, str], list[dict]]:
    """Documents of ``kind`` by the (namespace, Kafka) their strimzi.io/cluster label names."""
    grouped: dict[tuple[str, str], list[dict]] = {}
    for doc in overlay.of(kind):
        grouped.setdefault((namespace_of(doc), label_of(doc, CLUSTER_LABEL)), []).append(doc)
    return grouped


@TOPIC_WRITER.on_manifest
def _(overlay: Overlay):
    topics_of, users_of = by_cluster(overlay, TOPIC), by_cluster(overlay, USER)
    for kafka in overlay.of(KAFKA):
        authorization = get(kafka, "spec", "kafka", "authorization")
        if not authorization:
            continue
        key = (namespace_of(kafka), name_of(kafka))
        topics = {get(t, "spec", "topicName") or name_of(t): t for t in topics_of.get(key, [])}
        users = {name_of(u): get(u, "spec", "authorization", "acls") or [] for u in users_of.get(key, [])}
        for _, doc in _unwritten(topics, users, set(authorization.get("superUsers") or [])):
            yield doc, "/metadata/name", NO_WRITER


KAFKA_MODE = Rule("DSG307", "kafka-mode", "ZooKeeper mode has its section, Kafka 3.x and no KRaft controllers; KRaft has no ZooKeeper section or ZooKeeper-only settings.")


@KAFKA_MODE.on_profile
def _(ctx: Context, kafka: Kafka):
    kafka_version = version_tuple(kafka.version)
    if kafka.mode == "zookeeper":
        if kafka_version >= (4, 0, 0):
            yield ("kafka", "version"), f"Kafka {kafka.version} has no ZooKeeper mode; use 3.x or KRaft"
        if kafka.zookeeper is None:
            yield ("kafka", "mode"), "ZooKeeper mode needs a kafka.zookeeper section"
        if kafka.controllers is not None:
            yield ("kafka", "controllers"), "KRaft controllers do not exist in ZooKeeper mode"
        if kafka.metadataVersion is not None:
            yield ("kafka", "metadataVersion"), "applies to KRaft clusters only"
        return
    if kafka.zookeeper is not None:
        yield ("kafka", "zookeeper"), "a KRaft cluster has no ZooKeeper; remove this section or set mode: zookeeper"
    for key, why in strimzi.ZOOKEEPER_ONLY_CONFIG.items():
        if key in kafka.config:
            yield ("kafka", "config", key), f"is a ZooKeeper-mode setting: {why}"


def _whole(value) -> int | None:
    """A config's whole-number value, or None (a wrong type is DSG325's)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        return None
    return int(value)


def _config_int(config: dict, key: str, path: tuple):
    """(whole number, None), (None, None) when unset, or (None, problem)."""
    if key not in config:
        return None, None
    value = _whole(config[key])
    if value is None:
        return None, ((*path, key), f"{config[key]!r} must be a whole number")
    return value, None


KAFKA_REPLICATION = Rule("DSG308", "kafka-replication", "min.insync.replicas < default.replication.factor <= brokers; internal topics and every topic have no more replicas than brokers, and no more in-sync replicas than replicas.")


@KAFKA_REPLICATION.on_profile
def _(ctx: Context, kafka: Kafka):
    brokers = kafka.brokers.replicas
    path = ("kafka", "config")
    values = {}
    for key in ("default.replication.factor", "min.insync.replicas",
                "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "transaction.state.log.min.isr"):
        values[key], problem = _config_int(kafka.config, key, path)
        if problem:
            yield problem
    for key in ("default.replication.factor", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor"):
        if values[key] is not None and values[key] > brokers:
            yield [(*path, key), ("kafka", "brokers", "replicas")], f"{values[key]} is more than the {brokers} brokers (kafka.brokers.replicas)"
    rf = values["default.replication.factor"] or 1
    isr = values["min.insync.replicas"]
    if isr is not None and isr >= rf:
        yield [(*path, "min.insync.replicas"), (*path, "default.replication.factor")], (
            f"{isr} must be below default.replication.factor {rf}, or one broker down stops all writes"
        )
    tl_isr, tl_rf = values["transaction.state.log.min.isr"], values["transaction.state.log.replication.factor"]
    if tl_isr is not None and tl_rf is not None and tl_isr > tl_rf:
        yield (*path, "transaction.state.log.min.isr"), (
            f"{tl_isr} is more than transaction.state.log.replication.factor {tl_rf}"
        )
    for name, topic in kafka.topics.items():
        tpath = ("kafka", "topics", name)
        replicas = topic.replicas or rf
        if replicas > brokers:
            yield [(*tpath, "replicas") if topic.replicas else tpath, ("kafka", "brokers", "replicas")], (
                f"{replicas} replicas is more than the {brokers} brokers"
            )
        topic_isr, problem = _config_int(topic.config, "min.insync.replicas", (*tpath, "config"))
        if problem:
            yield problem
        effective_isr = topic_isr if topic_isr is not None else isr
        if effective_isr is not None and effective_isr > replicas:
            where = (*tpath, "config", "min.insync.replicas") if topic_isr is not None else (*tpath, "replicas")
            yield where, f"min.insync.replicas {effective_isr} is more than the topic's {replicas} replicas"
        for key in topic.config:
            if key.startswith(strimzi.TOPIC_OPERATOR_MANAGED_PREFIXES):
                yield (*tpath, "config", key), "is managed by the Topic Operator and cannot be set"


def _brokers(overlay: Overlay) -> dict[tuple[str, str], int]:
    """Brokers of each Kafka of the tree, by (namespace, name), where known:
    the replicas of its node pools with the broker role (KRaft), else
    spec.kafka.replicas (ZooKeeper)."""
    pools = by_cluster(overlay, NODE_POOL)
    brokers = {}
    for kafka in overlay.of(KAFKA):
        key = (namespace_of(kafka), name_of(kafka))
        if get(kafka, "spec", "zookeeper") is None:
            sizes = [get(p, "spec", "replicas") for p in pools.get(key, []) if "broker" in (get(p, "spec", "roles") or [])]
        else:
            sizes = [get(kafka, "spec", "kafka", "replicas")]
        if sizes and all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
            brokers[key] = sum(sizes)  # a pool of unknown size leaves the count unknown
    return brokers


@KAFKA_REPLICATION.on_manifest
def _(overlay: Overlay):
    # Kafka refuses to create a topic with more replicas than registered
    # brokers (metadata/.../placement/StripedReplicaPlacer.java
    # throwInvalidReplicationFactorIfTooFewBrokers, InvalidReplicationFactorException),
    # which the Topic Operator reports in the KafkaTopic's status. A topic
    # without spec.replicas takes the broker's default.replication.factor
    # (the Topic Operator sends -1), and min.insync.replicas falls back to the
    # broker's, else 1 (topic-operator KafkaHandler.DEFAULT_MIN_ISR, 0.49.1). The
    # Topic Operator only warns about a min.insync.replicas above the replicas
    # (BatchingTopicController.warnTooLargeMinIsr); producers with acks=all
    # then fail with NotEnoughReplicas.
    brokers = _brokers(overlay)
    defaults = {}
    for kafka in overlay.of(KAFKA):
        key = (namespace_of(kafka), name_of(kafka))
        config = get(kafka, "spec", "kafka", "config") or {}
        config = config if isinstance(config, dict) else {}
        rf, isr = _whole(config.get("default.replication.factor", 1)), _whole(config.get("min.insync.replicas", 1))
        defaults[key] = (rf, isr)
        count = brokers.get(key)
        for name in ("default.replication.factor", "offsets.topic.replication.factor",
                     "transaction.state.log.replication.factor"):
            value = _whole(config.get(name))
            if count is not None and value is not None and value > count:
                yield kafka, pointer("spec", "kafka", "config", name), f"{value} is more than the {count} brokers"
        explicit = "min.insync.replicas" in config and "default.replication.factor" in config
        if explicit and rf is not None and isr is not None and isr >= rf:
            yield kafka, pointer("spec", "kafka", "config", "min.insync.replicas"), (
                f"{isr} must be below default.replication.factor {rf}, or one broker down stops all writes")
    for topic in overlay.of(TOPIC):
        key = (namespace_of(topic), label_of(topic, CLUSTER_LABEL))
        if key not in defaults:
            continue  # an unknown cluster is DSG103's
        rf, isr = defaults[key]
        declared = get(topic, "spec", "replicas")
        replicas = declared if isinstance(declared, int) and not isinstance(declared, bool) else rf
        count = brokers.get(key)
        where = "/spec/replicas" if declared is not None else "/metadata/name"
        if replicas is not None and count is not None and replicas > count:
            yield topic, where, (f"{replicas} replicas is more than the {count} brokers of Kafka {key[1]!r}; "
                                 "Kafka refuses to create the topic")
        config = get(topic, "spec", "config") or {}
        topic_isr = _whole(config.get("min.insync.replicas")) if isinstance(config, dict) else None
        effective = topic_isr if topic_isr is not None else isr
        if replicas is not None and effective is not None and effective > replicas:
            at = pointer("spec", "config", "min.insync.replicas") if topic_isr is not None else where
            yield topic, at, (f"min.insync.replicas {effective} is more than the topic's {replicas} replicas: "
                              "producers with acks=all fail with NotEnoughReplicas")


KAFKA_LISTENERS = Rule("DSG309", "kafka-listeners", "Listener names and ports are unique, tls client authentication has tls, every user authenticates the way some listener accepts, every listener has tls when access.requireTls, and in an isolated namespace every listener names its peers.")
# Strimzi writes the brokers' NetworkPolicy itself, with one rule per
# listener from its networkPolicyPeers, and a listener without peers is open
# to every pod of every namespace (KafkaCluster.generateNetworkPolicy,
# NetworkPolicyUtils.createIngressRule, 0.49.1): NetworkPolicies add up, so a
# namespace's default-deny does not close it.
OPEN_LISTENER = ("has no networkPolicyPeers, so Strimzi opens it to every pod of every namespace, "
                 "whatever the namespace's other NetworkPolicies deny")


@KAFKA_LISTENERS.on_profile
def _(ctx: Context, kafka: Kafka):
    seen_names, seen_ports = {}, {}
    for index, listener in enumerate(kafka.listeners):
        path = ("kafka", "listeners", index)
        if listener.name in seen_names:
            yield (*path, "name"), f"listener name {listener.name!r} is used twice"
        if listener.port in seen_ports:
            yield (*path, "port"), f"port {listener.port} is used twice"
        if listener.authentication == "tls" and not listener.tls:
            yield (*path, "authentication"), "tls client authentication needs tls: true"
        seen_names[listener.name] = seen_ports[listener.port] = index
    auth_types = {listener.authentication for listener in kafka.listeners}
    for name, user in kafka.users.items():
        path = ("kafka", "users", name)
        if user.authentication not in auth_types:
            yield (*path, "authentication"), f"no listener accepts {user.authentication} authentication"
        if user.acls and kafka.authorization is None:
            yield (*path, "acls"), "ACLs need kafka.authorization"
        if user.passwordSecret and user.authentication != "scram-sha-512":
            yield (*path, "passwordSecret"), "a password applies to scram-sha-512 users only"
        for index, acl in enumerate(user.acls):
            if acl.resource.type != "cluster" and not acl.resource.name:
                yield (*path, "acls", index, "resource"), f"a {acl.resource.type} ACL needs a name"
    if kafka.access.requireTls:
        for index, listener in enumerate(kafka.listeners):
            if not listener.tls:
                yield ("kafka", "listeners", index, "tls"), (
                    f"listener {listener.name!r} has no TLS, and kafka.access.requireTls refuses connections "
                    "without it: set tls: true or remove the listener")
    if ctx.network and not kafka.access.namespaces:
        yield ("kafka", "access", "namespaces"), (
            "is empty, and a listener without peers is open to every namespace (Strimzi writes the "
            "brokers' NetworkPolicy itself): name the namespaces whose pods may connect")


@KAFKA_LISTENERS.on_manifest
def _(overlay: Overlay):
    isolated = {namespace_of(p) for p in overlay.of(("networking.k8s.io", "NetworkPolicy"))
                if get(p, "spec", "podSelector") == {} and "Ingress" in (get(p, "spec", "policyTypes") or [])}
    for kafka in overlay.of(KAFKA):
        if namespace_of(kafka) not in isolated:
            continue
        for index, listener in enumerate(get(kafka, "spec", "kafka", "listeners") or []):
            if isinstance(listener, dict) and not listener.get("networkPolicyPeers"):
                yield kafka, pointer("spec", "kafka", "listeners", index), f"listener {listener.get('name')!r} {OPEN_LISTENER}"


KAFKA_STORAGE = Rule("DSG310", "kafka-storage", "Brokers, controllers and ZooKeeper: requests not above limits; persistent-claim storage has a size; ephemeral storage has no class.")


@KAFKA_STORAGE.on_profile
def _(ctx: Context, kafka: Kafka):
    for part in ("brokers", "controllers", "zookeeper"):
        nodes = getattr(kafka, part)
        if nodes is None:
            continue
        yield from requests_within_limits(nodes.resources, ("kafka", part, "resources"))
        if nodes.storage.type == "persistent-claim" and not nodes.storage.size:
            yield ("kafka", part, "storage", "size"), "persistent-claim storage needs a size"
        if nodes.storage.type == "ephemeral" and nodes.storage.storageClass:
            yield ("kafka", part, "storage", "storageClass"), "ephemeral storage has no storage class"


def _own_client(kafka: Kafka, section: str, named: str | None, client: str, user: str):
    """Problems of one of dsgen's own clients (kafka.<section>): the listener
    it connects through, and its KafkaUser ``user`` taken by a profile user."""
    from dsgen.components.kafka.clients import listener

    where = ("kafka", section, "listener") if named else ("kafka", section)
    chosen, names = listener(kafka, named), ", ".join(item.name for item in kafka.listeners) or "none"
    if chosen is None:
        yield where, f"names no listener of the cluster (listeners: {names}): name one of them"
    elif chosen.authentication == "tls":
        yield where, (f"connects through listener {chosen.name!r}, which authenticates with client certificates; "
                      f"{client} signs in with SCRAM: name a listener with authentication scram-sha-512")
    elif chosen.authentication == "none" and kafka.authorization:
        yield where, (f"connects through listener {chosen.name!r}, which does not authenticate, and the "
                      "authorizer refuses an anonymous client: name a listener with authentication scram-sha-512")
    if user in kafka.users:
        yield ("kafka", "users", user), (
            f"is the name of the KafkaUser dsgen makes for kafka.{section}: give this user another name")


KAFKA_BACKUP = Rule("DSG337", "kafka-backup", "kafka.backup connects through a listener of the cluster on which its job can authenticate (SCRAM-SHA-512, or none where no authorizer runs), and its own KafkaUser <kafka>-backup is not also one of kafka.users.")


@KAFKA_BACKUP.on_profile
def _(ctx: Context, kafka: Kafka):
    from dsgen.components.kafka.backup import user_name

    if kafka.backup is None:
        return
    yield from _own_client(kafka, "backup", kafka.backup.listener, "the backup job", user_name(kafka))


KAFKA_MIRROR = Rule("DSG338", "kafka-mirror", "kafka.mirror writes through a listener on which MirrorMaker 2 can authenticate, copies from a cluster of another alias than this one's name, names the source's networks when egress is restricted, and its own KafkaUser <kafka>-mirror is not also one of kafka.users.")


@KAFKA_MIRROR.on_profile
def _(ctx: Context, kafka: Kafka):
    from dsgen.components.kafka.clients import mirror_name

    mirror = kafka.mirror
    if mirror is None:
        return
    yield from _own_client(kafka, "mirror", mirror.listener, "MirrorMaker 2", mirror_name(kafka))
    if mirror.source.alias == kafka.name:
        # The target's alias is this cluster's name; MirrorMaker 2 tells the
        # clusters apart by alias (its checkpoints topic is <source alias>.checkpoints.internal).
        yield ("kafka", "mirror", "source", "alias"), (
            "is this cluster's own name, which is the target's alias: give the source another alias")
    if ctx.network and ctx.network["egress"] and not mirror.source.networks:
        yield ("kafka", "mirror", "source", "networks"), (
            "is empty, and network.egress lets MirrorMaker 2 reach only the addresses named here: name the "
            "networks of the source's brokers")


RULES = (STRIMZI_CONFIG, STRIMZI_API, CLUSTER_LABEL_RULE, ACL_TOPIC, KRAFT_ROLES, KAFKA_VERSION, KAFKA_CONFIGS,
         TOPIC_WRITER,
         KAFKA_MODE, KAFKA_REPLICATION, KAFKA_LISTENERS, KAFKA_STORAGE, KAFKA_BACKUP, KAFKA_MIRROR)


def produced_secrets(kind: GroupKind, doc: dict):
    """The User Operator writes each KafkaUser's credentials into a Secret of
    its name; the Cluster Operator writes a Kafka's cluster and clients CAs,
    certificate and key apart (KafkaResources clusterCaCertificateSecretName,
    clusterCaKeySecretName, clientsCaCertificateSecretName, clientsCaKeySecretName)."""
    if kind == USER:
        yield name_of(doc)
    elif kind == KAFKA:
        for suffix in ("-cluster-ca-cert", "-cluster-ca", "-clients-ca-cert", "-clients-ca"):
            yield name_of(doc) + suffix


# ---------------------------------------------------------------- changes to a written environment


TOPIC_PARTITIONS = Rule("DSG403", "topic-partitions-decrease", "A render does not lower a KafkaTopic's partitions: Kafka cannot, and the Topic Operator refuses (\"Decreasing partitions not supported\", topic-operator BatchingTopicController).")


@TOPIC_PARTITIONS.on_change
def _(old: Overlay, new: Overlay):
    for previous, topic in pairs(old, new, TOPIC):
        was, now = get(previous, "spec", "partitions"), get(topic, "spec", "partitions")
        if isinstance(was, int) and isinstance(now, int) and now < was:
            yield topic, "/spec/partitions", f"lowers partitions from {was} to {now}: Kafka cannot remove partitions"


TOPIC_REPLICAS = Rule("DSG404", "topic-replicas-change", "A render changes a KafkaTopic's replicas only where the Kafka runs Cruise Control: without it the Topic Operator refuses (\"Replication factor change not supported\", topic-operator BatchingTopicController).")


@TOPIC_REPLICAS.on_change
def _(old: Overlay, new: Overlay):
    balanced = {(namespace_of(k), name_of(k)) for k in new.of(KAFKA) if get(k, "spec", "cruiseControl") is not None}
    for previous, topic in pairs(old, new, TOPIC):
        was, now = get(previous, "spec", "replicas"), get(topic, "spec", "replicas")
        if was is not None and now is not None and was != now and \
                (namespace_of(topic), label_of(topic, CLUSTER_LABEL)) not in balanced:
            yield topic, "/spec/replicas", (f"changes replicas from {was} to {now}: without Cruise Control "
                                            "the Topic Operator refuses to change a replication factor")


def _storage_changes(before: dict, after: dict, path: tuple[str, ...]):
    was, now = get(before, *path) or {}, get(after, *path) or {}
    if was and now and was.get("type") != now.get("type"):
        yield pointer(*path, "type"), f"changes the storage type from {was.get('type')} to {now.get('type')}: Strimzi refuses"
    elif was.get("size") and now.get("size") and shrinks(was["size"], now["size"]):
        yield pointer(*path, "size"), f"shrinks from {was['size']} to {now['size']}: volumes can grow, never shrink"
    elif was and now and was.get("class") != now.get("class"):
        yield pointer(*path, "class"), (f"changes the storage class from {was.get('class') or 'the default'} to "
                                        f"{now.get('class') or 'the default'}: existing volumes keep theirs")


KAFKA_VOLUMES = Rule("DSG405", "kafka-volume-change", "A render does not shrink a Kafka volume or change its type or class: Strimzi never shrinks volumes and refuses type changes (cluster-operator model/StorageDiff.java).")


@KAFKA_VOLUMES.on_change
def _(old: Overlay, new: Overlay):
    for kind, path in ((NODE_POOL, ("spec", "storage")), (KAFKA, ("spec", "kafka", "storage")),
                       (KAFKA, ("spec", "zookeeper", "storage"))):
        for previous, doc in pairs(old, new, kind):
            for where, why in _storage_changes(previous, doc, path):
                yield doc, where, why


POOL_ROLES = Rule("DSG406", "node-pool-roles", "A render does not change the roles of an existing KafkaNodePool: Strimzi refuses to take the broker role from nodes that still hold partition replicas, and reverts the change (cluster-operator KafkaClusterCreator.java).")


@POOL_ROLES.on_change
def _(old: Overlay, new: Overlay):
    for previous, pool in pairs(old, new, NODE_POOL):
        was, now = sorted(get(previous, "spec", "roles") or []), sorted(get(pool, "spec", "roles") or [])
        if was != now:
            yield pool, "/spec/roles", f"changes roles from {', '.join(was)} to {', '.join(now)}"


RULES = RULES + (TOPIC_PARTITIONS, TOPIC_REPLICAS, KAFKA_VOLUMES, POOL_ROLES)


TOPIC_NAME_UNIQUE = Rule("DSG108", "topic-name-unique", "Two KafkaTopics of one Kafka cluster do not name the same Kafka topic (spec.topicName, else metadata.name): the Topic Operator manages it from the oldest and puts the others in ResourceConflict (topic-operator BatchingTopicController.java).")


def _duplicate_topics(named: list[tuple[str, str, object]]) -> Iterator[tuple[object, str]]:
    """(item, message) for each topic that repeats an earlier one's Kafka name;
    ``named`` holds (cluster, kafka topic name, item) in order."""
    first: dict[tuple[str, str], str] = {}
    for cluster, topic, item, label in named:
        if (cluster, topic) in first:
            yield item, (f"names Kafka topic {topic!r}, as {first[(cluster, topic)]} does: the Topic Operator "
                         "manages a topic from one KafkaTopic and puts the other in ResourceConflict")
        else:
            first[(cluster, topic)] = label


@TOPIC_NAME_UNIQUE.on_profile
def _(ctx: Context, kafka: Kafka):
    named = [(kafka.name, topic.topicName or name, name, f"topic {name!r}") for name, topic in kafka.topics.items()]
    for name, message in _duplicate_topics(named):
        yield ("kafka", "topics", name), message


@TOPIC_NAME_UNIQUE.on_manifest
def _(overlay: Overlay):
    named = [(f"{namespace_of(t)}/{label_of(t, CLUSTER_LABEL)}", get(t, "spec", "topicName") or name_of(t), t,
              f"KafkaTopic {name_of(t)!r}") for t in overlay.of(TOPIC)]
    for topic, message in _duplicate_topics(named):
        yield topic, "/spec/topicName" if get(topic, "spec", "topicName") else "/metadata/name", message


RULES = RULES + (TOPIC_NAME_UNIQUE,)


def secrets_read(kafka: Kafka):
    """Each SCRAM user's password, which the User Operator reads from its
    passwordSecret instead of generating one, and the backup job's S3
    credentials (read as the upload step names them, components.base.upload_step)."""
    from dsgen.contract import SecretNeed
    from dsgen.operators.cloudnativepg import S3_KEYS

    backup = kafka.backup
    if backup and backup.s3.credentialsSecret and not backup.s3.inheritFromIAMRole:
        yield SecretNeed(("kafka", "backup", "s3", "credentialsSecret"), backup.s3.credentialsSecret, S3_KEYS)
    if kafka.mirror:
        # MirrorMaker 2 reads the source user's password and the source's CA certificate (mirror.py).
        source = kafka.mirror.source
        yield SecretNeed(("kafka", "mirror", "source", "passwordSecret"), source.passwordSecret.name,
                         (source.passwordSecret.key,))
        yield SecretNeed(("kafka", "mirror", "source", "caSecret"), source.caSecret.name, (source.caSecret.key,))
    for name, user in kafka.users.items():
        if user.passwordSecret:
            yield SecretNeed(("kafka", "users", name, "passwordSecret"), user.passwordSecret.name,
                             (user.passwordSecret.key,))


def client_ca(kafka):
    """With a TLS listener: the cluster CA's certificate, <cluster>-cluster-ca-cert
    key ca.crt (KafkaResources.clusterCaCertificateSecretName, Ca.CA_CRT)."""
    if any(listener.tls for listener in kafka.listeners):
        yield f"{kafka.name}-cluster-ca-cert", "ca.crt"
