"""The platform's secret-source rule asks every component which Secrets its
kinds read and which ones its operator writes."""

from __future__ import annotations

from dsgen import registry, rules
from dsgen.rules import Overlay


def secret_findings(*docs: dict, external: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    overlay = Overlay(list(docs), external_secrets=external)
    return [(rules.name_of(doc), path, message) for rule, doc, path, message in registry.run_manifest(overlay)
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


def _manifest_findings(docs, rule_id, external=frozenset()):
    from dsgen import rules

    return [(path, message) for rule, _, path, message in registry.run_manifest(rules.Overlay(docs, {}, external))
            if rule.id == rule_id]


def test_secret_references_in_volumes_pull_secrets_and_other_namespaces():
    pod = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Pooler", "metadata": {"name": "p", "namespace": "data"},
           "spec": {"template": {"spec": {"volumes": [{"name": "v", "secret": {"secretName": "certs"}}],
                                          "imagePullSecrets": [{"name": "registry"}]}}}}
    store = {"apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore", "metadata": {"name": "bao"},
             "spec": {"provider": {"vault": {"auth": {"tokenSecretRef": {"name": "t"}, "secretRef": {
                 "name": "bao-token", "namespace": "external-secrets"}}}}}}
    token = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "bao-token", "namespace": "external-secrets"}}
    assert _manifest_findings([pod, store, token], "DSG105") == [
        ("/spec/template/spec/volumes/0/secret/secretName",
         "Secret 'certs' is neither produced by the tree nor listed in the profile's externalSecrets"),
        ("/spec/template/spec/imagePullSecrets/0/name",
         "Secret 'registry' is neither produced by the tree nor listed in the profile's externalSecrets")]


def test_a_database_names_a_cluster_of_the_tree():
    database = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Database", "metadata": {"name": "d", "namespace": "data"},
                "spec": {"cluster": {"name": "pg"}, "name": "app", "owner": "app"}}
    assert _manifest_findings([database], "DSG102") == [
        ("/spec/cluster/name", "names Cluster 'pg', which the tree does not define")]


def test_two_topics_with_one_kafka_name_in_a_profile():
    from tests.components.harness import findings

    assert [f for f in findings({"kafka": {"topics": {"orders-v2": {"topicName": "user-events", "partitions": 3}}}})
            if f[0] == "DSG108"] == [
        ("DSG108", ("kafka", "topics", "orders-v2"), "names Kafka topic 'user-events', as topic 'user-events' does: "
         "the Topic Operator manages a topic from one KafkaTopic and puts the other in ResourceConflict")]


def test_credentials_come_from_openbao_or_the_cluster():
    from tests.components.harness import findings

    assert [f for f in findings({"secrets": {"credentials": {"redis-auth": None}}}) if f[0] == "DSG331"] == [
        ("DSG331", ("redis", "auth", "secretName"), "Secret 'redis-auth' comes from nowhere: give it an OpenBao "
         "path in secrets.credentials, or list it in externalSecrets if the cluster holds it"),
        ("DSG331", ("secrets", "deliver", "ecotrack", 1),
         "'redis-auth' is not one of secrets.credentials nor a Secret of postgres.dynamicCredentials; only those can be delivered")]
    assert [f for f in findings({"externalSecrets": ["redis-auth"]}) if f[0] == "DSG331"] == [
        ("DSG331", [("secrets", "credentials", "redis-auth"), ("externalSecrets",)],
         "Secret 'redis-auth' is both brought from OpenBao and listed as held by the cluster; keep one")]
    typo = {"secrets": {"credentials": {"postgres-credentials": {"properties": {"passwd": "owner-password"}}}}}
    assert [f for f in findings(typo) if f[0] == "DSG331"] == [
        ("DSG331", ("secrets", "credentials", "postgres-credentials", "properties", "passwd"),
         "'postgres-credentials' is read for password only; 'passwd' would never be used")]
    assert [f for f in findings({"secrets": {"deliver": {"data": ["redis-auth"]}}}) if f[0] == "DSG331"] == [
        ("DSG331", ("secrets", "deliver", "data"), "data is the services' own namespace, where every credential "
         "is already; deliver to the applications' namespaces")]
    # A credential for a service left out writes nothing and is no error.
    assert [f for f in findings({"redis": {"enabled": False}}) if f[0] == "DSG331"] == []


def test_egress_needs_isolation_and_a_real_api_server_block():
    from tests.components.harness import findings

    egress = {"apiServer": ["10.0.0.0/16"]}
    assert [f for f in findings({"network": {"egress": egress}}) if f[0] == "DSG333"] == []
    assert [f for f in findings({"network": {"isolate": False, "egress": egress}}) if f[0] == "DSG333"] == [
        ("DSG333", [("network", "egress"), ("network", "isolate")],
         "egress is denied by the NetworkPolicies that isolate writes; set isolate: true or remove egress")]
    assert [f for f in findings({"network": {"egress": {"apiServer": ["10.0.0.0/16", "0.0.0.0/0"]}}})
            if f[0] == "DSG333"] == [
        ("DSG333", ("network", "egress", "apiServer", 1), "0.0.0.0/0 is every address: name the API server's "
         "endpoints (kubectl get endpointslices -l kubernetes.io/service-name=kubernetes)")]
