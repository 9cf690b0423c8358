"""Kafka's metadata backup job, as the bundled prod renders it.

No Kafka broker is available from this machine's registries (PyPI, Debian,
npm), so the export script runs against stand-ins for Kafka's tools that
record the arguments and the client properties they are given; what a real
broker answers is Kafka's business, what the job asks and writes is ours."""

from __future__ import annotations

import os
import subprocess
import tarfile

import pytest

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from tests.conftest import EXAMPLE

TOOL = """#!/bin/bash
# a stand-in for Kafka's $0: prints what it was asked, and the client properties
[ "$2" = "$BOOTSTRAP" ] || { echo "bootstrap $2" >&2; exit 9; }
echo "$(basename "$0") ${*:5}"
cat "$4"
"""


@pytest.fixture(scope="module")
def prod() -> dict:
    docs = [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def _pod(prod):
    return prod[("CronJob", "kafka-cluster-metadata-backup")]["spec"]["jobTemplate"]["spec"]["template"]


def test_the_job_exports_as_a_describe_only_user_through_the_tls_listener(prod):
    pod = _pod(prod)["spec"]
    [export] = pod["initContainers"]
    [upload] = pod["containers"]
    env = {e["name"]: e.get("value") or e["valueFrom"]["secretKeyRef"] for e in export["env"]}
    assert export["image"] == "quay.io/strimzi/kafka:0.49.1-kafka-4.1.1"
    assert env["BOOTSTRAP"] == "kafka-cluster-kafka-bootstrap.data.svc:9093"
    assert env["SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["SASL_JAAS_CONFIG"] == {"name": "kafka-cluster-backup", "key": "sasl.jaas.config"}
    assert {"name": "cluster-ca", "mountPath": "/certs", "readOnly": True} in export["volumeMounts"]
    assert {"name": "cluster-ca", "secret": {"secretName": "kafka-cluster-cluster-ca-cert",
                                             "items": [{"key": "ca.crt", "path": "ca.crt"}]}} in pod["volumes"]
    assert pod["securityContext"]["runAsUser"] == 1001  # the Strimzi image's user
    assert pod["automountServiceAccountToken"] is False  # it never calls the API server
    uploaded = {e["name"]: e.get("value") for e in upload["env"]}
    assert (uploaded["BUCKET"], uploaded["PREFIX"], uploaded["RETENTION_DAYS"], uploaded["SUFFIX"]) == (
        "eks-learning-lab-kafka-backups", "metadata/prod", "30", ".tar.gz")
    assert prod[("CronJob", "kafka-cluster-metadata-backup")]["spec"]["schedule"] == "0 4 * * *"


def test_only_the_listener_the_job_uses_admits_its_pods(prod):
    job = {"podSelector": {"matchLabels": _pod(prod)["metadata"]["labels"]}}
    listeners = {item["name"]: item["networkPolicyPeers"]
                 for item in prod[("Kafka", "kafka-cluster")]["spec"]["kafka"]["listeners"]}
    assert job in listeners["tls"] and job not in listeners["plain"]
    egress = prod[("NetworkPolicy", "kafka-cluster-backup-egress")]["spec"]
    assert egress["podSelector"]["matchLabels"] == _pod(prod)["metadata"]["labels"]
    assert egress["egress"][0]["ports"] == [{"port": 9093, "protocol": "TCP"}]


def test_the_export_script_asks_each_tool_and_archives_what_they_print(prod, tmp_path):
    [export] = _pod(prod)["spec"]["initContainers"]
    bin_dir, work = tmp_path / "bin", tmp_path / "work"
    bin_dir.mkdir()
    work.mkdir()
    for tool in ("kafka-topics.sh", "kafka-configs.sh", "kafka-consumer-groups.sh", "kafka-acls.sh"):
        (bin_dir / tool).write_text(TOOL)
        (bin_dir / tool).chmod(0o755)
    env = {e["name"]: e["value"] for e in export["env"] if "value" in e}
    jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="kafka-cluster-backup" password="p";'
    env.update(WORK=str(work), KAFKA_BIN=str(bin_dir), SASL_JAAS_CONFIG=jaas, PATH=os.environ["PATH"])
    done = subprocess.run(export["command"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with tarfile.open(work / "metadata.tar.gz") as archive:
        files = {m.name.removeprefix("metadata/"): archive.extractfile(m).read().decode()
                 for m in archive.getmembers() if m.isfile()}
    properties = ("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                  f"sasl.jaas.config={jaas}\nssl.truststore.type=PEM\nssl.truststore.location=/certs/ca.crt\n")
    assert files == {
        "topics.txt": "kafka-topics.sh --describe\n" + properties,
        "topic-configs.txt": "kafka-configs.sh --describe --entity-type topics\n" + properties,
        "broker-configs.txt": "kafka-configs.sh --describe --all --entity-type brokers\n" + properties,
        "consumer-groups.txt": "kafka-consumer-groups.sh --describe --all-groups\n" + properties,
        "acls.txt": "kafka-acls.sh --list\n" + properties,  # an authorizer runs (kafka.authorization)
        "users.txt": "kafka-configs.sh --describe --entity-type users\n" + properties,
    }
    # a tool that fails fails the job, before anything is uploaded
    (bin_dir / "kafka-acls.sh").write_text("#!/bin/bash\nexit 1\n")
    assert subprocess.run(export["command"], env=env, capture_output=True, cwd=tmp_path).returncode != 0
