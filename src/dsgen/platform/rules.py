"""Rules about the environment as a whole.

Most are plain rules. Four read what every service declares (the Secrets
they read and make, their kinds that hold data, the operators they need):
:func:`rules` makes those for the components it is given, so that this
module never asks for the registry.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Iterator, Mapping, Sequence

from dsgen.components.base import Component, enabled
from dsgen.rules import Overlay, Rule, get, name_of, namespace_of
from dsgen.units import version_tuple

# Kinds whose object is a Secret, or makes one of the name its spec says.
SECRET = ("", "Secret")
SEALED_SECRET = ("bitnami.com", "SealedSecret")
EXTERNAL_SECRET = ("external-secrets.io", "ExternalSecret")
CERTIFICATE = ("cert-manager.io", "Certificate")


def _key_references(value: Any, path: str) -> Iterator[tuple[str, str, str | None]]:
    """Every Secret named below ``value``: (pointer, name, namespace or None).
    ``secretKeyRef``/``secretRef`` (core/v1 and the operators' own, whose
    ``namespace`` a cluster-scoped object may set), a pod volume's
    ``secret.secretName`` and ``imagePullSecrets``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("secretKeyRef", "secretRef") and isinstance(item, dict) and isinstance(item.get("name"), str):
                namespace = item.get("namespace") if isinstance(item.get("namespace"), str) else None
                yield f"{path}/{key}/name", item["name"], namespace
            elif key == "secret" and isinstance(item, dict) and isinstance(item.get("secretName"), str):
                yield f"{path}/{key}/secretName", item["secretName"], None
            elif key == "imagePullSecrets" and isinstance(item, list):
                for index, entry in enumerate(item):
                    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                        yield f"{path}/{key}/{index}/name", entry["name"], None
            else:
                yield from _key_references(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _key_references(item, f"{path}/{index}")


def _secret_source(services: Sequence[Component], overlay: Overlay):
    producers = [c.produced_secrets for c in services if c.produced_secrets]
    readers = [c.secret_references for c in services if c.secret_references]
    produced: set[tuple[str, str]] = set()
    for kind, doc in zip(overlay.kinds, overlay.documents):
        ns = namespace_of(doc)
        if kind in (SECRET, SEALED_SECRET):
            produced.add((ns, name_of(doc)))
        elif kind == EXTERNAL_SECRET:
            produced.add((ns, get(doc, "spec", "target", "name") or name_of(doc)))
        elif kind == CERTIFICATE and isinstance(get(doc, "spec", "secretName"), str):
            produced.add((ns, get(doc, "spec", "secretName")))  # cert-manager writes it
        for produces in producers:
            produced.update((ns, name) for name in produces(kind, doc))
    for kind, doc in zip(overlay.kinds, overlay.documents):
        references = [(path, name, None) for reads in readers for path, name in reads(kind, doc)]
        references += _key_references(doc.get("spec"), "/spec")
        for path, name, namespace in references:
            if (namespace or namespace_of(doc), name) not in produced and name not in overlay.external_secrets:
                yield doc, path, (f"Secret {name!r} is neither produced by the tree nor listed in the "
                                  "profile's externalSecrets")


STORE_REFERENCE = Rule("DSG109", "secret-store-reference", "Every ExternalSecret's store (a SecretStore of its namespace, or a ClusterSecretStore whose conditions admit its namespace) and every generator it asks (a generator of its namespace, or a ClusterGenerator) is in the tree: External Secrets leaves the Secret unwritten otherwise.", reference=True)
CLUSTER_SCOPED_ESO = {"ClusterSecretStore", "ClusterGenerator"}


@STORE_REFERENCE.on_manifest
def _(overlay: Overlay):
    present: set[tuple[str, str | None, str]] = set()
    allowed: dict[str, set[str] | None] = {}  # ClusterSecretStore -> the namespaces its conditions list
    for (group, kind), doc in zip(overlay.kinds, overlay.documents):
        if group in ("external-secrets.io", "generators.external-secrets.io"):
            present.add((kind, None if kind in CLUSTER_SCOPED_ESO else namespace_of(doc), name_of(doc)))
        if (group, kind) == ("external-secrets.io", "ClusterSecretStore"):
            allowed[name_of(doc)] = _condition_namespaces(get(doc, "spec", "conditions"))
    for doc in overlay.of(EXTERNAL_SECRET):
        wanted = []
        store = get(doc, "spec", "secretStoreRef")
        if isinstance(store, dict) and isinstance(store.get("name"), str):
            wanted.append(("/spec/secretStoreRef/name", store.get("kind") or "SecretStore", store["name"]))
        for index, source in enumerate(get(doc, "spec", "dataFrom") or []):
            ref = get(source, "sourceRef", "generatorRef") if isinstance(source, dict) else None
            if isinstance(ref, dict) and isinstance(ref.get("name"), str) and isinstance(ref.get("kind"), str):
                wanted.append((f"/spec/dataFrom/{index}/sourceRef/generatorRef/name", ref["kind"], ref["name"]))
        for path, kind, name in wanted:
            namespace = None if kind in CLUSTER_SCOPED_ESO else namespace_of(doc)
            if (kind, namespace, name) not in present:
                where = "in the tree" if namespace is None else f"in namespace {namespace}"
                yield doc, path, f"{kind} {name!r} is not {where}: External Secrets cannot fill this Secret"
            elif kind == "ClusterSecretStore" and allowed.get(name) is not None \
                    and namespace_of(doc) not in allowed[name]:
                yield doc, path, (f"ClusterSecretStore {name!r} serves only namespaces "
                                  f"{', '.join(sorted(allowed[name]))} (spec.conditions), not {namespace_of(doc)}")


def _condition_namespaces(conditions: Any) -> set[str] | None:
    """The namespaces a ClusterSecretStore's conditions allow, when they only
    list names; None when there are none, or selectors or regexes this rule
    does not evaluate (External Secrets admits a namespace any condition
    matches: ClusterSecretStore conditions)."""
    if not isinstance(conditions, list) or not conditions:
        return None
    names: set[str] = set()
    for condition in conditions:
        if not isinstance(condition, dict) or set(condition) - {"namespaces"}:
            return None
        names.update(n for n in condition.get("namespaces") or [] if isinstance(n, str))
    return names



def _stateful_removed(services: Sequence[Component], old: Overlay, new: Overlay):
    kinds = [kind for component in services for kind in component.stateful_kinds]
    for kind in kinds:
        remaining = new.names(kind)
        for doc in old.of(kind):
            if (namespace_of(doc), name_of(doc)) not in remaining:
                yield doc, "/metadata/name", (
                    "is removed or renamed: the operator deletes it with its data, and a new name "
                    "starts empty")



OPERATOR_VERSIONS = Rule("DSG321", "operator-versions", "The pinned operators and Kubernetes are releases dsgen supports: CloudNativePG 1.24-1.30, the redis-operator 1.2, OT-Container-Kit's redis-operator 0.26, the Strimzi releases of its Kafka table, Kubernetes 1.25-1.37.")


def _outside(pinned: str, low: str, high: str) -> bool:
    """Outside low..high, comparing the high end by major and minor only."""
    version = version_tuple(pinned)
    return version < version_tuple(low) or version[:2] > version_tuple(high)[:2]


@OPERATOR_VERSIONS.on_profile
def _(ctx, profile):
    from dsgen.operators import cloudnativepg, kubernetes as k8s, opstree, spotahome, strimzi

    pins = profile.operators
    for key, name, (low, high) in (("cloudnativepg", "CloudNativePG", cloudnativepg.SUPPORTED),
                                   ("redisOperator", "the redis-operator", spotahome.SUPPORTED),
                                   ("otRedisOperator", "OT-Container-Kit's redis-operator",
                                    (opstree.SUPPORTED[0], opstree.SUPPORTED[-1]))):
        if _outside(getattr(pins, key), low, high):
            yield ("operators", key), (f"dsgen supports {name} {low} to {high.rsplit('.', 1)[0]}.x, "
                                       f"not {getattr(pins, key)}")
    known = list(strimzi.KAFKA_VERSIONS)
    if pins.strimzi not in strimzi.KAFKA_VERSIONS:
        yield ("operators", "strimzi"), (f"{pins.strimzi} is not a Strimzi release dsgen knows "
                                         f"({known[0]} to {known[-1]})")
    kubernetes = [v.rsplit(".", 1)[0] if v.endswith(".0") else v for v in k8s.versions()]
    if _outside(profile.kubernetesVersion, kubernetes[0], kubernetes[-1]):
        yield ("kubernetesVersion",), (f"dsgen validates Kubernetes {kubernetes[0]} to {kubernetes[-1]}, "
                                       f"not {profile.kubernetesVersion}")




POD_SETTINGS = Rule("DSG326", "pod-settings", "A workload's pod settings are what Kubernetes accepts at the profile's version (affinity and topologySpreadConstraints against its core/v1 schema; label and annotation keys and values), and pod labels leave alone the labels dsgen and the operators select pods by.")

# Label prefixes that select pods: dsgen's recommended labels and the operators'
# own (CloudNativePG pkg/utils/labels_annotations.go, Strimzi Labels.java,
# spotahome generateSelectorLabels uses app.kubernetes.io/*).
RESERVED_LABELS = ("app.kubernetes.io/", "cnpg.io/", "strimzi.io/", "redisfailovers.databases.spotahome.com/")
_NAME = r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)"
_QUALIFIED = re.compile(rf"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?{_NAME}$")
_LABEL_VALUE = re.compile(rf"^{_NAME}?$")


