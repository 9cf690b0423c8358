"""Builders for kinds every service needs, fed plain values.

Each kit returns a :class:`~dsgen.components.base.Part` whose body is the
document without metadata; the renderer stamps the name, namespace and
labels like any other part. A component adds, say, its NetworkPolicy in a
few lines of its plan::

    yield kits.network_policy(Owner("postgresql", pg.name), f"{pg.name}-ingress",
                              select={"cnpg.io/cluster": pg.name},
                              ingress=[Allow([Peer(namespace="ecotrack")], [5432])])

Kits know nothing of profiles or of other kits; what they build is checked
against the Kubernetes and CRD schemas by their tests.
"""

from dsgen.kits.base import Owner
from dsgen.kits.cronjob import SecretEnv, Step, cron_job, upload_step
from dsgen.kits.externalsecret import RemoteRef, external_secret, generated_secret, vault_dynamic_secret
from dsgen.kits.monitoring import Alert, Panel, cron_jobs_late, dashboard, pod_monitor, prometheus_rule
from dsgen.kits.networkpolicy import Allow, Peer, network_policy, service_ingress, to_blocks

__all__ = [
    "Alert", "Allow", "Owner", "Panel", "Peer", "RemoteRef", "SecretEnv", "Step", "cron_job", "cron_jobs_late", "dashboard", "external_secret",
    "generated_secret", "network_policy", "pod_monitor", "prometheus_rule", "service_ingress", "to_blocks",
    "upload_step", "vault_dynamic_secret",
]
