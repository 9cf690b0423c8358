"""The tree as a whole: the real kustomize builds every overlay into exactly
the documents of a direct render, every document is valid against
../shared/crds, and the committed out/ matches the bundled profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsgen import pipeline, yamlio
from dsgen.formats import kustomize
from dsgen.profiles import ProfileStore
from dsgen.validate.api import validate_tree
from dsgen.validate.results import Status
from tests.conftest import CATALOG, EXAMPLE, PROFILES, ROOT, STRIMZI_045, ZK_PROFILES

ENVS = ["dev", "staging", "prod"]


def canonical(documents: list[dict]) -> list[str]:
    return sorted(json.dumps(d, sort_keys=True) for d in documents)


def direct_render(profiles: Path, env: str) -> list[dict]:
    store = ProfileStore(profiles)
    return [r.doc for r in pipeline.render_env(store, env).resources]


def render_into(profiles: Path, out: Path) -> Path:
    result = pipeline.render(profiles, out, all_envs=True)
    pipeline.write(out, result)
    return out


def build(out: Path, env: str) -> list[dict]:
    return yamlio.load_documents(kustomize.build(out / "overlays" / env), env)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return render_into(PROFILES, tmp_path_factory.mktemp("bundled") / "out")


@pytest.fixture(scope="module")
def zk_tree(tmp_path_factory) -> Path:
    return render_into(ZK_PROFILES, tmp_path_factory.mktemp("zookeeper") / "out")


def read_back(out: Path, env: str) -> list[dict]:
    """The format's in-process reading of an overlay (what render compares against)."""
    from dsgen.formats import get

    return get("kustomize").documents(out, env)


@pytest.mark.parametrize("env", ENVS)
def test_overlay_builds_to_the_direct_render(tree, kubectl, env):
    assert canonical(build(tree, env)) == canonical(direct_render(PROFILES, env))
    assert canonical(read_back(tree, env)) == canonical(build(tree, env))


def test_zookeeper_overlay_builds_to_the_direct_render(zk_tree, kubectl):
    assert canonical(build(zk_tree, "seed")) == canonical(direct_render(ZK_PROFILES, "seed"))
    assert canonical(read_back(zk_tree, "seed")) == canonical(build(zk_tree, "seed"))


def test_every_bundled_document_is_valid(tree, kubectl, crds):
    report = validate_tree(tree, None, True, [str(CATALOG)])
    problems = [r for r in report.results if r.status is not Status.VALID]
    assert problems == []
    kinds = {r.kind for r in report.results}
    assert {"Cluster", "Pooler", "RedisFailover", "Kafka", "KafkaNodePool", "KafkaTopic",
            "KafkaUser"} <= kinds


def test_every_zookeeper_document_is_valid_against_strimzi_045(zk_tree, kubectl, crds):
    report = validate_tree(zk_tree, None, True, [str(STRIMZI_045), str(CATALOG)])
    assert [r for r in report.results if r.status is not Status.VALID] == []
    assert {r.api_version for r in report.results if r.kind == "Kafka"} == {"kafka.strimzi.io/v1beta2"}


def test_committed_out_matches_the_bundled_profiles():
    """The repository's own drift check: out/ is what the profiles render."""
    result = pipeline.render(EXAMPLE, ROOT / "out", all_envs=True)
    assert pipeline.drift(ROOT / "out", result, None, True) == ""


def test_rendering_is_deterministic(tmp_path):
    first = render_into(PROFILES, tmp_path / "a")
    second = render_into(PROFILES, tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


# ---------------------------------------------------------------- overlays that add, drop and replace

LAB = """\
extends: base
operators:
  strimzi: "0.47.0"          # v1beta2 with KRaft annotations: Kafka resources change API version
postgres:
  poolers:
    postgres-cluster-pooler-rw: null                # dropped from base
    lab-pooler-ro: {type: ro, instances: 1}         # added
  parameters:
    work_mem: null                                  # a key removed from a map
redis:
  enabled: false                                    # a whole service left out
kafka:
  version: 4.0.0
  listeners:                                        # a list replaced whole
    - {name: plain, port: 9092, tls: false}
  topics:
    payment-events: null
  users:
    ecotrack-payment-producer: null                 # its topic is gone
    ecotrack-consumer:
      acls:
        - resource: {type: topic, name: user-events}
          operations: [Read]
"""

METADATA_ONLY = """\
extends: base
platform: lab                                       # only labels change
kafka:
  controllers:                                      # a node pool split in two
    replicas: 3
    storage: {type: persistent-claim, size: 5Gi}
"""


LEGACY_CNPG = """\
extends: base
operators:
  cloudnativepg: "1.24.1"     # before the Barman Cloud plugin: in-tree barmanObjectStore
postgres:
  access:
    requireTls: false         # 1.24's poolers cannot require TLS of clients (DSG202)
"""


@pytest.mark.parametrize("text", [LAB, METADATA_ONLY, LEGACY_CNPG], ids=["lab", "split", "legacy-cnpg"])
def test_overlays_that_drop_add_and_replace_build_exactly(tmp_path, kubectl, crds, profiles_copy, text):
    (profiles_copy / "lab.yaml").write_text(text)
    out = render_into(profiles_copy, tmp_path / "out")
    assert canonical(build(out, "lab")) == canonical(direct_render(profiles_copy, "lab"))
    assert canonical(read_back(out, "lab")) == canonical(build(out, "lab"))
    report = validate_tree(out, "lab", False, [str(CATALOG)])
    assert [r for r in report.results if r.status is not Status.VALID] == []


def test_lab_overlay_uses_deletes_and_list_replacement(tmp_path, profiles_copy):
    (profiles_copy / "lab.yaml").write_text(LAB)
    out = render_into(profiles_copy, tmp_path / "out")
    lab = out / "overlays" / "lab"
    assert sorted(p.name for p in lab.iterdir()) == ["kafka", "kustomization.yaml", "platform", "platform-ecotrack", "postgres"]
    names = sorted(p.name for p in (lab / "postgres").iterdir())
    assert "delete-pooler-postgres-cluster-pooler-rw.yaml" in names
    assert "pooler-lab-pooler-ro.yaml" in names
    ops = yamlio.load_documents((lab / "postgres" / "patch-cluster-postgres-cluster.yaml").read_text(), "x")[0]
    assert {"op": "remove", "path": "/spec/postgresql/parameters/work_mem"} in ops
    assert (lab / "kafka" / "delete-kafkatopic-payment-events.yaml").exists()


def test_backup_method_follows_the_pinned_cloudnativepg(tmp_path, profiles_copy):
    (profiles_copy / "lab.yaml").write_text(LEGACY_CNPG)
    docs = {(d["kind"], d["metadata"]["name"]): d for d in direct_render(profiles_copy, "lab")}
    assert ("ObjectStore", "postgres-cluster-s3") not in docs
    cluster = docs[("Cluster", "postgres-cluster")]["spec"]
    assert "plugins" not in cluster
    assert cluster["backup"]["retentionPolicy"] == "30d"
    assert cluster["backup"]["barmanObjectStore"]["destinationPath"] == "s3://eks-learning-lab-postgres-backups/postgres-cluster/lab"
    assert docs[("ScheduledBackup", "postgres-backup")]["spec"]["method"] == "barmanObjectStore"
