"""The contract between the services and what spans them.

A component's plan turns its profile section into :class:`Part` values; the
features that span the services (credentials, CA trust, the runbook,
delivery, the platform's own resources) read what each component declares
through the values defined here. This module sits below both: it imports
nothing of dsgen, so neither side imports the other.
Nothing here imports pydantic or jinja2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping


MANAGED_BY = "dsgen"

KeyPath = tuple[Any, ...]  # a key's path in the profile
GroupKind = tuple[str, str]  # a resource's API group and kind


@dataclass(frozen=True)
class Context:
    """Facts about the whole environment a component may use."""

    platform: str  # app.kubernetes.io/part-of
    namespace: str  # the namespace of every resource
    kubernetes_version: str
    operators: Mapping[str, str]  # pinned operator releases by profile key
    external_secrets: tuple[str, ...] = ()
    environment: str = "base"  # the profile's name: an environment, or base
    # network.isolate, network.monitoringNamespace and operatorNamespaces by
    # profile key (dsgen.models.Network); None: no NetworkPolicies.
    network: Mapping[str, Any] | None = None
    # secrets (dsgen.models.Secrets: openbao, credentials, deliver); None:
    # the environment brings no credentials from OpenBao.
    secrets: Mapping[str, Any] | None = None
    # monitoring (dsgen.models.Monitoring: labels, runbook, thresholds); None: none.
    monitoring: Mapping[str, Any] | None = None
    # delivery.argocd is set: every resource carries its Argo CD sync wave (dsgen.contract.wave).
    sync_waves: bool = False

    @classmethod
    def of(cls, profile: Any, environment: str = "base") -> "Context":
        return cls(
            platform=profile.platform,
            namespace=profile.namespace,
            kubernetes_version=profile.kubernetesVersion,
            operators=profile.operators.model_dump(),
            external_secrets=tuple(profile.externalSecrets),
            environment=environment,
            network=profile.network.model_dump() if profile.network.isolate else None,
            secrets=profile.secrets.model_dump() if profile.secrets is not None else None,
            monitoring=profile.monitoring.model_dump() if profile.monitoring is not None else None,
            sync_waves=getattr(getattr(profile, "delivery", None), "argocd", None) is not None,
        )


@dataclass(frozen=True)
class SecretNeed:
    """A Secret a profile section makes its operator read: where the profile
    names it, the keys the operator reads from it, and the Secret type it
    requires (None: any)."""

    path: KeyPath
    name: str
    keys: tuple[str, ...]
    type: str | None = None
    # keys whose value the reader requires to be exactly this (a basic-auth
    # username that must be the role's name), written, not fetched
    fixed: tuple[tuple[str, str], ...] = ()

    @property
    def fetched(self) -> tuple[str, ...]:
        """The keys whose values come from the secret store."""
        return tuple(key for key in self.keys if key not in dict(self.fixed))


@dataclass(frozen=True)
class DynamicSecret:
    """A Secret an OpenBao secrets engine issues anew each time it is read
    (users of a database), through External Secrets' VaultDynamicSecret
    generator: where the profile names it, the engine path that issues it
    (read with GET), how often to ask for a new one, and what OpenBao must be
    told first (``setup``: the engine's mount and the writes that configure
    it, each ``(path, body, fromKv)`` where fromKv names body keys whose value
    is read from the KV mount at apply time, never written to git)."""

    path: KeyPath
    name: str
    engine_path: str
    refresh: str
    engine: str  # the engine type (and file name): database
    mount: str
    setup: tuple[tuple[str, Mapping[str, Any], Mapping[str, tuple[str, str]]], ...] = ()


@dataclass(frozen=True)
class Recovery:
    """How a service comes back after losing its data, for the runbook
    (dsgen.runbook): the design's objectives, what this environment's
    configuration gives, what is backed up, and the procedure with the
    environment's own names."""

    service: str  # as shown: PostgreSQL
    rto: str  # the design's recovery time objective
    rpo: str  # the design's recovery point objective
    achieved: str  # the data this configuration can lose, and why
    backups: tuple[str, ...]
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    """One resource a plan asks for.

    ``template`` names a file in the component's templates folder, laid out
    with ``values``; or ``body`` is the document already built (a kit's),
    with ``apiVersion``, ``kind`` and the rest but no metadata. The renderer
    stamps ``metadata``: the name, the namespace, the recommended labels
    (``app`` as app.kubernetes.io/name, ``role`` as .../component,
    ``instance``, ``version``), then ``labels`` (operators' own, such as
    strimzi.io/cluster) and ``annotations``.
    """

    name: str
    app: str
    role: str
    instance: str
    template: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    version: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] | None = None
    namespaced: bool = True  # False: a cluster-scoped kind (StorageClass), stamped without a namespace
    namespace: str | None = None  # another namespace than the profile's (credentials for applications)

    def __post_init__(self) -> None:
        if (self.template is None) == (self.body is None):
            raise ValueError(f"part {self.name}: give a template or a body, not both or neither")


def recommended_labels(ctx: Context, part: Part) -> dict[str, str]:
    """The Kubernetes recommended labels of a part, then its own."""
    out = {
        "app.kubernetes.io/name": part.app,
        "app.kubernetes.io/instance": part.instance,
        "app.kubernetes.io/component": part.role,
        "app.kubernetes.io/part-of": ctx.platform,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }
    if part.version:
        out["app.kubernetes.io/version"] = part.version
    out.update(part.labels)
    return out


Plan = Callable[[Context, Any], Iterable[Part]]


def runbook_path(ctx: Context) -> str:
    """Where the alerts link: the profile's ``monitoring.runbook``, else the page dsgen writes."""
    return ctx.monitoring["runbook"] or f"runbook/{ctx.environment}.md"


# ---------------------------------------------------------------- Argo CD sync waves

WAVE = "argocd.argoproj.io/sync-wave"

# Sync waves inside the overlay's Application: first the NetworkPolicies (the
# namespace is isolated before any pod starts) and what the secret stores need
# (their ServiceAccount and RBAC, the stores, the generators, the
# StorageClass, cert-manager issuers), then the Secrets they make
# (ExternalSecrets, Certificates), then the data services, then monitoring.
STORES, SECRETS, SERVICES, MONITORING = 1, 2, 3, 4
_WAVES = {
    ("", "ServiceAccount"): STORES, ("rbac.authorization.k8s.io", "Role"): STORES,
    ("rbac.authorization.k8s.io", "RoleBinding"): STORES, ("external-secrets.io", "SecretStore"): STORES,
    ("external-secrets.io", "ClusterSecretStore"): STORES,
    ("generators.external-secrets.io", "VaultDynamicSecret"): STORES, ("storage.k8s.io", "StorageClass"): STORES,
    ("cert-manager.io", "Issuer"): STORES, ("networking.k8s.io", "NetworkPolicy"): STORES,
    ("external-secrets.io", "ExternalSecret"): SECRETS, ("cert-manager.io", "Certificate"): SECRETS,
    ("monitoring.coreos.com", "PodMonitor"): MONITORING, ("monitoring.coreos.com", "PrometheusRule"): MONITORING,
}


def wave(api_version: str, kind: str, role: str) -> int:
    """The sync wave of a resource of the tree (its Part's role tells a
    Grafana dashboard's ConfigMap from the others)."""
    group = api_version.rpartition("/")[0]
    if role == "dashboard":
        return MONITORING
    return _WAVES.get((group, kind), SERVICES)
