"""Every component's profile rules through one harness, each asserted on the
rule id, the exact key and the whole message."""

from __future__ import annotations

import pytest

from tests.components.harness import findings


def test_bundled_base_is_clean():
    assert findings({}) == []


CASES = [
    # postgres
    ({"postgres": {"parameters": {"archive_command": "x"}}},
     [("DSG201", ("postgres", "parameters", "archive_command"), "is managed by CloudNativePG and cannot be set (fixed parameter)")]),
    ({"postgres": {"parameters": {"listen_addresses": "*"}}},
     [("DSG201", ("postgres", "parameters", "listen_addresses"), "is blocked by CloudNativePG and cannot be set")]),
    ({"postgres": {"parameters": {"shared_buffers": "2GB"}}},
     [("DSG301", ("postgres", "parameters", "shared_buffers"), "2GB is not below the memory limit 2Gi; PostgreSQL would be killed for running out of memory")]),
    ({"postgres": {"parameters": {"shared_buffers": "lots"}}},
     [("DSG301", ("postgres", "parameters", "shared_buffers"), "'lots' is not a PostgreSQL memory size (e.g. 256MB; units kB, MB, GB, TB)")]),
    ({"postgres": {"resources": {"requests": {"cpu": "2"}}}},
     [("DSG301", ("postgres", "resources", "requests", "cpu"), "request 2 is above the limit 1000m")]),
    ({"postgres": {"poolers": {"postgres-cluster-pooler-rw": {"parameters": {"max_client_conn": "10"}}}}},
     [("DSG303", ("postgres", "poolers", "postgres-cluster-pooler-rw", "parameters", "max_client_conn"), "max_client_conn 10 is below default_pool_size 25")]),
    ({"postgres": {"poolers": {"postgres-cluster-pooler-rw": {"parameters": {"listen_port": "1"}}}}},
     [("DSG202", ("postgres", "poolers", "postgres-cluster-pooler-rw", "parameters", "listen_port"), "is not a PgBouncer parameter CloudNativePG accepts (invalid or reserved)")]),
    ({"postgres": {"poolers": {"postgres-cluster": {"type": "rw", "instances": 1}}}},
     [("DSG101", ("postgres", "poolers", "postgres-cluster"), "a Pooler cannot have the name of a Cluster in its namespace")]),
    ({"postgres": {"backup": {"s3": {"credentialsSecret": None}}}},
     [("DSG302", ("postgres", "backup", "s3"), "needs credentialsSecret or inheritFromIAMRole: true")]),
    # redis
    ({"redis": {"redis": {"config": {"requirepass": "x"}}}},
     [("DSG206", ("redis", "redis", "config", "requirepass"), "is managed by the redis-operator and cannot be set")]),
    ({"redis": {"sentinel": {"replicas": 2}}},
     [("DSG306", ("redis", "sentinel", "replicas"), "2 sentinels cannot elect a new master safely; use at least 3")]),
    ({"redis": {"name": "r" * 49}},
     [("DSG204", ("redis", "name"), "is 49 characters; the redis-operator allows at most 48")]),
    ({"redis": {"sentinel": {"config": {"sentinel-announce-ip": "1.2.3.4"}}}},
     [("DSG304", ("redis", "sentinel", "config", "sentinel-announce-ip"), "is not a sentinel setting the redis-operator can apply; use one of auth-pass, auth-user, client-reconfig-script, down-after-milliseconds, failover-timeout, notification-script, parallel-syncs, quorum")]),
    ({"redis": {"redis": {"config": {"maxmemory": "600mb"}}}},
     [("DSG305", ("redis", "redis", "config", "maxmemory"), "600mb is not below the memory limit 512Mi; Redis would be killed before evicting keys")]),
    # kafka
    ({"kafka": {"config": {"ssl.cipher.suites": "x", "ssl.keystore.type": "PKCS12"}}},
     [("DSG203", ("kafka", "config", "ssl.keystore.type"), "Strimzi manages options starting with 'ssl.' and ignores this one")]),
    ({"kafka": {"config": {"inter.broker.protocol.version": "3.6"}}},
     [("DSG307", ("kafka", "config", "inter.broker.protocol.version"), "is a ZooKeeper-mode setting: KRaft clusters set kafka.metadataVersion instead")]),
    ({"kafka": {"version": "3.9.0"}},
     [("DSG307", ("kafka", "version"), "Kafka 3.9.0 is older than Strimzi 0.49.1 runs (4.0 or newer)")]),
    ({"kafka": {"config": {"transaction.state.log.min.isr": 4}}},
     [("DSG308", ("kafka", "config", "transaction.state.log.min.isr"), "4 is more than transaction.state.log.replication.factor 3")]),
    ({"kafka": {"users": {"ecotrack-producer": {"acls": [{"resource": {"type": "topic", "name": "nope"}, "operations": ["Read"]}]}}}},
     [("DSG104", ("kafka", "users", "ecotrack-producer", "acls", 0, "resource", "name"), "names topic 'nope', which no KafkaTopic defines; use patternType: prefix for a family of topics")]),
    ({"kafka": {"users": {"ecotrack-producer": {"acls": [{"resource": {"type": "topic", "name": "audit-", "patternType": "prefix"}, "operations": ["Read"]}]}}}},
     [("DSG104", ("kafka", "users", "ecotrack-producer", "acls", 0, "resource", "name"), "prefix 'audit-' matches no KafkaTopic")]),
    ({"kafka": {"listeners": [{"name": "plain", "port": 9092}, {"name": "plain", "port": 9092}]}},
     [("DSG309", ("kafka", "listeners", 1, "name"), "listener name 'plain' is used twice"),
      ("DSG309", ("kafka", "listeners", 1, "port"), "port 9092 is used twice")]),
    ({"kafka": {"topics": {"user-events": {"config": {"min.insync.replicas": 4}}}}},
     [("DSG308", ("kafka", "topics", "user-events", "config", "min.insync.replicas"), "min.insync.replicas 4 is more than the topic's 3 replicas")]),
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


def test_poolers_on_the_same_instances_add_up():
    """Two rw poolers of 2 x 30 fit alone in max_connections 100 - 3, not together;
    an ro pooler lands on the replicas and does not count against the primary."""
    change = {"postgres": {"parameters": {"max_connections": "100"}, "poolers": {
        "postgres-cluster-pooler-rw": {"instances": 2},
        "second-rw": {"type": "rw", "instances": 2, "parameters": {"default_pool_size": "25", "reserve_pool_size": "5"}},
        "reporting-ro": {"type": "ro", "instances": 3, "parameters": {"default_pool_size": "25", "reserve_pool_size": "5"}},
    }}}
    [(rule, paths, message)] = findings(change)
    assert rule == "DSG303"
    assert message == (
        "poolers open up to 120 server connections to the primary (postgres-cluster-pooler-rw 60 + "
        "second-rw 60: instances x (default_pool_size + reserve_pool_size)), more than max_connections "
        "100 minus 3 reserved = 97")
    assert ("postgres", "poolers", "second-rw", "instances") in paths


def test_reserved_connections_must_be_a_number():
    assert findings({"postgres": {"parameters": {"superuser_reserved_connections": "few"}}}) == [
        ("DSG303", ("postgres", "parameters", "superuser_reserved_connections"), "'few' is not a whole number")]


def test_zookeeper_on_old_strimzi_is_allowed_only_with_its_section():
    change = {"kafka": {"mode": "zookeeper", "version": "3.6.0"}}
    assert findings(change, {"strimzi": "0.41.0"}) == [
        ("DSG307", ("kafka", "mode"), "ZooKeeper mode needs a kafka.zookeeper section")]


def test_zookeeper_on_current_strimzi_names_the_twin_rule():
    change = {"kafka": {"mode": "zookeeper", "version": "3.6.0", "zookeeper": {"storage": {"size": "1Gi"}}}}
    assert ("DSG205", ("kafka", "mode"),
            "Strimzi 0.49.1 has no ZooKeeper support (removed in 0.46); use KRaft (mode: kraft)") in findings(change)


def test_a_disabled_section_is_not_checked():
    assert findings({"postgres": {"enabled": False, "parameters": {"port": "1"}}}) == []
