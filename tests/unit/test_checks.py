"""Cross-field rules, each asserted on the exact key and message."""

from __future__ import annotations

import pytest

from dsgen import checks
from dsgen.models import Profile
from dsgen.profiles import ProfileStore, _deep_merge
from tests.conftest import PROFILES

BASE = ProfileStore(PROFILES).load("base").profile.model_dump(exclude_none=True)


def findings(change: dict, operators: dict | None = None) -> list[tuple]:
    data = _deep_merge(BASE, change)
    if operators:
        data["operators"] = {**data["operators"], **operators}
    return [(path, message) for path, message in checks.check(Profile.model_validate(data))]


def test_bundled_base_is_clean():
    assert findings({}) == []


CASES = [
    ({"postgres": {"parameters": {"archive_command": "x"}}},
     [(("postgres", "parameters", "archive_command"), "is managed by CloudNativePG and cannot be set (fixed parameter)")]),
    ({"postgres": {"parameters": {"shared_buffers": "2GB"}}},
     [(("postgres", "parameters", "shared_buffers"), "2GB is not below the memory limit 2Gi; PostgreSQL would be killed for running out of memory")]),
    ({"postgres": {"parameters": {"shared_buffers": "lots"}}},
     [(("postgres", "parameters", "shared_buffers"), "'lots' is not a PostgreSQL memory size (e.g. 256MB; units kB, MB, GB, TB)")]),
    ({"postgres": {"resources": {"requests": {"cpu": "2"}}}},
     [(("postgres", "resources", "requests", "cpu"), "request 2 is above the limit 1000m")]),
    ({"postgres": {"poolers": {"postgres-cluster-pooler-rw": {"parameters": {"max_client_conn": "10"}}}}},
     [(("postgres", "poolers", "postgres-cluster-pooler-rw", "parameters", "max_client_conn"), "max_client_conn 10 is below default_pool_size 25")]),
    ({"postgres": {"poolers": {"postgres-cluster-pooler-rw": {"parameters": {"listen_port": "1"}}}}},
     [(("postgres", "poolers", "postgres-cluster-pooler-rw", "parameters", "listen_port"), "is not a PgBouncer parameter CloudNativePG accepts (invalid or reserved)")]),
    ({"redis": {"redis": {"config": {"requirepass": "x"}}}},
     [(("redis", "redis", "config", "requirepass"), "is managed by the redis-operator and cannot be set")]),
    ({"redis": {"sentinel": {"replicas": 2}}},
     [(("redis", "sentinel", "replicas"), "2 sentinels cannot elect a new master safely; use at least 3")]),
    ({"kafka": {"config": {"ssl.cipher.suites": "x", "ssl.keystore.type": "PKCS12"}}},
     [(("kafka", "config", "ssl.keystore.type"), "Strimzi manages options starting with 'ssl.' and would ignore this one")]),
    ({"kafka": {"config": {"inter.broker.protocol.version": "3.6"}}},
     [(("kafka", "config", "inter.broker.protocol.version"), "is a ZooKeeper-mode setting: KRaft clusters set kafka.metadataVersion instead")]),
    ({"kafka": {"version": "3.9.0"}},
     [(("kafka", "version"), "Kafka 3.9.0 is older than Strimzi 0.49.1 runs (4.0 or newer)")]),
    ({"kafka": {"config": {"transaction.state.log.min.isr": 4}}},
     [(("kafka", "config", "transaction.state.log.min.isr"), "4 is more than transaction.state.log.replication.factor 3")]),
    ({"kafka": {"users": {"ecotrack-producer": {"acls": [{"resource": {"type": "topic", "name": "nope"}, "operations": ["Read"]}]}}}},
     [(("kafka", "users", "ecotrack-producer", "acls", 0, "resource", "name"), "names no topic of kafka.topics; use patternType: prefix for a family of topics")]),
    ({"kafka": {"listeners": [{"name": "plain", "port": 9092}, {"name": "plain", "port": 9092}]}},
     [(("kafka", "listeners", 1, "name"), "listener name 'plain' is used twice"),
      (("kafka", "listeners", 1, "port"), "port 9092 is used twice")]),
    ({"kafka": {"topics": {"user-events": {"config": {"min.insync.replicas": 4}}}}},
     [(("kafka", "topics", "user-events", "config", "min.insync.replicas"), "min.insync.replicas 4 is more than the topic's 3 replicas")]),
]


@pytest.mark.parametrize("change,expected", CASES)
def test_rule(change, expected):
    assert findings(change) == expected


def test_rules_between_keys_name_every_key_involved():
    [(paths, message)] = findings({"kafka": {"config": {"min.insync.replicas": 3}}})
    assert paths == [("kafka", "config", "min.insync.replicas"), ("kafka", "config", "default.replication.factor")]
    assert message == "3 must be below default.replication.factor 3, or one broker down stops all writes"
    [(paths, message)] = findings({"kafka": {"brokers": {"replicas": 2}}})[:1]
    assert ("kafka", "brokers", "replicas") in paths


def test_poolers_on_the_same_instances_add_up():
    """Two rw poolers of 2 x 30 fit alone in max_connections 100 - 3, not together;
    an ro pooler lands on the replicas and does not count against the primary."""
    change = {"postgres": {"parameters": {"max_connections": "100"}, "poolers": {
        "postgres-cluster-pooler-rw": {"instances": 2},
        "second-rw": {"type": "rw", "instances": 2, "parameters": {"default_pool_size": "25", "reserve_pool_size": "5"}},
        "reporting-ro": {"type": "ro", "instances": 3, "parameters": {"default_pool_size": "25", "reserve_pool_size": "5"}},
    }}}
    [(paths, message)] = findings(change)
    assert message == (
        "poolers open up to 120 server connections to the primary (postgres-cluster-pooler-rw 60 + "
        "second-rw 60: instances x (default_pool_size + reserve_pool_size)), more than max_connections "
        "100 minus 3 reserved = 97")
    assert ("postgres", "poolers", "second-rw", "instances") in paths


def test_reserved_connections_must_be_a_number():
    assert findings({"postgres": {"parameters": {"superuser_reserved_connections": "few"}}}) == [
        (("postgres", "parameters", "superuser_reserved_connections"), "'few' is not a whole number")]


def test_zookeeper_on_old_strimzi_is_allowed_only_with_its_section():
    change = {"kafka": {"mode": "zookeeper", "version": "3.6.0"}}
    assert findings(change, {"strimzi": "0.41.0"}) == [
        (("kafka", "mode"), "ZooKeeper mode needs a kafka.zookeeper section")]
