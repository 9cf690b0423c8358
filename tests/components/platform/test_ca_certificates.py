"""secrets.caCertificatesTo: the services' CA certificates (ca.crt alone)
copied into the applications' namespaces by a store that may get only those."""

from __future__ import annotations

import pytest

from dsgen import pipeline
from dsgen.registry import COMPONENTS
from dsgen.profiles import ProfileStore
from dsgen.rules import GroupKind
from tests.components.harness import findings
from tests.conftest import EXAMPLE

CAS = ["kafka-cluster-cluster-ca-cert", "postgres-cluster-ca", "redis-tls"]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]


def _of(docs: list[dict], kind: str, namespace: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and d["metadata"].get("namespace") == namespace]


def _copies(docs: list[dict], namespace: str) -> list[dict]:
    return [d for d in _of(docs, "ExternalSecret", namespace)
            if d["spec"].get("secretStoreRef", {}).get("name") == "data-services-ca"]


def test_ca_crt_alone_is_copied_in_two_steps(docs):
    # in data: each Secret holding a CA (and a private key) -> <Secret>-crt with ca.crt alone
    first = _copies(docs, "data")
    assert sorted(d["metadata"]["name"] for d in first) == [f"{name}-crt" for name in CAS]
    for copy in first:
        assert copy["spec"]["data"] == [{"secretKey": "ca.crt", "remoteRef": {
            "key": copy["metadata"]["name"].removesuffix("-crt"), "property": "ca.crt"}}]
    # in ecotrack: the copies, under the original names
    second = _copies(docs, "ecotrack")
    assert sorted(d["metadata"]["name"] for d in second) == CAS
    for copy in second:
        assert copy["spec"]["data"] == [{"secretKey": "ca.crt", "remoteRef": {
            "key": copy["metadata"]["name"] + "-crt", "property": "ca.crt"}}]
    for namespace in ("data", "ecotrack"):
        [store] = [d for d in _of(docs, "SecretStore", namespace) if d["metadata"]["name"] == "data-services-ca"]
        assert store["spec"]["provider"]["kubernetes"]["remoteNamespace"] == "data"
        assert store["spec"]["provider"]["kubernetes"]["auth"] == {
            "serviceAccount": {"name": "ca-certificate-reader"}}


def test_no_application_namespace_may_read_a_secret_that_holds_a_key(docs):
    roles = {d["metadata"]["name"]: d for d in _of(docs, "Role", "data")}
    bindings = {d["metadata"]["name"]: d for d in _of(docs, "RoleBinding", "data")}
    assert roles["ca-certificate-reader-sources"]["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": CAS}]
    assert bindings["ca-certificate-reader-sources"]["subjects"] == [
        {"kind": "ServiceAccount", "name": "ca-certificate-reader", "namespace": "data"}]
    assert roles["ca-certificate-reader"]["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": [f"{n}-crt" for n in CAS]}]
    assert bindings["ca-certificate-reader"]["subjects"] == [
        {"kind": "ServiceAccount", "name": "ca-certificate-reader", "namespace": "ecotrack"}]


def test_the_names_are_secrets_the_operators_write(docs):
    produced = set()
    for doc in docs:
        group = doc["apiVersion"].rsplit("/", 1)[0] if "/" in doc["apiVersion"] else ""
        kind: GroupKind = (group, doc["kind"])
        for component in COMPONENTS.values():
            if component.produced_secrets:
                produced.update(component.produced_secrets(kind, doc))
    assert set(CAS) - {"redis-tls"} <= produced  # redis-tls is cert-manager's, counted by DSG105


def test_a_kafka_without_tls_listeners_has_no_ca_to_give():
    from dsgen.components.kafka.model import Kafka
    from dsgen.components.kafka.rules import client_ca

    plain = Kafka.model_validate({"version": "4.1.0", "brokers": {"storage": {"type": "ephemeral"}},
                                  "listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": False}]})
    assert list(client_ca(plain)) == []


def test_the_services_own_namespace_is_refused():
    assert [f for f in findings({"secrets": {"caCertificatesTo": ["ecotrack", "data"]}}) if f[0] == "DSG331"] == [
        ("DSG331", ("secrets", "caCertificatesTo", 1), "data is the services' own namespace, where the CA "
         "certificates are already; list the applications' namespaces")]
