"""Argo CD wiring of one environment (``argocd/<environment>/``, written
beside the tree when the profile has ``delivery.argocd``).

- an AppProject limiting the sources to the Git repository and the
  operators' chart repositories, and the destinations to the namespaces the
  tree and the operators use;
- an Application per operator the environment needs (each component says
  which: ``Component.operators``), from its official Helm chart at the exact
  version of the pinned release (``operators.charts``), with the values the
  rest of the tree relies on;
- an Application for the environment's overlay;
- a repository Secret for each chart served over OCI (Argo CD reads those
  only from a repository registered with enableOCI).

Sync waves order them: cert-manager (-3), the operators (-2), the Barman
Cloud plugin (-1, it asks cert-manager for certificates and plugs into
CloudNativePG), then the data services (0); inside the overlay each
resource carries its own wave (``wave``): secret stores, then the Secrets,
then the services, then monitoring. ``kubectl apply -k
argocd/<environment>`` once, and Argo CD does the rest.
"""

from __future__ import annotations

from typing import Any, Iterable

from dsgen import yamlio
from dsgen.components.base import Sections
from dsgen.contract import WAVE, Context
from dsgen.platform.plan import operators as platform_operators
from dsgen.operators.charts import CHARTS, Chart

API = "argoproj.io/v1alpha1"
# The exported Helm chart (dsgen.formats.helm) as an Application's source:
# its release name (the one the chart's README uses; nothing in the chart
# depends on it) and each environment's values file.
RELEASE = "data"


def values_file(env: str) -> str:
    return f"values-{env}.yaml"


def operators(profile: Any, environment: str, sections: Sections) -> list[str]:
    """The operators the platform pass and the enabled services need, by
    profile.operators key, in the order of CHARTS."""
    ctx = Context.of(profile, environment)
    needed: set[str] = set(platform_operators(profile))
    for component, section in sections:
        if component.operators is not None:
            needed.update(component.operators(ctx, section))
    return [key for key in CHARTS if key in needed]


# Server-side diff (Argo CD's diff strategies, stable since 3.1): the diff
# asks the API server for a server-side apply dry run, so the CRDs' defaults
# and the operators' mutating webhooks (CloudNativePG's defaults a Cluster)
# are in the predicted state; the structured-merge diff that ServerSideApply
# would otherwise use is discontinued for its trouble with CRD defaults.
COMPARE = {"argocd.argoproj.io/compare-options": "ServerSideDiff=true,IncludeMutationWebhook=true"}


def _metadata(name: str, namespace: str, labels: dict | None = None,
              annotations: dict | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        out["labels"] = labels
    if annotations:
        out["annotations"] = annotations
    return out


def _application_metadata(name: str, namespace: str, wave: int) -> dict[str, Any]:
    """An Application's: its sync wave, and the server-side diff."""
    return _metadata(name, namespace, annotations={WAVE: str(wave), **COMPARE})


def _operator_application(profile: Any, environment: str, key: str, chart: Chart) -> dict[str, Any]:
    argocd = profile.delivery.argocd
    release = getattr(profile.operators, key)
    source: dict[str, Any] = {"repoURL": chart.repo, "chart": chart.chart, "targetRevision": chart.version(release),
                              "helm": {"releaseName": chart.chart}}
    values = {**chart.values(profile), **chart.without_hooks}
    if values:
        source["helm"]["valuesObject"] = values
    return {
        "apiVersion": API, "kind": "Application",
        "metadata": _application_metadata(f"{environment}-{chart.chart}", argocd.namespace, chart.wave),
        "spec": {
            "project": argocd.project,
            "source": source,
            "destination": {"server": argocd.server,
                            "namespace": getattr(profile.network.operatorNamespaces, chart.namespace_key)},
            # Server-side apply: CloudNativePG's and Strimzi's CRDs are too
            # large for the last-applied annotation of a client-side apply
            # (the 262144-byte limit on annotations).
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True},
                           "syncOptions": ["CreateNamespace=true", "ServerSideApply=true"]},
        },
    }


