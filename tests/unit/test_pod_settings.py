"""A workload's `pod` settings land in each operator's own fields, combined
with what `spread` asks for, and the tree stays strictly valid."""

from __future__ import annotations

import pytest

from dsgen import pipeline
from dsgen.errors import ProfileError
from dsgen.formats import kustomize
from dsgen.validate import api

DEDICATED = """
    pod:
      nodeSelector: {node.example.com/pool: data}
      tolerations: [{key: dedicated, operator: Equal, value: data, effect: NoSchedule}]
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 10
              preference: {matchExpressions: [{key: disk, operator: In, values: [nvme]}]}
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 50
              podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {heavy: "true"}}}
      topologySpreadConstraints:
        - {maxSkew: 2, topologyKey: node.example.com/rack, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {x: y}}}
      priorityClassName: data-critical
      annotations: {example.com/owner: data-team}
      imagePullSecrets: [registry-credentials]
"""
LABELS = "      labels: {example.com/team: data}\n"


def indent(text: str, by: int) -> str:
    """``text`` moved right (or left, when ``by`` is negative) by ``by`` spaces."""
    lines = text.splitlines()
    return "\n".join(" " * by + line if by >= 0 else line[-by:] for line in lines if line) + "\n"


@pytest.fixture
def dedicated(profiles_copy):
    text = (profiles_copy / "prod.yaml").read_text()
    with_labels = DEDICATED + LABELS
    for anchor, block in [
        ("  synchronous: {method: any, number: 1, dataDurability: required}\n", indent(with_labels, -2)),
        ("    postgres-cluster-pooler-rw:\n      spread: {nodes: required, zones: preferred}\n", indent(with_labels, 2)),
        ("redis:\n  redis:\n    spread: {nodes: required, zones: preferred}\n", DEDICATED),
        ("  brokers:\n    spread: {nodes: required, zones: preferred}\n", with_labels),
    ]:
        assert anchor in text
        text = text.replace(anchor, anchor + block, 1)
    (profiles_copy / "prod.yaml").write_text(text)
    return profiles_copy


def prod(profiles, tmp_path, env: str = "prod") -> dict:
    out = tmp_path / "out"
    pipeline.write(out, pipeline.render(profiles, out, all_envs=True))
    return {(d["kind"], d["metadata"]["name"]): d for d in kustomize.Kustomize().documents(out, env)}


TOLERATION = [{"key": "dedicated", "operator": "Equal", "value": "data", "effect": "NoSchedule"}]
PREFERRED_NODE = {"preferredDuringSchedulingIgnoredDuringExecution": [
    {"weight": 10, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["nvme"]}]}}]}
