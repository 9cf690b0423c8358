"""Changes to a written environment that the operators refuse or that lose
data: each change rule on old and new documents, and render refusing them."""

from __future__ import annotations

import copy

import pytest

from dsgen import pipeline, registry, rules
from dsgen.rules import Overlay
from tests.conftest import PROFILES


@pytest.fixture(scope="module")
def prod() -> list[dict]:
    from dsgen.profiles import ProfileStore

    return [r.doc for r in pipeline.render_env(ProfileStore(PROFILES), "prod").resources]


def changed(docs: list[dict], kind: str, name: str, edit) -> list[dict]:
    out = copy.deepcopy(docs)
    for doc in out:
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            edit(doc)
    return out


def findings(old: list[dict], new: list[dict]) -> list[tuple[str, str, str, str]]:
    return [(rule.id, f"{doc['kind']}/{doc['metadata']['name']}", path, message)
            for rule, doc, path, message in registry.run_changes(Overlay(old), Overlay(new))]


def test_the_same_render_changes_nothing_risky(prod):
    assert findings(prod, copy.deepcopy(prod)) == []


def test_growing_volumes_and_adding_partitions_are_safe(prod):
    def grow(doc):
        doc["spec"]["storage"]["size"] = "200Gi"
    new = changed(changed(prod, "Cluster", "postgres-cluster", grow), "KafkaTopic", "user-events",
                  lambda d: d["spec"].update(partitions=12))
    assert findings(prod, new) == []


def test_a_hand_edited_size_that_is_no_quantity_is_not_compared(prod):
    def typo(doc):
        doc["spec"]["storage"]["size"] = "100GB"
    old = changed(changed(prod, "Cluster", "postgres-cluster", typo), "KafkaNodePool", "broker", typo)
    assert findings(old, prod) == []


CASES = [
    ("Cluster", "postgres-cluster", lambda d: d["spec"]["storage"].update(size="50Gi"),
     ("DSG402", "Cluster/postgres-cluster", "/spec/storage/size", "shrinks from 100Gi to 50Gi: volumes can grow, never shrink")),
    ("Cluster", "postgres-cluster", lambda d: d["spec"]["storage"].update(storageClass="gp2"),
     ("DSG402", "Cluster/postgres-cluster", "/spec/storage/storageClass", "changes the storage class from gp3 to gp2: existing volumes keep theirs")),
    ("KafkaTopic", "order-events", lambda d: d["spec"].update(partitions=6),
     ("DSG403", "KafkaTopic/order-events", "/spec/partitions", "lowers partitions from 12 to 6: Kafka cannot remove partitions")),
    ("KafkaTopic", "order-events", lambda d: d["spec"].update(replicas=2),
     ("DSG404", "KafkaTopic/order-events", "/spec/replicas", "changes replicas from 3 to 2: without Cruise Control the Topic Operator refuses to change a replication factor")),
    ("KafkaNodePool", "broker", lambda d: d["spec"]["storage"].update(size="20Gi"),
     ("DSG405", "KafkaNodePool/broker", "/spec/storage/size", "shrinks from 50Gi to 20Gi: volumes can grow, never shrink")),
    ("KafkaNodePool", "broker", lambda d: d["spec"].update(storage={"type": "ephemeral"}),
     ("DSG405", "KafkaNodePool/broker", "/spec/storage/type", "changes the storage type from persistent-claim to ephemeral: Strimzi refuses")),
    ("KafkaNodePool", "controller", lambda d: d["spec"].update(roles=["broker", "controller"]),
     ("DSG406", "KafkaNodePool/controller", "/spec/roles", "changes roles from controller to broker, controller")),
    ("RedisFailover", "redis-cluster", lambda d: d["spec"]["redis"]["storage"]["persistentVolumeClaim"]["spec"]["resources"]["requests"].update(storage="20Gi"),
     ("DSG407", "RedisFailover/redis-cluster", "/spec/redis/storage", "changes storage: a StatefulSet's volumeClaimTemplates cannot change, so the operator cannot apply it to the Redis pods")),
]


@pytest.mark.parametrize("kind,name,edit,expected", CASES, ids=[c[3][0] + "-" + c[3][2] for c in CASES])
def test_change(prod, kind, name, edit, expected):
    assert findings(prod, changed(prod, kind, name, edit)) == [expected]


def test_replicas_may_change_where_cruise_control_runs(prod):
    old = changed(prod, "Kafka", "kafka-cluster", lambda d: d["spec"].update(cruiseControl={}))
    new = changed(old, "KafkaTopic", "order-events", lambda d: d["spec"].update(replicas=2))
    assert findings(old, new) == []


@pytest.mark.parametrize("kind,name", [("Cluster", "postgres-cluster"), ("Kafka", "kafka-cluster"),
                                       ("KafkaTopic", "user-events"), ("RedisFailover", "redis-cluster")])
def test_removing_or_renaming_what_holds_data(prod, kind, name):
    renamed = changed(prod, kind, name, lambda d: d["metadata"].update(name=name + "-v2"))
    assert findings(prod, renamed) == [(
        "DSG401", f"{kind}/{name}", "/metadata/name",
        "is removed or renamed: the operator deletes it with its data, and a new name starts empty")]


def test_render_refuses_risky_changes_unless_allowed(profiles_copy, tmp_path):
    out = tmp_path / "out"
    pipeline.write(out, pipeline.render(profiles_copy, out, all_envs=True))
    text = (profiles_copy / "dev.yaml").read_text().replace("    size: 5Gi\n", "    size: 4Gi\n", 1)
    (profiles_copy / "dev.yaml").write_text(text)
    (profiles_copy / "staging.yaml").unlink()
    result = pipeline.render(profiles_copy, out, all_envs=True)
    assert result.risky == (
        f"{out}/overlays/staging: the environment is removed with every resource in it (its profile is gone) [DSG401]",
        f"{out}/overlays/dev: Cluster/postgres-cluster /spec/storage/size: shrinks from 5Gi to 4Gi: "
        "volumes can grow, never shrink [DSG402]",
    )
    before = sorted(p.read_bytes() for p in out.rglob("*") if p.is_file())
    with pytest.raises(pipeline.DestructiveChange) as info:
        pipeline.write(out, result)
    assert info.value.lines()[-1] == ("refusing to write 2 risky changes: fix the profiles, or render with "
                                      "--allow-destructive once the data is safe")
    assert sorted(p.read_bytes() for p in out.rglob("*") if p.is_file()) == before
    pipeline.write(out, result, allow_destructive=True)
    assert not (out / "overlays" / "staging").exists()
