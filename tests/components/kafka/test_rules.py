"""Kafka profile rules, through the components' one harness: each case
asserts the rule id, the exact key and the whole message."""

from __future__ import annotations

import pytest

from tests.components.harness import findings

BACKUP = {"metadata": {"schedule": "0 4 * * *", "destination": "s3://backups/metadata", "retentionDays": 30}}

CASES = [
    ({"kafka": {"config": {"num.partitons": 3, "num.io.threads": "eight"}, "topics": {"user-events": {"config": {"cleanup.policy": "remove"}}}}},
     [("DSG325", ("kafka", "config", "num.io.threads"), "'eight' is not a whole number (int)"),
      ("DSG325", ("kafka", "config", "num.partitons"), "is not a Kafka broker config (known to 3.9); did you mean num.partitions?"),
      ("DSG325", ("kafka", "topics", "user-events", "config", "cleanup.policy"), "'remove' is not one of compact, delete")]),
    ({"kafka": {"users": {"ecotrack-payment-producer": None}}},
     [("DSG313", ("kafka", "topics", "payment-events"), "no user but a super user may write to this topic: give its producer a KafkaUser with Write on it (super users bypass every ACL, so they are not for applications)")]),
    ({"kafka": {"users": {"ecotrack-payment-producer": {"acls": [{"resource": {"type": "topic", "name": "payment-", "patternType": "prefix"}, "operations": ["All"]}]}}}},
     []),
    ({"kafka": {"config": {"ssl.cipher.suites": "x", "ssl.keystore.type": "PKCS12"}}},
     [("DSG203", ("kafka", "config", "ssl.keystore.type"), "Strimzi manages options starting with 'ssl.' and ignores this one")]),
    ({"kafka": {"config": {"inter.broker.protocol.version": "3.6"}}},
     [("DSG307", ("kafka", "config", "inter.broker.protocol.version"), "is a ZooKeeper-mode setting: KRaft clusters set kafka.metadataVersion instead")]),
    ({"kafka": {"version": "3.9.0"}},
     [("DSG322", [("kafka", "version"), ("operators", "strimzi")], "Strimzi 0.49.1 runs Kafka 4.0.0, 4.0.1, 4.1.0, 4.1.1; not 3.9.0")]),
    ({"kafka": {"version": "4.9.9"}},
     [("DSG322", [("kafka", "version"), ("operators", "strimzi")], "Strimzi 0.49.1 runs Kafka 4.0.0, 4.0.1, 4.1.0, 4.1.1; not 4.9.9")]),
    ({"kafka": {"config": {"transaction.state.log.min.isr": 4}}},
     [("DSG308", ("kafka", "config", "transaction.state.log.min.isr"), "4 is more than transaction.state.log.replication.factor 3")]),
    ({"kafka": {"users": {"ecotrack-consumer": {"acls": [{"resource": {"type": "topic", "name": "nope"}, "operations": ["Read"]}]}}}},
     [("DSG104", ("kafka", "users", "ecotrack-consumer", "acls", 0, "resource", "name"), "names topic 'nope', which no KafkaTopic defines; use patternType: prefix for a family of topics")]),
    ({"kafka": {"users": {"ecotrack-consumer": {"acls": [{"resource": {"type": "topic", "name": "audit-", "patternType": "prefix"}, "operations": ["Read"]}]}}}},
     [("DSG104", ("kafka", "users", "ecotrack-consumer", "acls", 0, "resource", "name"), "prefix 'audit-' matches no KafkaTopic")]),
    ({"kafka": {"listeners": [{"name": "plain", "port": 9092}, {"name": "plain", "port": 9092}]}},
     [("DSG309", ("kafka", "listeners", 1, "name"), "listener name 'plain' is used twice"),
      ("DSG309", ("kafka", "listeners", 1, "port"), "port 9092 is used twice")]),
    ({"kafka": {"topics": {"user-events": {"config": {"min.insync.replicas": 4}}}}},
     [("DSG308", ("kafka", "topics", "user-events", "config", "min.insync.replicas"), "min.insync.replicas 4 is more than the topic's 3 replicas")]),
    ({"kafka": {"access": {"namespaces": []}}},
     [("DSG309", ("kafka", "access", "namespaces"), "is empty, and a listener without peers is open to every namespace (Strimzi writes the brokers' NetworkPolicy itself): name the namespaces whose pods may connect")]),
    ({"kafka": {"access": {"namespaces": []}}, "network": {"isolate": False}},
     []),
    ({"kafka": {"access": {"requireTls": True}}},
     [("DSG309", ("kafka", "listeners", 0, "tls"), "listener 'plain' has no TLS, and kafka.access.requireTls refuses connections without it: set tls: true or remove the listener")]),
    ({"kafka": {"backup": {**BACKUP, "listener": "external"}}},
     [("DSG337", ("kafka", "backup", "listener"), "names no listener of the cluster (listeners: plain, tls): name one of them")]),
    ({"kafka": {"backup": BACKUP, "listeners": [{"name": "plain", "port": 9092}, {"name": "mtls", "port": 9094, "tls": True, "authentication": "tls"}]}},
     [("DSG337", ("kafka", "backup"), "connects through listener 'mtls', which authenticates with client certificates; the backup job signs in with SCRAM: name a listener with authentication scram-sha-512")]),
    ({"kafka": {"backup": {**BACKUP, "listener": "plain"}, "listeners": [{"name": "plain", "port": 9092, "authentication": "none"}, {"name": "tls", "port": 9093, "tls": True}]}},
     [("DSG337", ("kafka", "backup", "listener"), "connects through listener 'plain', which does not authenticate, and the authorizer refuses an anonymous client: name a listener with authentication scram-sha-512")]),
    ({"kafka": {"backup": BACKUP, "users": {"kafka-cluster-backup": {"acls": []}}}},
     [("DSG337", ("kafka", "users", "kafka-cluster-backup"), "is the name of the KafkaUser dsgen makes for kafka.backup: give this user another name")]),
    ({"kafka": {"brokers": {"storage": {"size": None}}}},
     [("DSG310", ("kafka", "brokers", "storage", "size"), "persistent-claim storage needs a size")]),
]


