"""PostgreSQL profile rules, through the components' one harness: each case
asserts the rule id, the exact key and the whole message."""

from __future__ import annotations

import pytest

from tests.components.harness import findings

CASES = [
    ({"postgres": {"roles": {"pg_monitor_me": {}, "streaming_replica": {}}},
      "secrets": {"credentials": {"postgres-cluster-pg-monitor-me": {"path": "x"},
                                  "postgres-cluster-streaming-replica": {"path": "y"}}}},
     [("DSG328", ("postgres", "roles", "pg_monitor_me"), "is reserved for PostgreSQL or the operator: CloudNativePG's webhook refuses it; pick another name"),
      ("DSG328", ("postgres", "roles", "streaming_replica"), "is reserved for PostgreSQL or the operator: CloudNativePG's webhook refuses it; pick another name")]),
    ({"operators": {"cloudnativepg": "1.24.1"}},
     [("DSG202", [("postgres", "access", "requireTls"), ("operators", "cloudnativepg")], "CloudNativePG 1.24.1 does not let a Pooler set client_tls_sslmode (1.25 does), so its poolers would take clients without TLS: pin 1.25 or newer, or drop the poolers")]),
    ({"operators": {"cloudnativepg": "1.24.1"}, "postgres": {"access": {"requireTls": False}}},
     []),
    ({"postgres": {"parameters": {"wal_level": "minimal"}}},
     [("DSG328", ("postgres", "parameters", "wal_level"), "must be logical or replica: CloudNativePG refuses minimal when archive_mode is on, there is more than one instance, or the cluster is a replica"),
      ("DSG328", ("postgres", "parameters", "max_wal_senders"), "must be 0 with wal_level minimal (CloudNativePG's webhook)")]),
    ({"postgres": {"imageName": "ghcr.io/cloudnative-pg/postgresql:18.6-minimal-trixie"}},
     [("DSG318", [("postgres", "imageName"), ("postgres", "bootstrap", "locale")], "ghcr.io/cloudnative-pg/postgresql:18.6-minimal-trixie is a minimal image, which has no en_US.UTF-8 locale for initdb: use the -standard- image of the same version")]),
    ({"postgres": {"imageName": "ghcr.io/cloudnative-pg/postgresql:latest"}},
     [("DSG318", [("postgres", "imageName"), ("postgres", "bootstrap", "locale")], "ghcr.io/cloudnative-pg/postgresql:latest is not pinned to a version: pin a tag such as 18.6-standard-trixie")]),
    ({"postgres": {"synchronous": {"number": 3}}},
     [("DSG319", [("postgres", "synchronous", "number"), ("postgres", "instances")], "3 synchronous standbys need at least 4 instances (the primary and 3 standbys); the cluster has 3")]),
    ({"postgres": {"storage": {"size": "10Gi"}}},
     [("DSG312", [("postgres", "parameters", "max_wal_size"), ("postgres", "storage", "size")], "max_wal_size 4GB is more than a quarter of the data volume, which also holds the WAL (10Gi); WAL outgrows max_wal_size while archiving lags and a full volume stops PostgreSQL: lower it or give walStorage")]),
    ({"postgres": {"storage": {"size": "10Gi"}, "walStorage": {"size": "8Gi"}}},
     [("DSG312", [("postgres", "parameters", "max_wal_size"), ("postgres", "walStorage", "size")], "max_wal_size 4GB is more than a quarter of the WAL volume (8Gi); WAL outgrows max_wal_size while archiving lags and a full volume stops PostgreSQL: lower it or give walStorage")]),
    ({"postgres": {"parameters": {"min_wal_size": "4GB"}}},
     [("DSG312", [("postgres", "parameters", "min_wal_size"), ("postgres", "storage", "size")], "min_wal_size 4GB is not below max_wal_size 4GB")]),
    ({"postgres": {"instances": 1, "enablePDB": True}},
     [("DSG314", ("postgres", "enablePDB"), "with one instance the PodDisruptionBudget (minAvailable 1 of the primary) makes the only pod unevictable and blocks every node drain; set enablePDB: false")]),
    ({"postgres": {"instances": 1, "poolers": {"reports-ro": {"type": "ro", "instances": 1}}}},
     [("DSG315", [("postgres", "poolers", "reports-ro", "type"), ("postgres", "instances")], "a read-only (ro) pooler reaches replicas only, and a one-instance cluster has none")]),
    ({"postgres": {"parameters": {"archive_command": "x"}}},
     [("DSG201", ("postgres", "parameters", "archive_command"), "is managed by CloudNativePG and cannot be set (fixed parameter)")]),
    ({"postgres": {"parameters": {"listen_addresses": "*"}}},
     [("DSG201", ("postgres", "parameters", "listen_addresses"), "is blocked by CloudNativePG and cannot be set")]),
    ({"postgres": {"parameters": {"shared_buffers": "2GB"}}},
     [("DSG301", [("postgres", "parameters", "shared_buffers"), ("postgres", "resources", "limits", "memory")], "2GB is not below the memory limit 2Gi; PostgreSQL would be killed for running out of memory")]),
    ({"postgres": {"parameters": {"shared_buffers": "lots"}}},
     [("DSG323", ("postgres", "parameters", "shared_buffers"), "'lots' is not an integer (a bare number is in 8kB)")]),
    ({"postgres": {"parameters": {"shared_bufers": "128MB"}}},
     [("DSG323", ("postgres", "parameters", "shared_bufers"), "is not a PostgreSQL parameter (known to 15); did you mean shared_buffers?")]),
    ({"postgres": {"imageName": "ghcr.io/cloudnative-pg/postgresql:15.14-standard-bookworm", "parameters": {"io_method": "worker"}}},
     [("DSG323", ("postgres", "parameters", "io_method"), "is not a PostgreSQL 15 parameter")]),
    ({"postgres": {"parameters": {"wal_level": "none", "random_page_cost": "fast", "checkpoint_completion_target": "1.5"}}},
     [("DSG323", ("postgres", "parameters", "checkpoint_completion_target"), "'1.5' is outside 0..1"),
      ("DSG323", ("postgres", "parameters", "random_page_cost"), "'fast' is not a number"),
      ("DSG323", ("postgres", "parameters", "wal_level"), "'none' is not one of minimal, replica, logical")]),
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
        ("DSG323", ("postgres", "parameters", "superuser_reserved_connections"), "'few' is not an integer")]


