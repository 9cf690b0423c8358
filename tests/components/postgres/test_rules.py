"""PostgreSQL profile rules, through the components' one harness: each case
asserts the rule id, the exact key and the whole message."""

from __future__ import annotations

import pytest

from tests.components.harness import findings

CASES = [
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
]


@pytest.mark.parametrize("change,expected", CASES)
def test_rule(change, expected):
    assert findings(change) == expected


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


def test_a_disabled_section_is_not_checked():
    assert findings({"postgres": {"enabled": False, "parameters": {"port": "1"}}}) == []