@pytest.mark.parametrize("change,expected", CASES)
def test_rule(change, expected):
    assert findings(change) == expected


def test_rules_between_keys_name_every_key_involved():
    [(rule, paths, message)] = findings({"kafka": {"config": {"min.insync.replicas": 3}}})
    assert rule == "DSG308"
    assert paths == [("kafka", "config", "min.insync.replicas"), ("kafka", "config", "default.replication.factor")]
    assert message == "3 must be below default.replication.factor 3, or one broker down stops all writes"
    [(_, paths, message)] = findings({"kafka": {"brokers": {"replicas": 2}}})[:1]
    assert ("kafka", "brokers", "replicas") in paths


def test_zookeeper_on_old_strimzi_is_allowed_only_with_its_section():
    change = {"kafka": {"mode": "zookeeper", "version": "3.6.0"}}
    assert findings(change, {"strimzi": "0.41.0"}) == [
        ("DSG307", ("kafka", "mode"), "ZooKeeper mode needs a kafka.zookeeper section")]


def test_zookeeper_on_current_strimzi_names_the_twin_rule():
    change = {"kafka": {"mode": "zookeeper", "version": "3.6.0", "zookeeper": {"storage": {"size": "1Gi"}}}}
    assert ("DSG205", ("kafka", "mode"),
            "Strimzi 0.49.1 has no ZooKeeper support (removed in 0.46); use KRaft (mode: kraft)") in findings(change)


@pytest.mark.parametrize("key, pinned, managed", [
    ("broker.session.timeout.ms", "0.49.1", False),  # an exception from 0.48 on
    ("broker.session.timeout.ms", "0.45.2", True),
    ("prometheus.metrics.reporter.listener", "0.49.1", True),  # forbidden from 0.47 on
    ("prometheus.metrics.reporter.listener", "0.46.0", False),
    ("cordoned.log.dirs", "1.2.0", True), ("cordoned.log.dirs", "1.1.0", False),
    ("controller.quorum.fetch.timeout.ms", "0.41.0", False), ("controller.listener.names", "0.41.0", True),
])
def test_the_options_strimzi_manages_follow_the_pinned_release(key, pinned, managed):
    from dsgen.components.kafka.rules import kafka_config_problem

    assert (kafka_config_problem(key, pinned) is not None) == managed


def test_zookeeper_options_are_read_while_strimzi_has_zookeeper():
    from dsgen.components.kafka.rules import zookeeper_config_problem

    assert zookeeper_config_problem("dataDir", "0.45.2") == (
        "Strimzi manages ZooKeeper options starting with 'dataDir' and ignores this one")
    assert zookeeper_config_problem("ssl.protocol", "0.45.2") is None
