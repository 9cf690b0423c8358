"""The operators' official Helm charts: where each lives, which chart
version installs which operator release, and the values dsgen gives it.

Chart versions come from each chart's own Chart.yaml history (version and
appVersion at every release commit); where several chart versions carry one
operator release, the newest is taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Chart:
    """One operator's chart. ``repo`` is a Helm repository URL, or an OCI
    registry path (``oci``: Argo CD needs a repository Secret with enableOCI
    for it). ``versions``: operator release -> chart version; None means the
    chart is versioned like the operator (``prefix`` before it)."""

    title: str
    repo: str
    chart: str
    namespace_key: str  # the key of network.operatorNamespaces it installs into
    versions: Mapping[str, str] | None = None
    prefix: str = ""
    oci: bool = False
    wave: int = -2  # Argo CD sync wave of its Application: before the data services (0)
    # What the chart needs from the profile: values (given the profile).
    values: Callable[[Any], dict[str, Any]] = field(default=lambda profile: {})
    # Values that turn the chart's Helm hooks off, for a delivery that does not
    # run hooks as Helm does (Argo CD makes a post-install hook a PostSync one,
    # run after every sync); empty: the chart has none (README, "GitOps").
    without_hooks: Mapping[str, Any] = field(default_factory=dict)

    def version(self, release: str) -> str | None:
        """The chart version that installs ``release``, or None when none is known."""
        if self.versions is None:
            return f"{self.prefix}{release}"
        return self.versions.get(release)

    def known(self) -> str:
        return ", ".join(self.versions) if self.versions is not None else "every release"


def _strimzi(profile: Any) -> dict[str, Any]:
    """Watch the data namespace only (watchNamespaces; the chart adds its
    own); let Strimzi's NetworkPolicies admit the operator from its own
    namespace only (image.operatorNamespaceLabels sets
    STRIMZI_OPERATOR_NAMESPACE_LABELS, templates/060-Deployment-strimzi-
    cluster-operator.yaml at 0.49.1); network policy generation stays on
    (generateNetworkPolicy: true, the listeners' networkPolicyPeers need it)."""
    namespace = profile.network.operatorNamespaces.strimzi
    return {"watchNamespaces": [profile.namespace], "generateNetworkPolicy": True,
            "image": {"operatorNamespaceLabels": f"kubernetes.io/metadata.name={namespace}"}}


def _cert_manager(profile: Any) -> dict[str, Any]:
    """CRDs from the chart (crds.enabled, kept on uninstall: crds.keep), and
    its leader-election lease and the RBAC for it in its own namespace, not
    the chart's default kube-system (values.yaml global.leaderElection.namespace),
    which the AppProject does not admit."""
    return {"crds": {"enabled": True, "keep": True},
            "global": {"leaderElection": {"namespace": profile.network.operatorNamespaces.certManager}}}


# Chart.yaml version/appVersion at each release of cloudnative-pg/charts
# (charts/cloudnative-pg, charts/plugin-barman-cloud), spotahome/redis-operator
# (charts/redisoperator) and OT-CONTAINER-KIT/redis-operator (charts/redis-operator).
CHARTS: dict[str, Chart] = {
    "certManager": Chart(
        "cert-manager", "https://charts.jetstack.io", "cert-manager", "certManager", prefix="v", wave=-3,
        values=_cert_manager,
        # startupapicheck, a Job and its RBAC, is a post-install hook (values.yaml
        # startupapicheck.jobAnnotations helm.sh/hook: post-install) that only
        # checks that the API answers.
        without_hooks={"startupapicheck": {"enabled": False}}),
    "externalSecrets": Chart(
        "External Secrets Operator", "https://charts.external-secrets.io", "external-secrets", "externalSecrets",
        values=lambda profile: {"installCRDs": True}),  # chart version = release (deploy/charts/external-secrets)
    "cloudnativepg": Chart(
        "CloudNativePG", "https://cloudnative-pg.github.io/charts", "cloudnative-pg", "cloudnativepg", versions={
            "1.25.1": "0.23.2", "1.26.0": "0.24.0", "1.26.1": "0.25.0", "1.27.0": "0.26.0", "1.27.1": "0.26.1",
            "1.28.0": "0.27.0", "1.28.1": "0.27.1", "1.29.0": "0.28.0", "1.29.1": "0.28.3", "1.30.0": "0.29.0"}),
    "barmanCloud": Chart(
        # The plugin runs beside the operator, in its namespace, and asks
        # cert-manager for the certificates of its mTLS with it
        # (templates/certificate-issuer.yaml, client-certificate.yaml).
        "Barman Cloud plugin", "https://cloudnative-pg.github.io/charts", "plugin-barman-cloud", "cloudnativepg",
        versions={"0.5.0": "0.1.0", "0.7.0": "0.2.0", "0.9.0": "0.3.1", "0.10.0": "0.4.0", "0.11.0": "0.5.0",
                  "0.12.0": "0.6.0", "0.13.0": "0.7.0"}, wave=-1),
    "strimzi": Chart(
        # Released as the operator's version (Makefile: helm package --version $(RELEASE_VERSION)).
        "Strimzi", "quay.io/strimzi-helm", "strimzi-kafka-operator", "strimzi", oci=True, values=_strimzi),
    "redisOperator": Chart(
        "spotahome redis-operator", "https://spotahome.github.io/redis-operator", "redis-operator", "redisOperator",
        versions={"1.2.4": "3.2.9", "1.3.0": "3.3.0"}),
    "otRedisOperator": Chart(
        "OT-Container-Kit redis-operator", "https://ot-container-kit.github.io/helm-charts", "redis-operator",
        "otRedisOperator", versions={"0.22.2": "0.22.2", "0.23.0": "0.23.0", "0.24.0": "0.24.0", "0.25.0": "0.25.0",
                                     "0.26.0": "0.26.1"}),
}