def _source_path(argocd: Any, environment: str) -> str:
    """The folder the environment's Application syncs: its overlay, or the chart."""
    return argocd.chart.strip("/") if argocd.chart else f"{argocd.path.strip('/')}/overlays/{environment}"


def _overlay_application(profile: Any, environment: str) -> dict[str, Any]:
    argocd = profile.delivery.argocd
    source: dict[str, Any] = {"repoURL": argocd.repoURL, "targetRevision": argocd.targetRevision,
                              "path": _source_path(argocd, environment)}
    if argocd.chart:  # the chart dsgen exports: its release name changes nothing it renders
        source["helm"] = {"releaseName": RELEASE, "valueFiles": [values_file(environment)]}
    return {
        "apiVersion": API, "kind": "Application",
        "metadata": _application_metadata(f"{profile.platform}-{environment}", argocd.namespace, 0),
        "spec": {
            "project": argocd.project,
            "source": source,
            "destination": {"server": argocd.server, "namespace": profile.namespace},
            # No automated prune: a resource leaving the tree may hold data
            # (dsgen render refuses such changes without --allow-destructive);
            # prune it by hand once the change is meant. The custom resources
            # wait for their CRDs, which the operators' Applications bring in
            # the same sync: SkipDryRunOnMissingResource.
            "syncPolicy": {"automated": {"prune": False, "selfHeal": True},
                           "syncOptions": ["CreateNamespace=true", "ServerSideApply=true",
                                           "SkipDryRunOnMissingResource=true"]},
        },
    }


# Cluster-scoped kinds the charts and the tree create: CRDs, RBAC, webhooks,
# the namespaces Argo CD creates, the tree's StorageClass and a
# ClusterSecretStore.
CLUSTER_KINDS = (("apiextensions.k8s.io", "CustomResourceDefinition"), ("rbac.authorization.k8s.io", "ClusterRole"),
                 ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
                 ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
                 ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"), ("", "Namespace"),
                 ("storage.k8s.io", "StorageClass"), ("external-secrets.io", "ClusterSecretStore"))


def _project(profile: Any, keys: list[str], namespaces: Iterable[str]) -> dict[str, Any]:
    argocd = profile.delivery.argocd
    repos = [argocd.repoURL, *dict.fromkeys(CHARTS[key].repo for key in keys)]
    targets = dict.fromkeys([*namespaces, *(getattr(profile.network.operatorNamespaces, CHARTS[key].namespace_key)
                                            for key in keys)])
    return {
        "apiVersion": API, "kind": "AppProject",
        "metadata": _metadata(argocd.project, argocd.namespace),
        "spec": {
            "description": f"The {profile.platform} data services and their operators",
            "sourceRepos": repos,
            "destinations": [{"server": argocd.server, "namespace": namespace} for namespace in targets],
            "clusterResourceWhitelist": [{"group": group, "kind": kind} for group, kind in CLUSTER_KINDS],
        },
    }


def _oci_repository(profile: Any, chart: Chart) -> dict[str, Any]:
    """Argo CD's declarative repository Secret (label secret-type: repository)
    for a Helm chart over OCI: public, so no credentials."""
    return {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": _metadata(f"repository-{chart.chart}", profile.delivery.argocd.namespace,
                              labels={"argocd.argoproj.io/secret-type": "repository"}),
        "stringData": {"type": "helm", "name": chart.chart, "url": chart.repo, "enableOCI": "true"},
    }


def _kustomization(resources: list[str], header: list[str]) -> str:
    return yamlio.dump({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                        "resources": resources}, header)


