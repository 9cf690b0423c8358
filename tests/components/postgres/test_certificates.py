"""postgres.certificates: server certificates from cert-manager instead of
CloudNativePG's own CA."""

from __future__ import annotations

import pytest

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from dsgen.rules import Overlay
from dsgen.validate.api import validate_overlay
from dsgen.validate.results import Status
from dsgen.validate.schemas import SchemaStore
from tests.conftest import CATALOG, EXAMPLE


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list[dict]:
    profiles = tmp_path_factory.mktemp("profiles")
    for path in EXAMPLE.glob("*.yaml"):
        (profiles / path.name).write_text(path.read_text())
    (profiles / "issued.yaml").write_text(
        "extends: prod\npostgres:\n  certificates:\n    issuer: data-ca\n    issuerKind: ClusterIssuer\n"
        "    dnsNames: [postgres.example.internal]\n")
    return [r.doc for r in pipeline.render_env(ProfileStore(profiles), "issued").resources]


def _one(docs: list[dict], kind: str, name: str | None = None) -> dict:
    [doc] = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    return doc


def test_the_certificate_covers_every_service_clients_use(docs):
    spec = _one(docs, "Certificate", "postgres-cluster-server-tls")["spec"]
    services = ["postgres-cluster-rw", "postgres-cluster-r", "postgres-cluster-ro",
                "postgres-cluster-pooler-rw", "postgres-cluster-pooler-ro"]
    assert spec["dnsNames"] == [form for s in services for form in (s, f"{s}.data", f"{s}.data.svc")] + [
        "postgres.example.internal"]
    assert spec["issuerRef"] == {"name": "data-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    assert spec["secretName"] == "postgres-cluster-server-tls"
    assert spec["secretTemplate"] == {"labels": {"cnpg.io/reload": ""}}  # instances reload a renewed one
    assert spec["usages"] == ["server auth"]


def test_the_cluster_serves_it_and_the_applications_trust_its_ca(docs):
    assert _one(docs, "Cluster")["spec"]["certificates"] == {
        "serverTLSSecret": "postgres-cluster-server-tls", "serverCASecret": "postgres-cluster-server-tls"}
    copy = _one(docs, "ExternalSecret", "postgres-cluster-server-tls")
    assert copy["metadata"]["namespace"] == "ecotrack"
    # through the data namespace's copy of ca.crt alone: the Secret also holds the server's key
    assert copy["spec"]["data"] == [{"secretKey": "ca.crt", "remoteRef": {"key": "postgres-cluster-server-tls-crt",
                                                                          "property": "ca.crt"}}]


def test_the_tree_is_strictly_valid_and_the_certificate_makes_its_secret(docs):
    results = validate_overlay(Overlay(docs), "issued", SchemaStore([str(CATALOG)], "1.34"), "builtin")
    assert [(r.rule, r.path, r.message) for r in results if r.status is not Status.VALID] == []
    without = [d for d in docs if d["metadata"]["name"] != "postgres-cluster-server-tls" or d["kind"] != "Certificate"]
    results = validate_overlay(Overlay(without), "issued", SchemaStore([str(CATALOG)], "1.34"), "builtin")
    assert sorted({(r.rule, r.path) for r in results if r.status is Status.INVALID}) == [
        ("DSG105", "/spec/certificates/serverCASecret"), ("DSG105", "/spec/certificates/serverTLSSecret")]
