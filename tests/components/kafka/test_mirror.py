"""MirrorMaker 2 into the DR cluster (kafka.mirror), as the bundled prod-dr
renders it, and on an older Strimzi whose v1beta2 names clusters by alias."""

from __future__ import annotations

import shutil

import pytest

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from tests.components.harness import findings
from tests.conftest import EXAMPLE

IDENTITY = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"
MIRROR_PODS = {"strimzi.io/cluster": "kafka-cluster-mirror", "strimzi.io/kind": "KafkaMirrorMaker2"}


def _docs(profiles, env):
    return {(d["kind"], d["metadata"]["name"]): d
            for d in (r.doc for r in pipeline.render_env(ProfileStore(profiles), env).resources)}


@pytest.fixture(scope="module")
def dr() -> dict:
    return _docs(EXAMPLE, "prod-dr")


def test_prod_dr_copies_prod_under_the_same_names_with_the_groups_offsets(dr):
    spec = dr[("KafkaMirrorMaker2", "kafka-cluster-mirror")]["spec"]
    [mirror] = spec["mirrors"]
    assert mirror["source"] == {
        "alias": "prod", "bootstrapServers": "kafka-cluster-kafka-dr-bootstrap.prod.eks-learning-lab.internal:9094",
        "tls": {"trustedCertificates": [{"secretName": "kafka-prod-cluster-ca", "certificate": "ca.crt"}]},
        "authentication": {"type": "scram-sha-512", "username": "kafka-dr-mirror",
                           "passwordSecret": {"secretName": "kafka-dr-mirror-credentials", "password": "password"}}}
    # the same names (no "prod." prefix) in both connectors, as Strimzi requires
    for connector in ("sourceConnector", "checkpointConnector"):
        assert mirror[connector]["config"]["replication.policy.class"] == IDENTITY
        assert mirror[connector]["config"]["offset-syncs.topic.location"] == "target"
    assert mirror["checkpointConnector"]["config"]["sync.group.offsets.enabled"] == "true"
    # configs and ACLs stay the KafkaTopics' and KafkaUsers' here
    assert mirror["sourceConnector"]["config"]["sync.topic.configs.enabled"] == "false"
    assert mirror["sourceConnector"]["config"]["sync.topic.acls.enabled"] == "false"
    assert spec["target"]["bootstrapServers"] == "kafka-cluster-kafka-bootstrap:9093"
    assert spec["target"]["authentication"]["passwordSecret"] == {"secretName": "kafka-cluster-mirror",
                                                                  "password": "password"}


def test_its_user_here_may_write_what_mirrormaker_writes_and_nothing_is_left_unnamed(dr):
    acls = dr[("KafkaUser", "kafka-cluster-mirror")]["spec"]["authorization"]["acls"]
    named = {(a["resource"]["type"], a["resource"].get("name")) for a in acls}
    assert named == {("group", "kafka-cluster-mirror"), ("topic", "kafka-cluster-mirror-configs"),
                     ("topic", "kafka-cluster-mirror-offsets"), ("topic", "kafka-cluster-mirror-status"),
                     ("topic", "*"), ("topic", "prod.checkpoints.internal"),
                     ("topic", "mm2-offset-syncs.kafka-cluster.internal"), ("group", "*"), ("cluster", None)}
    # prod's user only reads
    source = _docs(EXAMPLE, "prod")[("KafkaUser", "kafka-dr-mirror")]["spec"]["authorization"]["acls"]
    assert {op for acl in source for op in acl["operations"]} == {"Read", "Describe", "DescribeConfigs"}


