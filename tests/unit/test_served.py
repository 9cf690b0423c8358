"""Served API versions per operator release, from the operators' CRD manifests."""

from __future__ import annotations

import pytest

from dsgen import registry, rules
from dsgen.operators import served


@pytest.mark.parametrize("group, kind, pins, expected", [
    ("postgresql.cnpg.io", "Cluster", {"cloudnativepg": "1.29.0"}, ("CloudNativePG", "1.29.2", ["v1"])),
    ("postgresql.cnpg.io", "Cluster", {"cloudnativepg": "1.30.1"}, ("CloudNativePG", "1.30.0", ["v1"])),
    ("external-secrets.io", "ExternalSecret", {}, ("External Secrets", "2.9.0", ["v1"])),
    ("kafka.strimzi.io", "Kafka", {"strimzi": "0.49.1"}, ("Strimzi", "0.49.1", ["v1", "v1beta2"])),
    ("kafka.strimzi.io", "Kafka", {"strimzi": "0.47.0"}, ("Strimzi", "0.45.2", ["v1beta2"])),
    ("kafka.strimzi.io", "Kafka", {"strimzi": "1.2.0"}, ("Strimzi", "1.2.0", ["v1"])),
    ("databases.spotahome.com", "RedisCluster", {"redisOperator": "1.2.4"}, ("the redis-operator", "1.3.0-rc1", None)),
    ("example.com", "Thing", {}, None),
])
def test_lookup_picks_the_release_and_its_served_versions(group, kind, pins, expected):
    found = served.lookup(group, kind, pins)
    if found is not None and found[2] is not None:
        found = (found[0], found[1], sorted(found[2]))
    assert found == expected


def _findings(doc, pins=None):
    overlay = rules.Overlay([doc], pins or {})
    return [(rule.id, path, message) for rule, _, path, message in registry.run_manifest(overlay)
            if rule.id == "DSG107"]


def test_a_version_the_operator_no_longer_serves_is_refused():
    doc = {"apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret", "metadata": {"name": "x"}}
    assert _findings(doc) == [("DSG107", "/apiVersion", "external-secrets.io/v1beta1 is not served by External "
                                                         "Secrets 2.9.0 for ExternalSecret; it serves v1")]


def test_a_kind_the_operator_does_not_define_is_refused():
    doc = {"apiVersion": "databases.spotahome.com/v1", "kind": "RedisCluster", "metadata": {"name": "x"}}
    assert _findings(doc, {"redisOperator": "1.2.4"}) == [
        ("DSG107", "/kind", "the redis-operator 1.3.0-rc1 defines no RedisCluster in databases.spotahome.com")]


def test_strimzi_is_left_to_its_exact_release_table():
    doc = {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka", "metadata": {"name": "k"}}
    assert _findings(doc, {"strimzi": "1.2.0"}) == []


def test_the_table_is_what_the_script_reads_from_the_crd_manifests():
    import importlib.util
    import json
    from importlib import resources

    from tests.conftest import ROOT, SHARED_CRDS, _missing

    manifests = SHARED_CRDS.parent / "apiserver" / "crds"
    if not manifests.is_dir():
        _missing("../shared/apiserver/crds", f"no CRD manifests under {manifests}")
    spec = importlib.util.spec_from_file_location("served_versions", ROOT / "scripts" / "served_versions.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shipped = json.loads(resources.files("dsgen").joinpath("operators", "data", "served.json").read_text())
    assert script.build(manifests) == shipped