def files(profile: Any, environment: str, header: list[str], namespaces: Iterable[str],
          sections: Sections) -> dict[str, str]:
    """``argocd/<environment>/``: the AppProject, repository Secrets, the
    operators' Applications and the overlay's, and a kustomization of them;
    nothing without ``delivery.argocd``. ``namespaces``: those the
    environment's resources go to. With ``applicationSet`` the project and
    the overlay's Application are left to :func:`shared_files`."""
    if profile.delivery is None:
        return {}
    if profile.delivery.argocd is None:
        return flux_files(profile, environment, header, sections)
    together = profile.delivery.argocd.applicationSet
    keys = operators(profile, environment, sections)
    documents = {} if together else {"appproject.yaml": _project(profile, keys, [profile.namespace, *namespaces])}
    for key in keys:
        chart = CHARTS[key]
        if chart.oci and not together:  # else one for every environment, in argocd/
            documents[f"repository-{chart.chart}.yaml"] = _oci_repository(profile, chart)
        documents[f"application-{chart.chart}.yaml"] = _operator_application(profile, environment, key, chart)
    if not together:
        documents["application-data-services.yaml"] = _overlay_application(profile, environment)
    root = f"argocd/{environment}"
    out = {f"{root}/{name}": yamlio.dump(doc, header) for name, doc in documents.items()}
    out[f"{root}/kustomization.yaml"] = _kustomization(list(documents), header)
    return out


def shared_files(environments: list[tuple[str, Any, list[str], Sections]], header: list[str]) -> dict[str, str]:
    """With ``applicationSet``: ``argocd/`` itself holds one AppProject over
    every environment (each one's destinations on its own server), one
    ApplicationSet whose list generator has an element per environment (its
    server and overlay) and the OCI repository Secrets, besides the
    environments' folders.
    ``environments``: (name, profile, namespaces, enabled sections) of each rendered one."""
    chosen = [(env, profile, namespaces, sections) for env, profile, namespaces, sections in environments
              if profile.delivery is not None and profile.delivery.argocd is not None
              and profile.delivery.argocd.applicationSet]
    if not chosen:
        return {}
    first = chosen[0][1]
    argocd = first.delivery.argocd
    project = _project(first, [], [])
    repos, destinations, oci = dict.fromkeys(project["spec"]["sourceRepos"]), {}, {}
    for env, profile, namespaces, sections in chosen:
        keys = operators(profile, env, sections)
        oci.update({CHARTS[key].chart: CHARTS[key] for key in keys if CHARTS[key].oci})
        one = _project(profile, keys, [profile.namespace, *namespaces])["spec"]
        repos.update(dict.fromkeys(one["sourceRepos"]))
        destinations.update({(d["server"], d["namespace"]): d for d in one["destinations"]})
    project["spec"]["sourceRepos"] = list(repos)
    project["spec"]["destinations"] = list(destinations.values())
    elements = [{"environment": env, "server": profile.delivery.argocd.server, "namespace": profile.namespace,
                 "path": _source_path(profile.delivery.argocd, env)} for env, profile, _, _ in chosen]
    template = _overlay_application(first, "{{.environment}}")
    template["metadata"] = {"name": f"{first.platform}-{{{{.environment}}}}", "annotations": dict(COMPARE)}
    template["spec"]["source"]["path"] = "{{.path}}"
    template["spec"]["destination"] = {"server": "{{.server}}", "namespace": "{{.namespace}}"}
    application_set = {
        "apiVersion": API, "kind": "ApplicationSet",
        "metadata": _metadata(f"{first.platform}-data-services", argocd.namespace),
        "spec": {"goTemplate": True, "goTemplateOptions": ["missingkey=error"],
                 "generators": [{"list": {"elements": elements}}],
                 "template": {"metadata": template["metadata"], "spec": template["spec"]}},
    }
    documents = {"appproject.yaml": project, "applicationset.yaml": application_set,
                 **{f"repository-{name}.yaml": _oci_repository(first, chart) for name, chart in sorted(oci.items())}}
    out = {f"argocd/{name}": yamlio.dump(doc, header) for name, doc in documents.items()}
    out["argocd/kustomization.yaml"] = _kustomization([*documents, *(env for env, _, _, _ in chosen)], header)
    return out


# ---------------------------------------------------------------- Flux

FLUX_HELM = "helm.toolkit.fluxcd.io/v2"
FLUX_SOURCE = "source.toolkit.fluxcd.io/v1"
FLUX_KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"
# The plugin runs beside CloudNativePG and asks cert-manager for certificates.
DEPENDS_ON = {"barmanCloud": ("cloudnativepg", "certManager")}