def pods_of(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every workload's ``pod`` settings in a profile, with its key path."""
    from dsgen.fields import Pod

    if isinstance(value, Pod):
        yield path, value
    elif hasattr(type(value), "model_fields"):
        for name in type(value).model_fields:
            yield from pods_of(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from pods_of(item, (*path, key))


def _schema_problems(kubernetes: str, type_name: str, value: Any) -> Iterator[tuple[tuple, str]]:
    from dsgen.validate.schemas import core_type

    for error in core_type(kubernetes, type_name).iter_errors(value):
        yield tuple(error.absolute_path), error.message


@POD_SETTINGS.on_profile
def _(ctx, profile):
    for path, pod in pods_of(profile):
        if pod.affinity:
            for where, message in _schema_problems(ctx.kubernetes_version, "io.k8s.api.core.v1.Affinity",
                                                   pod.affinity.model_dump(exclude_none=True)):
                yield (*path, "affinity", *where), f"{message} (core/v1 Affinity, Kubernetes {ctx.kubernetes_version})"
        for index, item in enumerate(pod.topologySpreadConstraints):
            for where, message in _schema_problems(ctx.kubernetes_version,
                                                   "io.k8s.api.core.v1.TopologySpreadConstraint", item):
                yield ((*path, "topologySpreadConstraints", index, *where),
                       f"{message} (core/v1 TopologySpreadConstraint, Kubernetes {ctx.kubernetes_version})")
        for field in ("labels", "annotations"):
            for key, item in getattr(pod, field).items():
                if len(key) > 316 or not _QUALIFIED.match(key):
                    yield (*path, field, key), ("is not a valid key: an optional DNS prefix and '/', then up to 63 "
                                                "letters, digits, '-', '_' or '.'")
                elif field == "labels" and key.startswith(RESERVED_LABELS):
                    yield (*path, field, key), ("is a label dsgen or the operator sets and selects pods by; "
                                                "choose a key of your own prefix")
                elif field == "labels" and not _LABEL_VALUE.match(item):
                    yield (*path, field, key), (f"{item!r} is not a label value: up to 63 letters, digits, "
                                                "'-', '_' or '.', starting and ending with a letter or digit")




SERVED_VERSION = Rule("DSG107", "served-version", "A custom resource's apiVersion is one its operator serves at the pinned release (read from the operator's CRD manifests at that tag, operators/data/served.json): kafka.strimzi.io/v1beta2 is gone in Strimzi 1.0, external-secrets.io/v1beta1 in External Secrets 0.17, and CloudNativePG serves only v1.")


@SERVED_VERSION.on_manifest
def _(overlay: Overlay):
    from dsgen.operators import served

    for doc in overlay.documents:
        group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
        if not group or "." not in group or group == "kafka.strimzi.io":
            continue  # Strimzi's API versions, exact for every release, are DSG205's
        found = served.lookup(group, str(doc.get("kind")), overlay.operators)
        if found is None:
            continue
        operator, release, versions = found
        if versions is None:
            yield doc, "/kind", f"{operator} {release} defines no {doc.get('kind')} in {group}"
        elif version not in versions:
            yield doc, "/apiVersion", (f"{group}/{version} is not served by {operator} {release} for "
                                       f"{doc.get('kind')}; it serves {', '.join(versions)}")




def _credentials(services: Mapping[str, Component], ctx: Any, profile: Any):
    from dsgen.platform import openbao

    if profile.secrets is None:
        return
    sections = enabled(services, profile)
    credentials, held = profile.secrets.credentials, set(profile.externalSecrets)
    read: dict[str, list] = {}
    for need in openbao.needs(sections):
        read.setdefault(need.name, []).append(need)
        if need.name not in credentials and need.name not in held:
            yield need.path, (f"Secret {need.name!r} comes from nowhere: give it an OpenBao path in "
                              "secrets.credentials, or list it in externalSecrets if the cluster holds it")
    for name, credential in credentials.items():
        where = ("secrets", "credentials", name)
        if name not in read:
            continue  # e.g. for a service this environment leaves out: nothing is written for it
        if name in held:
            yield [where, ("externalSecrets",)], (f"Secret {name!r} is both brought from OpenBao and listed as "
                                                   "held by the cluster; keep one")
        keys = {key for need in read[name] for key in need.fetched}
        for key in credential.properties:
            if key not in keys:
                yield (*where, "properties", key), (f"{name!r} is read for {', '.join(sorted(keys))} only; "
                                                    f"{key!r} would never be used")
    for index, namespace in enumerate(profile.secrets.caCertificatesTo):
        if namespace == profile.namespace:
            yield ("secrets", "caCertificatesTo", index), (
                f"{namespace} is the services' own namespace, where the CA certificates are already; "
                "list the applications' namespaces")
    issued = {secret.name for secret in openbao.dynamic(profile, ctx.environment, sections)}
    for namespace, names in profile.secrets.deliver.items():
        if namespace == profile.namespace:
            yield ("secrets", "deliver", namespace), (
                f"{namespace} is the services' own namespace, where every credential is already; "
                "deliver to the applications' namespaces")
            continue
        for index, name in enumerate(names):
            # (one that no service of this environment reads is left out)
            if name not in credentials and name not in issued:
                yield ("secrets", "deliver", namespace, index), (
                    f"{name!r} is not one of secrets.credentials nor a Secret of postgres.dynamicCredentials; "
                    "only those can be delivered")




EGRESS = Rule("DSG333", "network-egress", "network.egress restricts what isolate opens: it needs isolate: true, and an API server block is not every address.")


@EGRESS.on_profile
def _(ctx: Any, profile: Any):
    egress = profile.network.egress
    if egress is None:
        return
    if not profile.network.isolate:
        yield [("network", "egress"), ("network", "isolate")], (
            "egress is denied by the NetworkPolicies that isolate writes; set isolate: true or remove egress")
    for index, block in enumerate(egress.apiServer):
        if block.endswith("/0"):
            yield ("network", "egress", "apiServer", index), (
                f"{block} is every address: name the API server's endpoints (kubectl get endpointslices "
                "-l kubernetes.io/service-name=kubernetes)")




def _delivery_charts(services: Mapping[str, Component], ctx: Any, profile: Any):
    from dsgen.operators.charts import CHARTS
    from dsgen.platform.delivery import operators

    if profile.delivery is None:
        return
    chosen = [name for name in ("argocd", "flux") if getattr(profile.delivery, name) is not None]
    if len(chosen) != 1:
        yield ("delivery",), ("names both argocd and flux: keep one, or both would install the operators"
                              if chosen else "names neither argocd nor flux: set one, or remove delivery")
        return
    for key in operators(profile, ctx.environment, enabled(services, profile)):
        chart, release = CHARTS[key], getattr(profile.operators, key)
        if chart.version(release) is None:
            yield ("operators", key), (
                f"{release} has no {chart.title} chart dsgen knows ({chart.repo} {chart.chart} installs "
                f"{chart.known()}): pin one of those releases")



def rules(components: Mapping[str, Component]) -> tuple[Rule, ...]:
    """The platform's rules, those that read what the services declare made
    for ``components`` (the registry's, or a test's)."""
    services = tuple(components.values())
    secret_source = Rule("DSG105", "secret-source", "Every Secret a resource references is produced by the tree (Secret, ExternalSecret, cert-manager Certificate, operator-made) or declared in the profile's externalSecrets.", reference=True)
    secret_source.on_manifest(partial(_secret_source, services))
    stateful_removed = Rule("DSG401", "stateful-removed", "A render does not remove (or rename) an object that holds data: a Cluster, Kafka, node pool, topic or RedisFailover; its replacement starts empty.")
    stateful_removed.on_change(partial(_stateful_removed, services))
    credentials = Rule("DSG331", "credentials", "With secrets: every Secret a service reads comes from OpenBao (secrets.credentials) or is one the cluster holds (externalSecrets), not both; a credential maps only keys its reader reads; only credentials a service reads are delivered to applications, and neither they nor CA certificates to the services' own namespace.")
    credentials.on_profile(partial(_credentials, dict(components)))
    delivery_charts = Rule("DSG339", "delivery-charts", "delivery names one of argocd and flux, and each operator the environment needs is pinned to a release whose official Helm chart version dsgen knows (operators/charts.py), so that exactly that release is installed.")
    delivery_charts.on_profile(partial(_delivery_charts, dict(components)))
    return (secret_source, STORE_REFERENCE, stateful_removed, OPERATOR_VERSIONS, POD_SETTINGS, SERVED_VERSION,
            credentials, EGRESS, delivery_charts)
