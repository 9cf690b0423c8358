"""The pods CloudNativePG makes, for `dsgen access` (facts in operators/cloudnativepg.py)."""

from __future__ import annotations

from typing import Iterator

from dsgen.network import Port, Workload
from dsgen.operators import cloudnativepg as cnpg
from dsgen.rules import Overlay, name_of, namespace_of

# CloudNativePG offers TLS on every instance and pooler (its own CA by default);
# a client without sslmode=require may still connect in plaintext.
POSTGRES = Port(cnpg.POSTGRES_PORT, "postgresql", "optional")


def workloads(overlay: Overlay) -> Iterator[Workload]:
    for cluster in overlay.of(("postgresql.cnpg.io", "Cluster")):
        yield Workload(f"{name_of(cluster)} instances", namespace_of(cluster), cnpg.instance_pods(name_of(cluster)),
                       (POSTGRES, Port(cnpg.STATUS_PORT, "status", "tls"), Port(cnpg.METRICS_PORT, "metrics")))
    for pooler in overlay.of(("postgresql.cnpg.io", "Pooler")):
        cluster = ((pooler.get("spec") or {}).get("cluster") or {}).get("name", "")
        labels = {**cnpg.pooler_pods(cluster), **cnpg.pooler_pods(cluster, name_of(pooler))}
        yield Workload(f"{name_of(pooler)} pooler", namespace_of(pooler), labels,
                       (POSTGRES, Port(cnpg.PGBOUNCER_METRICS_PORT, "metrics")))


OPERATOR_PODS = (("cloudnative-pg", "cloudnativepg", cnpg.OPERATOR_POD),)
