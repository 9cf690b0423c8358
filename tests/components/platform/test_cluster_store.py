"""secrets.openbao.storeKind: ClusterSecretStore renders one store for the
cluster, limited to the namespaces that get credentials, logging in as the
data namespace's service account; generators keep a login of their own."""

from __future__ import annotations

import pytest

from dsgen import pipeline, registry
from dsgen.platform import openbao
from dsgen.profiles import ProfileStore
from dsgen.rules import Overlay
from dsgen.validate.api import validate_overlay
from dsgen.validate.results import Status
from dsgen.validate.schemas import SchemaStore
from tests.conftest import CATALOG, EXAMPLE


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    profiles = tmp_path_factory.mktemp("profiles")
    for path in EXAMPLE.glob("*.yaml"):
        (profiles / path.name).write_text(path.read_text())
    (profiles / "shared.yaml").write_text("extends: prod\nsecrets:\n  openbao:\n    storeKind: ClusterSecretStore\n")
    result = pipeline.render_env(ProfileStore(profiles), "shared")
    return result, [r.doc for r in result.resources]


def _of(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def test_one_cluster_store_for_the_namespaces_that_get_credentials(rendered):
    _, docs = rendered
    # the only SecretStore left is the one copying the services' CA certificates
    assert {d["metadata"]["name"] for d in _of(docs, "SecretStore")} == {"data-services-ca"}
    [store] = _of(docs, "ClusterSecretStore")
    assert "namespace" not in store["metadata"]
    assert store["spec"]["conditions"] == [{"namespaces": ["data", "ecotrack"]}]
    assert store["spec"]["provider"]["vault"]["auth"]["kubernetes"] == {
        "mountPath": "kubernetes", "role": "ecotrack-shared",
        "serviceAccountRef": {"name": "openbao-secret-reader", "namespace": "data"}}
    kinds = {(d["metadata"]["namespace"], d["spec"]["secretStoreRef"]["kind"]) for d in _of(docs, "ExternalSecret")
             if d["spec"].get("secretStoreRef", {}).get("name") == "openbao-secret-store"}
    assert kinds == {("data", "ClusterSecretStore"), ("ecotrack", "ClusterSecretStore")}


def test_the_generator_keeps_its_own_namespaces_login(rendered):
    _, docs = rendered
    [generator] = _of(docs, "VaultDynamicSecret")
    assert generator["metadata"]["namespace"] == "ecotrack"
    assert generator["spec"]["provider"]["auth"]["kubernetes"]["serviceAccountRef"] == {"name": "openbao-secret-reader"}
    assert sorted((d["metadata"].get("namespace"), d["metadata"]["name"]) for d in _of(docs, "ServiceAccount")
                  if d["metadata"]["name"] == "openbao-secret-reader") == [
        ("data", "openbao-secret-reader"), ("ecotrack", "openbao-secret-reader")]


def test_the_data_role_reads_every_namespaces_credentials_and_the_other_only_its_engine(rendered):
    result, _ = rendered
    files = openbao.files(result.loaded.profile, "shared", [], registry.sections(result.loaded.profile))
    data = files["openbao/shared/data/policy.hcl"]
    assert 'path "secret/data/kafka/users"' in data and 'path "secret/data/redis/auth"' in data
    assert "of every namespace (through the ClusterSecretStore)" in data
    assert "database/creds" not in data
    ecotrack = files["openbao/shared/ecotrack/policy.hcl"]
    assert [line for line in ecotrack.splitlines() if line.startswith("path")] == [
        'path "database/creds/ecotrack-app" {']


def test_the_tree_is_strictly_valid(rendered):
    _, docs = rendered
    results = validate_overlay(Overlay(docs), "shared", SchemaStore([str(CATALOG)], "1.34"), "builtin")
    assert [(r.rule, r.path, r.message) for r in results if r.status is not Status.VALID] == []
