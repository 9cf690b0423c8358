"""The pods CloudNativePG makes, for `dsgen access` (facts in operators/cloudnativepg.py)."""

from __future__ import annotations

from typing import Iterator

from dsgen.network import Port, Workload
from dsgen.operators import cloudnativepg as cnpg
from dsgen.rules import Overlay, get, name_of, namespace_of

def _postgres(encrypted: bool) -> Port:
    # CloudNativePG offers TLS on every instance and pooler (its own CA by
    # default); unless the server refuses plaintext, the client chooses.
    return Port(cnpg.POSTGRES_PORT, "postgresql", "tls" if encrypted else "optional")


def _hba_refuses_plaintext(cluster: dict) -> bool:
    """Whether a user pg_hba line rejects every non-TLS connection (user lines
    come before CloudNativePG's default "host all all all")."""
    for line in get(cluster, "spec", "postgresql", "pg_hba") or []:
        fields = str(line).split()
        if fields[:1] == ["hostnossl"]:
            return fields[1:4] == ["all", "all", "all"] and fields[4:5] == ["reject"]
        if fields[:1] == ["host"]:
            return False  # a plaintext-capable line matches first
    return False


def workloads(overlay: Overlay) -> Iterator[Workload]:
    for cluster in overlay.of(("postgresql.cnpg.io", "Cluster")):
        yield Workload(f"{name_of(cluster)} instances", namespace_of(cluster), cnpg.instance_pods(name_of(cluster)),
                       (_postgres(_hba_refuses_plaintext(cluster)), Port(cnpg.STATUS_PORT, "status", "tls"),
                        Port(cnpg.METRICS_PORT, "metrics")))
    for pooler in overlay.of(("postgresql.cnpg.io", "Pooler")):
        cluster = get(pooler, "spec", "cluster", "name") or ""
        labels = {**cnpg.pooler_pods(cluster), **cnpg.pooler_pods(cluster, name_of(pooler))}
        mode = get(pooler, "spec", "pgbouncer", "parameters", "client_tls_sslmode")
        yield Workload(f"{name_of(pooler)} pooler", namespace_of(pooler), labels,
                       (_postgres(mode in cnpg.TLS_CLIENT_MODES), Port(cnpg.PGBOUNCER_METRICS_PORT, "metrics")))


OPERATOR_PODS = (("cloudnative-pg", "cloudnativepg", cnpg.OPERATOR_POD),)
