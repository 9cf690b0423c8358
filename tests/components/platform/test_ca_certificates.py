"""secrets.caCertificatesTo: the services' CA certificates (ca.crt alone)
copied into the applications' namespaces by a store that may get only those."""

from __future__ import annotations

import pytest

from dsgen import pipeline
from dsgen.components import COMPONENTS
from dsgen.profiles import ProfileStore
from dsgen.rules import GroupKind
from tests.components.harness import findings
from tests.conftest import EXAMPLE

CAS = ["kafka-cluster-cluster-ca-cert", "postgres-cluster-ca"]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]


def _of(docs: list[dict], kind: str, namespace: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and d["metadata"].get("namespace") == namespace]


def test_only_ca_crt_is_copied_from_the_data_namespace(docs):
    copies = [d for d in _of(docs, "ExternalSecret", "ecotrack")
              if d["spec"].get("secretStoreRef", {}).get("name") == "data-services-ca"]
    assert sorted(d["metadata"]["name"] for d in copies) == CAS
    for copy in copies:
        assert copy["spec"]["data"] == [{"secretKey": "ca.crt", "remoteRef": {
            "key": copy["metadata"]["name"], "property": "ca.crt"}}]
    [store] = [d for d in _of(docs, "SecretStore", "ecotrack") if d["metadata"]["name"] == "data-services-ca"]
    assert store["spec"]["provider"]["kubernetes"]["remoteNamespace"] == "data"
    assert store["spec"]["provider"]["kubernetes"]["auth"] == {"serviceAccount": {"name": "ca-certificate-reader"}}


def test_the_reader_may_get_those_secrets_and_nothing_else(docs):
    [role] = _of(docs, "Role", "data")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": CAS}]
    [binding] = _of(docs, "RoleBinding", "data")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "ca-certificate-reader", "namespace": "ecotrack"}]


def test_the_names_are_secrets_the_operators_write(docs):
    produced = set()
    for doc in docs:
        group = doc["apiVersion"].rsplit("/", 1)[0] if "/" in doc["apiVersion"] else ""
        kind: GroupKind = (group, doc["kind"])
        for component in COMPONENTS.values():
            if component.produced_secrets:
                produced.update(component.produced_secrets(kind, doc))
    assert set(CAS) <= produced


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