def test_a_disabled_section_is_not_checked():
    assert findings({"postgres": {"enabled": False, "parameters": {"port": "1"}}}) == []


def test_one_instance_turns_the_pdb_off_by_itself():
    assert findings({"postgres": {"instances": 1}}) == []


def test_walstorage_carries_the_wal():
    assert findings({"postgres": {"storage": {"size": "10Gi"}, "walStorage": {"size": "20Gi"}}}) == []


def test_a_minimal_image_with_the_c_locale_is_fine():
    assert findings({"postgres": {"imageName": "ghcr.io/cloudnative-pg/postgresql:18.6-minimal-trixie",
                                  "bootstrap": {"locale": "C.UTF-8"}}}) == []


@pytest.mark.parametrize("name, pinned, problem", [
    ("huge_pages", "1.29.0", None),  # allowed: not in 1.29's FixedConfigurationParameters
    ("dynamic_shared_memory_type", "1.30.0", None),  # a global default CloudNativePG lets users change
    ("listen_addresses", "1.29.0", "is blocked by CloudNativePG and cannot be set"),
    ("synchronized_standby_slots", "1.29.0", "is managed by CloudNativePG and cannot be set (fixed parameter)"),
    ("synchronized_standby_slots", "1.26.0", None),  # fixed from 1.27 on
])
def test_fixed_and_blocked_parameters_follow_the_pinned_release(name, pinned, problem):
    from dsgen.components.postgres.rules import parameter_problem

    assert parameter_problem(name, pinned) == problem


@pytest.mark.parametrize("name, pinned, allowed", [
    ("client_tls_ciphers", "1.29.0", True), ("server_tls13_ciphers", "1.27.1", True),
    ("client_tls_ciphers", "1.26.0", False), ("auth_type", "1.24.2", False), ("auth_type", "1.25.0", True),
])
def test_pgbouncer_parameters_follow_the_pinned_release(name, pinned, allowed):
    from dsgen.components.postgres.rules import pgbouncer_problem

    assert (pgbouncer_problem(name, pinned) is None) == allowed


def test_every_parameter_table_names_its_tag_and_source_files():
    import json
    from importlib import resources

    table = json.loads(resources.files("dsgen").joinpath("operators", "data", "cloudnativepg.json").read_text())
    for minor, entry in table["releases"].items():
        assert entry["tag"].startswith(f"v{minor}.")
        assert entry["sources"] == {"parameters": "pkg/postgres/configuration.go",
                                    "pooler": "internal/webhook/v1/pooler_webhook.go"}
        assert entry["fixed"] and entry["blocked"] and entry["poolerAllowed"]
