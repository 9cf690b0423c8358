"""Kits build documents the renderer stamps like any other part; every kit's
output is strictly valid against Kubernetes' and the CRDs' schemas."""

from __future__ import annotations

import pytest

from dsgen import kits
from dsgen.components.base import Component
from dsgen.contract import Context
from dsgen.kits import Alert, Allow, Owner, Peer, RemoteRef, SecretEnv
from dsgen.render import Renderer
from dsgen.rules import Overlay
from dsgen.validate.api import validate_overlay
from dsgen.validate.results import Status
from dsgen.validate.schemas import SchemaStore
from tests.conftest import CATALOG

CTX = Context("ecotrack", "data", "1.34", {})
OWNER = Owner("postgresql", "pg")


def stamp(part) -> dict:
    return Renderer({}).document(CTX, Component("test"), part)


def every_kit():
    yield kits.network_policy(OWNER, "pg-ingress", select={"cnpg.io/cluster": "pg"}, ingress=[
        Allow([Peer(namespace="ecotrack"), Peer(namespace="monitoring", pods={"app": "prometheus"})], [5432]),
        Allow([Peer(pods={"cnpg.io/cluster": "pg"})]),
    ])
    yield kits.network_policy(OWNER, "default-deny", select={}, ingress=[], egress=[
        Allow([Peer(cidr="0.0.0.0/0", except_cidrs=("169.254.169.254/32",))], [443]),
        Allow(ports=[53], protocol="UDP"),
    ])
    yield kits.external_secret(OWNER, "pg-app", store="openbao", secret_type="kubernetes.io/basic-auth",
                               data={"username": RemoteRef("database/creds/app", "username"),
                                     "password": RemoteRef("database/creds/app", "password")})
    yield kits.vault_dynamic_secret(OWNER, "pg-app-user", path="database/creds/app", provider={
        "server": "https://openbao.openbao.svc:8200",
        "auth": {"kubernetes": {"mountPath": "kubernetes", "role": "data", "serviceAccountRef": {"name": "reader"}}}})
    yield kits.generated_secret(OWNER, "pg-app-user", generator="pg-app-user", refresh="12h")
    yield kits.pod_monitor(OWNER, "pg", select={"cnpg.io/cluster": "pg"}, port="metrics",
                           namespace="data", labels={"release": "prometheus"})
    yield kits.prometheus_rule(OWNER, "pg-alerts", groups={"postgres": [
        Alert("PostgresDown", "cnpg_collector_up == 0", "critical", "PostgreSQL is down",
              "An instance of {{ $labels.pod }} does not answer.", "https://runbook/#postgres-down"),
    ]})
    yield kits.dashboard(OWNER, "pg-dashboard", title="PostgreSQL pg", labels={"grafana_dashboard": "1"},
                         panels=[kits.Panel("Up", 'cnpg_collector_up{pod=~"pg-[0-9]+"}')])
    yield kits.cron_job(OWNER, "pg-dump", schedule="0 3 * * *", image="postgres:17.2",
                        command=["sh", "-c", "pg_dump"], env={"PGHOST": "pg-rw",
                                                             "PGPASSWORD": SecretEnv("pg-app", "password")},
                        resources={"requests": {"cpu": "100m", "memory": "128Mi"}})


@pytest.mark.parametrize("part", list(every_kit()), ids=lambda p: p.name)
def test_every_kit_is_strictly_valid(crds, part):
    doc = stamp(part)
    overlay = Overlay([doc], external_secrets=frozenset({"pg-app"}))
    # Alone, a kit's references to stores and generators cannot resolve: they are warnings.
    results = validate_overlay(overlay, "kits", SchemaStore([str(CATALOG)], "1.34"), "builtin", closed=False)
    assert [(r.rule, r.path, r.message) for r in results
            if r.status is not Status.VALID and (r.status, r.rule) != (Status.WARNING, "DSG109")] == []


def test_network_policy_selects_namespaces_by_their_name_label():
    doc = stamp(next(every_kit()))
    assert doc == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "pg-ingress", "namespace": "data", "labels": {
            "app.kubernetes.io/name": "postgresql", "app.kubernetes.io/instance": "pg",
            "app.kubernetes.io/component": "network-policy", "app.kubernetes.io/part-of": "ecotrack",
            "app.kubernetes.io/managed-by": "dsgen"}},
        "spec": {
            "podSelector": {"matchLabels": {"cnpg.io/cluster": "pg"}},
            "ingress": [
                {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ecotrack"}}},
                          {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                           "podSelector": {"matchLabels": {"app": "prometheus"}}}],
                 "ports": [{"protocol": "TCP", "port": 5432}]},
                {"from": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": "pg"}}}]},
            ],
            "policyTypes": ["Ingress"],
        },
    }


def test_service_ingress_admits_clients_monitoring_and_its_own_peers():
    spec = stamp(kits.service_ingress(OWNER, "pg", {"cnpg.io/cluster": "pg"}, clients=["ecotrack", "batch"],
                                      ports=[5432], metrics=[9187], monitoring="monitoring",
                                      also=[Allow([Peer(pods={"cnpg.io/cluster": "pg"})], [8000])]))["spec"]
    assert spec["ingress"] == [
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ecotrack"}}},
                  {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "batch"}}}],
         "ports": [{"protocol": "TCP", "port": 5432}]},
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
         "ports": [{"protocol": "TCP", "port": 9187}]},
        {"from": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": "pg"}}}],
         "ports": [{"protocol": "TCP", "port": 8000}]},
    ]
    # No clients and no monitoring namespace: only the peers it is given.
    alone = stamp(kits.service_ingress(OWNER, "pg", {"cnpg.io/cluster": "pg"}, clients=[], ports=[5432],
                                       metrics=[9187], monitoring=None))["spec"]
    assert alone["ingress"] == []


def test_an_empty_direction_denies_it_all():
    spec = stamp(kits.network_policy(OWNER, "deny", select={}, ingress=[]))["spec"]
    assert spec == {"podSelector": {}, "ingress": [], "policyTypes": ["Ingress"]}


def test_cron_job_never_overlaps_and_runs_unprivileged():
    spec = stamp(list(every_kit())[-1])["spec"]
    assert (spec["concurrencyPolicy"], spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == ("Forbid", 3, 3)
    job = spec["jobTemplate"]["spec"]
    assert (job["activeDeadlineSeconds"], job["backoffLimit"]) == (3600, 2)
    pod = job["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["containers"][0]["env"][1] == {
        "name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": "pg-app", "key": "password"}}}
    assert "serviceAccountName" not in pod  # None is pruned, never written as null


def test_external_secret_types_the_target():
    spec = stamp(list(every_kit())[2])["spec"]
    assert spec["target"] == {"name": "pg-app", "creationPolicy": "Owner",
                              "template": {"type": "kubernetes.io/basic-auth"}}
    assert spec["secretStoreRef"] == {"name": "openbao", "kind": "SecretStore"}


@pytest.mark.parametrize("build,message", [
    (lambda: kits.network_policy(OWNER, "x", select={}), "NetworkPolicy x: give ingress, egress or both"),
    (lambda: kits.external_secret(OWNER, "x", store="s", data={}), "ExternalSecret x: give at least one key"),
    (lambda: kits.prometheus_rule(OWNER, "x", groups={"g": []}), "PrometheusRule x: every group needs at least one alert"),
    (lambda: Peer().render(), "a Peer names a namespace, pods or an address block"),
])
def test_kits_refuse_what_would_be_meaningless(build, message):
    with pytest.raises(ValueError) as info:
        build()
    assert str(info.value) == message