def _repository_name(chart: Chart) -> str:
    """A HelmRepository's name from its host: charts.jetstack.io -> jetstack,
    cloudnative-pg.github.io -> cloudnative-pg; an OCI one by its chart."""
    if chart.oci:
        return chart.chart
    labels = chart.repo.removeprefix("https://").split("/")[0].split(".")
    return labels[1] if labels[0] == "charts" else labels[0]


def flux_files(profile: Any, environment: str, header: list[str], sections: Sections) -> dict[str, str]:
    """``flux/<environment>/``: a GitRepository of the tree, a Kustomization
    ``<platform>-<environment>-operators`` of ``operators/`` (a HelmRepository
    per chart repository and a HelmRelease per operator, CRDs created and
    replaced with the chart, waited for), and a Kustomization of the overlay
    that depends on it; a kustomization of the three to bootstrap with
    ``kubectl apply -k``. Flux runs Helm itself, hooks included."""
    flux = profile.delivery.flux
    keys = operators(profile, environment, sections)
    name = f"{profile.platform}-{environment}"
    root = f"flux/{environment}"
    source = {"kind": "GitRepository", "name": profile.platform}
    operators_folder: dict[str, dict[str, Any]] = {}
    for key in keys:
        chart = CHARTS[key]
        repository = _repository_name(chart)
        operators_folder[f"helmrepository-{repository}.yaml"] = {
            "apiVersion": FLUX_SOURCE, "kind": "HelmRepository",
            "metadata": _metadata(repository, flux.namespace),
            "spec": {"interval": flux.interval, **({"type": "oci", "url": f"oci://{chart.repo}"} if chart.oci
                                                    else {"url": chart.repo})}}
        release: dict[str, Any] = {
            "interval": flux.interval, "releaseName": chart.chart,
            "targetNamespace": getattr(profile.network.operatorNamespaces, chart.namespace_key),
            "chart": {"spec": {"chart": chart.chart, "version": chart.version(getattr(profile.operators, key)),
                               "sourceRef": {"kind": "HelmRepository", "name": repository}}},
            "install": {"createNamespace": True, "crds": "CreateReplace"},
            "upgrade": {"crds": "CreateReplace"},
        }
        needs = [CHARTS[k].chart for k in DEPENDS_ON.get(key, ()) if k in keys]
        if needs:
            release["dependsOn"] = [{"name": n} for n in needs]
        values = chart.values(profile)
        if values:
            release["values"] = values
        operators_folder[f"helmrelease-{chart.chart}.yaml"] = {
            "apiVersion": FLUX_HELM, "kind": "HelmRelease",
            "metadata": _metadata(chart.chart, flux.namespace), "spec": release}
    path = flux.path.strip("/")
    top = {
        "gitrepository.yaml": {
            "apiVersion": FLUX_SOURCE, "kind": "GitRepository", "metadata": _metadata(profile.platform, flux.namespace),
            "spec": {"interval": flux.interval, "url": flux.url, "ref": {"branch": flux.branch}}},
        "operators.yaml": {
            "apiVersion": FLUX_KUSTOMIZE, "kind": "Kustomization",
            "metadata": _metadata(f"{name}-operators", flux.namespace),
            "spec": {"interval": flux.interval, "sourceRef": source, "path": f"./{path}/{root}/operators",
                     "prune": True, "wait": True}},
        # No prune: a resource that leaves the tree may hold data (README, "GitOps").
        "data-services.yaml": {
            "apiVersion": FLUX_KUSTOMIZE, "kind": "Kustomization", "metadata": _metadata(name, flux.namespace),
            "spec": {"interval": flux.interval, "sourceRef": source, "path": f"./{path}/overlays/{environment}",
                     "prune": False, "dependsOn": [{"name": f"{name}-operators"}]}},
    }
    out = {f"{root}/{file}": yamlio.dump(doc, header) for file, doc in top.items()}
    out[f"{root}/kustomization.yaml"] = _kustomization(list(top), header)
    out.update({f"{root}/operators/{file}": yamlio.dump(doc, header) for file, doc in operators_folder.items()})
    out[f"{root}/operators/kustomization.yaml"] = _kustomization(list(operators_folder), header)
    return out
