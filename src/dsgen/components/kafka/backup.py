"""Kafka's metadata backup: what the cluster holds, exported to S3 daily.

Topics, users and ACLs are KafkaTopics and KafkaUsers in git, and the Topic
and User Operators create them again in a new cluster. What git does not
show is what the cluster holds now: topics made outside the operators,
configs changed by hand, ACLs granted with the tools, and the consumer
groups' offsets. The job prints those with Kafka's own tools, in the Kafka
image the pinned Strimzi runs, as a KafkaUser that may only describe, tars
and gzips them, and uploads the archive like the other backup jobs.

Topic data is not exported: README, "Backups and recovery", says why and
what covers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from dsgen import kits
from dsgen.components.base import upload_step
from dsgen.contract import Part
from dsgen.components.kafka.clients import backup_pods, listener
from dsgen.kits import Allow, Owner, Peer, SecretEnv, Step
from dsgen.operators import strimzi

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.kafka.model import Kafka

WORK = "/work"
CERTS = "/certs"
HTTPS_PORT = 443

# Bash (the Strimzi Kafka image is UBI with bash). The tools take a client
# properties file (--command-config); Kafka reads a PEM truststore from 2.7
# (KIP-651). kafka-run-class.sh writes its logs under LOG_DIR, which the
# job points at /tmp (the root filesystem is read-only). ACLs are listed only
# where an authorizer runs: without one the broker refuses DescribeAcls.
EXPORT = r'''set -euo pipefail
props=/tmp/client.properties
echo "security.protocol=$SECURITY_PROTOCOL" > "$props"
if [ -n "${SASL_JAAS_CONFIG:-}" ]; then
  printf 'sasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=%s\n' "$SASL_JAAS_CONFIG" >> "$props"
fi
if [ -n "${CA:-}" ]; then
  printf 'ssl.truststore.type=PEM\nssl.truststore.location=%s\n' "$CA" >> "$props"
fi
out="$WORK/metadata"
rm -rf "$out" "$WORK/metadata.tar.gz"
mkdir -p "$out"
tool() { "$KAFKA_BIN/$1" --bootstrap-server "$BOOTSTRAP" --command-config "$props" "${@:2}"; }
tool kafka-topics.sh --describe > "$out/topics.txt"
tool kafka-configs.sh --describe --entity-type topics > "$out/topic-configs.txt"
tool kafka-configs.sh --describe --all --entity-type brokers > "$out/broker-configs.txt"
tool kafka-consumer-groups.sh --describe --all-groups > "$out/consumer-groups.txt"
if [ "${ACLS:-}" = true ]; then
  tool kafka-acls.sh --list > "$out/acls.txt"
  tool kafka-configs.sh --describe --entity-type users > "$out/users.txt"
fi
tar -C "$WORK" -czf "$WORK/metadata.tar.gz" metadata
echo "exported $(grep -c '^Topic:' "$out/topics.txt" || true) topics: $(wc -c < "$WORK/metadata.tar.gz") bytes gzipped"
'''

# What the tools ask for (Kafka's authorizer: Metadata and DescribeConfigs of
# topics, DescribeConfigs of brokers on the cluster, DescribeGroups and
# OffsetFetch on groups and their topics, DescribeAcls and
# DescribeUserScramCredentials with Describe on the cluster, KIP-430):
# nothing that reads or changes data.
ACLS = (
    {"resource": {"type": "topic", "name": "*", "patternType": "literal"},
     "operations": ["Describe", "DescribeConfigs"]},
    {"resource": {"type": "group", "name": "*", "patternType": "literal"}, "operations": ["Describe"]},
    {"resource": {"type": "cluster"}, "operations": ["Describe", "DescribeConfigs"]},
)


def user_name(kafka: Kafka) -> str:
    return f"{kafka.name}-backup"


def parts(ctx: Context, kafka: Kafka, api_version: str) -> Iterator[Part]:
    backup = kafka.backup
    chosen = listener(kafka, backup.listener) if backup else None
    if backup is None or chosen is None:
        return
    owner, ns = Owner("kafka", kafka.name), ctx.namespace
    scram = chosen.authentication == "scram-sha-512"
    # KafkaResources.bootstrapServiceName: <cluster>-kafka-bootstrap, serving every listener's port.
    env: dict[str, str | SecretEnv] = {
        "WORK": WORK, "LOG_DIR": "/tmp", "KAFKA_BIN": "/opt/kafka/bin",
        "BOOTSTRAP": f"{kafka.name}-kafka-bootstrap.{ns}.svc:{chosen.port}",
        "SECURITY_PROTOCOL": ("SASL_" if scram else "") + ("SSL" if chosen.tls else "PLAINTEXT"),
    }
    if kafka.authorization:
        env["ACLS"] = "true"
    volumes: list[dict[str, Any]] = [{"name": "work", "emptyDir": {}}]
    mounts = {"work": WORK}
    if scram:
        # The User Operator writes a SCRAM user's Secret (named as the user)
        # with keys password and sasl.jaas.config (KafkaUserModel KEY_PASSWORD,
        # KEY_SASL_JAAS_CONFIG).
        env["SASL_JAAS_CONFIG"] = SecretEnv(user_name(kafka), "sasl.jaas.config")
        yield Part(user_name(kafka), "kafka", "user", kafka.name, "kafkauser.yaml.j2", {
            "api_version": api_version,
            "user": {"authentication": "scram-sha-512", "passwordSecret": None},
            "acls": list(ACLS),
            "authorization": kafka.authorization is not None,
        }, labels={"strimzi.io/cluster": kafka.name})
    if chosen.tls:
        # The brokers' certificates are signed by the cluster CA, whose
        # certificate is <cluster>-cluster-ca-cert key ca.crt
        # (KafkaResources.clusterCaCertificateSecretName).
        env["CA"] = f"{CERTS}/ca.crt"
        volumes.append({"name": "cluster-ca", "secret": {"secretName": f"{kafka.name}-cluster-ca-cert",
                                                          "items": [{"key": "ca.crt", "path": "ca.crt"}]}})
        mounts["cluster-ca"] = CERTS
    image = strimzi.kafka_image(ctx.operators["strimzi"], kafka.version)
    yield kits.cron_job(
        owner, f"{kafka.name}-metadata-backup", schedule=backup.metadata.schedule, run_as_user=1001,
        resources=backup.resources.model_dump(exclude_none=True) if backup.resources else None, steps=[
            Step("export", image, ["/bin/bash", "-c", EXPORT], env, mounts),
            upload_step(backup, backup.metadata, ctx.environment, file=f"{WORK}/metadata.tar.gz",
                        suffix=".tar.gz", mounts={"work": WORK}),
        ], volumes=volumes, pod_labels=backup_pods(kafka))
    if ctx.network and ctx.network["egress"]:
        yield kits.network_policy(owner, f"{kafka.name}-backup-egress", select=backup_pods(kafka), egress=[
            Allow([Peer(pods={"strimzi.io/cluster": kafka.name})], [chosen.port]),
            kits.to_blocks(ctx.network["egress"]["objectStorage"], HTTPS_PORT)])
