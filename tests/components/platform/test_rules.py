"""The platform's secret-source rule asks every component which Secrets its
kinds read and which ones its operator writes."""

from __future__ import annotations

from dsgen import rules
from dsgen.rules import Overlay


def secret_findings(*docs: dict, external: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    overlay = Overlay(list(docs), external_secrets=external)
    return [(rules.name_of(doc), path, message) for rule, doc, path, message in rules.run_manifest(overlay)
            if rule.id == "DSG105"]


CLUSTER = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "pg", "namespace": "data"},
           "spec": {"bootstrap": {"initdb": {"secret": {"name": "owner"}}}}}


def pooler(secret: str) -> dict:
    return {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Pooler", "metadata": {"name": "p", "namespace": "data"},
            "spec": {"cluster": {"name": "pg"}, "pgbouncer": {"authQuerySecret": {"name": secret}}}}


def test_cloudnativepg_writes_the_cluster_secrets():
    assert secret_findings(CLUSTER, pooler("pg-superuser"), external=frozenset({"owner"})) == []


def test_a_secret_nobody_makes_is_named_at_its_reference():
    assert secret_findings(CLUSTER, pooler("pg-admin"), external=frozenset({"owner"})) == [
        ("p", "/spec/pgbouncer/authQuerySecret/name",
         "Secret 'pg-admin' is neither produced by the tree nor listed in the profile's externalSecrets")]


def test_a_backend_names_its_own_references():
    redis = {"apiVersion": "databases.spotahome.com/v1", "kind": "RedisFailover",
             "metadata": {"name": "cache", "namespace": "data"}, "spec": {"auth": {"secretPath": "redis-auth"}}}
    assert [path for _, path, _ in secret_findings(redis)] == ["/spec/auth/secretPath"]
    assert secret_findings(redis, external=frozenset({"redis-auth"})) == []


def test_kafka_users_and_external_secrets_produce_secrets_in_their_namespace():
    user = {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaUser", "metadata": {"name": "app", "namespace": "data"}}
    external = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
                "metadata": {"name": "x", "namespace": "data"}, "spec": {"target": {"name": "owner"}}}
    consumer = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "data"},
                "spec": {"env": [{"valueFrom": {"secretKeyRef": {"name": "app"}}}]}}
    assert secret_findings(CLUSTER, user, external, consumer) == []
    elsewhere = {**consumer, "metadata": {"name": "c", "namespace": "other"}}
    assert [path for _, path, _ in secret_findings(CLUSTER, user, external, elsewhere)] == [
        "/spec/env/0/valueFrom/secretKeyRef/name"]