EXTRA_ANTI = {"weight": 50, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                "labelSelector": {"matchLabels": {"heavy": "true"}}}}
RACK = {"maxSkew": 2, "topologyKey": "node.example.com/rack", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": {"x": "y"}}}


def test_cloudnativepg_instances_use_the_cluster_fields(dedicated, tmp_path):
    spec = prod(dedicated, tmp_path)[("Cluster", "postgres-cluster")]["spec"]
    assert spec["affinity"] == {
        "enablePodAntiAffinity": True, "podAntiAffinityType": "required", "topologyKey": "kubernetes.io/hostname",
        "nodeSelector": {"node.example.com/pool": "data"}, "tolerations": TOLERATION,
        "nodeAffinity": PREFERRED_NODE,
        "additionalPodAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [EXTRA_ANTI]}}
    assert spec["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"
    assert spec["topologySpreadConstraints"][1] == RACK
    assert (spec["priorityClassName"], spec["imagePullSecrets"]) == ("data-critical", [{"name": "registry-credentials"}])
    assert spec["inheritedMetadata"] == {"labels": {"example.com/team": "data"},
                                         "annotations": {"example.com/owner": "data-team"}}


def test_a_pooler_gets_them_in_its_pod_template(dedicated, tmp_path):
    template = prod(dedicated, tmp_path)[("Pooler", "postgres-cluster-pooler-rw")]["spec"]["template"]
    assert template["metadata"]["labels"]["example.com/team"] == "data"
    assert template["metadata"]["labels"]["app.kubernetes.io/name"] == "pgbouncer"
    assert template["metadata"]["annotations"] == {"example.com/owner": "data-team"}
    pod = template["spec"]
    anti = pod["affinity"]["podAntiAffinity"]
    assert anti["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"] == {
        "matchLabels": {"cnpg.io/poolerName": "postgres-cluster-pooler-rw"}}
    assert anti["preferredDuringSchedulingIgnoredDuringExecution"] == [EXTRA_ANTI]
    assert (pod["nodeSelector"], pod["tolerations"], pod["priorityClassName"]) == (
        {"node.example.com/pool": "data"}, TOLERATION, "data-critical")
    assert pod["imagePullSecrets"] == [{"name": "registry-credentials"}]


def test_redis_keeps_the_operators_default_anti_affinity_next_to_its_own(dedicated, tmp_path):
    redis = prod(dedicated, tmp_path)[("RedisFailover", "redis-cluster")]["spec"]["redis"]
    assert redis["affinity"]["nodeAffinity"] == PREFERRED_NODE
    required = redis["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert required[0]["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "redis"
    assert redis["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] == [EXTRA_ANTI]
    assert (redis["nodeSelector"], redis["tolerations"], redis["podAnnotations"]) == (
        {"node.example.com/pool": "data"}, TOLERATION, {"example.com/owner": "data-team"})


def test_an_own_affinity_with_preferred_spread_writes_the_operators_default_out(profiles_copy, tmp_path):
    """spotahome uses its soft anti-affinity only when the spec has no affinity."""
    base = (profiles_copy / "base.yaml").read_text()
    anchor = "  redis:\n    replicas: 3\n"
    (profiles_copy / "base.yaml").write_text(base.replace(anchor, anchor + "    pod: {affinity: {nodeAffinity: {}}}\n"))
    redis = prod(profiles_copy, tmp_path, "dev")[("RedisFailover", "redis-cluster")]["spec"]["redis"]
    assert redis["affinity"]["podAntiAffinity"] == {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {
            "matchLabels": {"app.kubernetes.io/name": "redis-cluster", "app.kubernetes.io/component": "redis",
                            "app.kubernetes.io/part-of": "redis-failover"}}}}]}


def test_strimzi_has_no_node_selector_so_it_becomes_required_node_affinity(dedicated, tmp_path):
    pod = prod(dedicated, tmp_path)[("KafkaNodePool", "broker")]["spec"]["template"]["pod"]
    assert pod["metadata"] == {"labels": {"example.com/team": "data"}, "annotations": {"example.com/owner": "data-team"}}
    assert pod["affinity"]["nodeAffinity"] == {
        **PREFERRED_NODE, "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "node.example.com/pool", "operator": "In", "values": ["data"]}]}]}}
    assert "nodeSelector" not in pod
    assert (pod["tolerations"], pod["priorityClassName"]) == (TOLERATION, "data-critical")


def test_the_tree_with_every_pod_setting_is_valid(dedicated, tmp_path, kubectl, crds):
    out = tmp_path / "out"
    (dedicated / "base.yaml").write_text((dedicated / "base.yaml").read_text()
                                         + "externalSecrets: [registry-credentials]\n")
    pipeline.write(out, pipeline.render(dedicated, out, all_envs=True))
    report = api.validate_tree(out, "prod", False, [str(crds / "catalog")])
    assert [(r.resource, r.path, r.message) for r in report.results if r.status.name != "VALID"] == []


@pytest.mark.parametrize("block, message", [
    ("    pod: {affinity: {nodeAffinity: {requiredDuringScheduling: {}}}}\n",
     "prod.yaml:33:22: redis.redis.pod.affinity.nodeAffinity: Additional properties are not allowed "
     "('requiredDuringScheduling' was unexpected) (core/v1 Affinity, Kubernetes 1.34) [DSG326]"),
    ("    pod: {labels: {team: data}}\n",
     "prod.yaml:33:11: redis.redis.pod.labels: the redis-operator has no pod labels: it copies the "
     "RedisFailover's own labels onto every object it creates; add them with a patch of the "
     "RedisFailover's metadata.labels and spec.labelWhitelist [DSG327]"),
])
def test_pod_settings_kubernetes_or_the_operator_refuse(profiles_copy, tmp_path, block, message):
    text = (profiles_copy / "prod.yaml").read_text()
    anchor = "redis:\n  redis:\n    spread: {nodes: required, zones: preferred}\n"
    (profiles_copy / "prod.yaml").write_text(text.replace(anchor, anchor + block))
    with pytest.raises(ProfileError) as info:
        pipeline.render(profiles_copy, tmp_path / "out", all_envs=True)
    assert str(info.value) == f"profiles/{message}"


def test_pod_labels_may_not_take_a_selector_label(profiles_copy, tmp_path):
    text = (profiles_copy / "prod.yaml").read_text()
    anchor = "  brokers:\n    spread: {nodes: required, zones: preferred}\n"
    (profiles_copy / "prod.yaml").write_text(text.replace(anchor, anchor + "    pod: {labels: {strimzi.io/pool-name: x}}\n"))
    with pytest.raises(ProfileError) as info:
        pipeline.render(profiles_copy, tmp_path / "out", all_envs=True)
    assert str(info.value) == ("profiles/prod.yaml:41:20: kafka.brokers.pod.labels[strimzi.io/pool-name]: is a label "
                               "dsgen or the operator sets and selects pods by; choose a key of your own prefix [DSG326]")