def test_it_reaches_only_its_own_brokers_its_peers_and_the_source_networks(dr):
    listeners = {item["name"]: item for item in dr[("Kafka", "kafka-cluster")]["spec"]["kafka"]["listeners"]}
    assert {"podSelector": {"matchLabels": MIRROR_PODS}} in listeners["tls"]["networkPolicyPeers"]
    assert {"podSelector": {"matchLabels": MIRROR_PODS}} not in listeners["plain"]["networkPolicyPeers"]
    egress = dr[("NetworkPolicy", "kafka-cluster-mirror-egress")]["spec"]
    assert egress["podSelector"] == {"matchLabels": MIRROR_PODS}
    assert egress["egress"] == [
        {"to": [{"podSelector": {"matchLabels": {"strimzi.io/cluster": "kafka-cluster"}}}],
         "ports": [{"protocol": "TCP", "port": 9093}]},
        {"to": [{"podSelector": {"matchLabels": MIRROR_PODS}}], "ports": [{"protocol": "TCP", "port": 8083}]},
        {"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 9094}]}]


def test_older_strimzi_gets_the_v1beta2_layout_and_it_validates(tmp_path, cli):
    """Strimzi 0.45 serves only v1beta2, where clusters are listed by alias
    and connectCluster names the one Connect runs on."""
    profiles = tmp_path / "profiles"
    shutil.copytree(EXAMPLE, profiles)
    path = profiles / "prod-dr.yaml"
    path.write_text(path.read_text().replace("kafka:\n", "operators:\n  strimzi: 0.45.2\nkafka:\n  version: 3.9.0\n"
                                             "  metadataVersion: 3.9-IV0\n", 1))
    docs = _docs(profiles, "prod-dr")
    mirror = docs[("KafkaMirrorMaker2", "kafka-cluster-mirror")]
    assert mirror["apiVersion"] == "kafka.strimzi.io/v1beta2"
    spec = mirror["spec"]
    assert spec["connectCluster"] == "kafka-cluster"
    assert [c["alias"] for c in spec["clusters"]] == ["prod", "kafka-cluster"]
    assert spec["clusters"][1]["config"]["group.id"] == "kafka-cluster-mirror"
    assert (spec["mirrors"][0]["sourceCluster"], spec["mirrors"][0]["targetCluster"]) == ("prod", "kafka-cluster")
    out = tmp_path / "out"
    rendered = cli("render", "--all", "--profiles", str(profiles), "--out", str(out))
    assert rendered.code == 0, rendered.err
    check = cli("validate", str(out / "overlays" / "prod-dr"), "--operators", "strimzi=0.45.2")
    assert check.code == 0, check.out + check.err


MIRROR = {"source": {"alias": "prod", "bootstrapServers": "kafka.prod.internal:9094", "user": "dr",
                     "passwordSecret": "dr-password", "caSecret": "prod-ca", "networks": ["10.0.0.0/16"]}}


@pytest.mark.parametrize("change,expected", [
    ({"kafka": {"mirror": {**MIRROR, "source": {**MIRROR["source"], "alias": "kafka-cluster"}}}},
     [("DSG338", ("kafka", "mirror", "source", "alias"),
       "is this cluster's own name, which is the target's alias: give the source another alias")]),
    ({"kafka": {"mirror": {**MIRROR, "source": {**MIRROR["source"], "networks": []}}},
      "network": {"egress": {"apiServer": ["10.0.0.0/16"]}}},
     [("DSG338", ("kafka", "mirror", "source", "networks"),
       "is empty, and network.egress lets MirrorMaker 2 reach only the addresses named here: name the networks of "
       "the source's brokers")]),
    ({"kafka": {"mirror": {**MIRROR, "listener": "plain"},
                "listeners": [{"name": "plain", "port": 9092, "authentication": "tls"},
                              {"name": "tls", "port": 9093, "tls": True}]}},
     [("DSG338", ("kafka", "mirror", "listener"), "connects through listener 'plain', which authenticates with "
       "client certificates; MirrorMaker 2 signs in with SCRAM: name a listener with authentication scram-sha-512")]),
    ({"kafka": {"mirror": MIRROR, "users": {"kafka-cluster-mirror": {"acls": []}}}},
     [("DSG338", ("kafka", "users", "kafka-cluster-mirror"),
       "is the name of the KafkaUser dsgen makes for kafka.mirror: give this user another name")]),
    ({"kafka": {"mirror": MIRROR}}, []),
])
def test_mirror_rules(change, expected):
    assert [f for f in findings(change) if f[0] == "DSG338"] == expected
