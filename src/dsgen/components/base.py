"""What a component is: a profile section, its rules, and a plan of resources.

A component (``postgres``, ``redis``, ``kafka``, ``platform``) owns one part
of the profile. Its plan turns that section into :class:`Part` values, each
one resource; the renderer lays each part out with the component's template
(or takes the body a kit built) and stamps the metadata every resource shares.
Where an operator choice changes the resources, a component delegates to a
:class:`Backend` chosen by its section.

A component never imports another; what it needs to know of the rest of the
environment reaches it through :class:`Context`. Nothing here imports
pydantic or jinja2: ``dsgen validate`` imports every component for its rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from dsgen.rules import GroupKind, KeyPath, ProfileFinding, Rule
from dsgen.contract import Context, DynamicSecret, Part, Plan, Recovery, SecretNeed
from dsgen.units import quantity_value





@dataclass(frozen=True)
class Backend:
    """One operator a component can render for: its own plan and rules."""

    name: str
    plan: Plan
    rules: tuple[Rule, ...] = ()
    secret_references: Callable[[GroupKind, dict], Iterable[tuple[str, str]]] | None = None
    # the operator's own pods, for `dsgen access` (as Component.operator_pods)
    operator_pods: tuple[tuple[str, str, Mapping[str, str]], ...] = ()


@dataclass(frozen=True)
class Component:
    """One section of the profile, rendered into ``out/<folder>/<name>/``.

    The profile field named like the component holds its section; with
    ``whole_profile`` the section is the profile itself (what belongs to the
    environment as a whole). A section that
    is missing or has ``enabled: false`` renders nothing and is not checked.
    ``templates`` is the folder of the component's templates when it does
    not ship with dsgen (a component registered by a test); by default its
    templates are ``templates/<name>/`` of the package, and a backend's are
    ``templates/<name>/<backend>/``.
    """

    name: str
    plan: Plan | None = None
    rules: tuple[Rule, ...] = ()
    whole_profile: bool = False
    backends: Mapping[str, Backend] = field(default_factory=dict)
    choose_backend: Callable[[Any], str] | None = None
    templates: str | None = None
    # Given a document's (group, kind) and the document: which Secrets it
    # reads beyond secretKeyRef/secretRef (JSON pointer, name), and which
    # ones its operator writes for it. The platform's secret-source rule
    # asks every component.
    secret_references: Callable[[GroupKind, dict], Iterable[tuple[str, str]]] | None = None
    produced_secrets: Callable[[GroupKind, dict], Iterable[str]] | None = None
    # Kinds whose objects hold data: removing or renaming one loses it.
    stateful_kinds: tuple[GroupKind, ...] = ()
    # Given the section: the Secrets its operator will read (SecretNeed), for
    # the credentials dsgen brings from OpenBao.
    secrets_read: Callable[[Any], Iterable[SecretNeed]] | None = None
    # Given the section and the Context: the Secrets an OpenBao engine issues
    # anew for it (DynamicSecret), delivered where secrets.deliver says.
    dynamic_secrets: Callable[[Any, Context], Iterable[DynamicSecret]] | None = None
    # Given the Context and the section: its alerts (kits.Alert), for the runbook.
    alerts: Callable[[Context, Any], Iterable[Any]] | None = None
    # Given the Context and the section: its backups and restore procedure
    # (Recovery), for the runbook.
    recovery: Callable[[Context, Any], Recovery] | None = None
    # Given the section: the Secrets (name, key) holding the CA certificate its
    # clients verify the servers with, for secrets.caCertificatesTo.
    client_ca: Callable[[Any], Iterable[tuple[str, str]]] | None = None
    # For `dsgen access` (dsgen.network): the pods an overlay's documents make
    # (Workload values), the NetworkPolicies the operator writes itself, and
    # the operator's own pods as (shown name, key of network.operatorNamespaces,
    # pod labels).
    workloads: Callable[[Any], Iterable[Any]] | None = None
    operator_policies: Callable[[Any], Iterable[dict]] | None = None
    operator_pods: tuple[tuple[str, str, Mapping[str, str]], ...] = ()
    # Given the Context and the section: the operators it needs installed, by
    # their key of profile.operators (operators.charts.CHARTS), for delivery.
    operators: Callable[[Context, Any], Iterable[str]] | None = None

    def section(self, profile: Any) -> Any:
        if self.whole_profile:
            return profile
        section = getattr(profile, self.name, None)
        if section is None or not getattr(section, "enabled", True):
            return None
        return section

    def backend(self, section: Any) -> Backend | None:
        if self.choose_backend is None:
            return None
        return self.backends[self.choose_backend(section)]

    def parts(self, ctx: Context, section: Any) -> Iterator[Part]:
        """What the component plans for a section, then what its backend plans."""
        if self.plan is not None:
            yield from self.plan(ctx, section)
        backend = self.backend(section)
        if backend is not None:
            yield from backend.plan(ctx, section)

    def rules_for(self, section: Any) -> tuple[Rule, ...]:
        """The component's rules and those of the backend the section chose."""
        backend = self.backend(section)
        return self.rules + (backend.rules if backend else ())

    def all_rules(self) -> tuple[Rule, ...]:
        return self.rules + tuple(r for b in self.backends.values() for r in b.rules)


# The enabled components of a profile, each with its section, in registry
# order: what the features that span the services are given.
Sections = Sequence[tuple[Component, Any]]


def enabled(components: Mapping[str, Component], profile: Any) -> list[tuple[Component, Any]]:
    """Each component of ``components`` the profile enables, with its section."""
    return [(c, s) for c in components.values() if (s := c.section(profile)) is not None]


# ---------------------------------------------------------------- helpers for plans and rules


def resources(value: Any) -> dict | None:
    """A profile's ``resources`` as a container's, or None when empty."""
    if value is None:
        return None
    dumped = value.model_dump(exclude_none=True)
    return {k: v for k, v in dumped.items() if v} or None


def memory_limit(resources: Any) -> int | None:
    if resources and resources.limits and resources.limits.memory:
        return int(quantity_value(resources.limits.memory))
    return None


def below_memory_limit(text: str, parse: Callable[[str], int], resources: Any, path: KeyPath,
                       consequence: str, unparsable: bool = True,
                       resources_path: KeyPath | None = None) -> Iterator[ProfileFinding]:
    """A server's memory setting, in its own units, stays below the container's
    memory limit (when ``resources`` sets one); a value that does not parse is
    reported unless ``unparsable`` is False (another rule reports it). Given
    ``resources_path``, the finding names both keys, so that it is shown where
    the last of them was written, naming the other."""
    try:
        size = parse(text)
    except ValueError as exc:
        if unparsable:
            yield path, str(exc)
        return
    limit = memory_limit(resources)
    if limit is not None and size >= limit:
        where = [path, (*resources_path, "limits", "memory")] if resources_path else path
        yield where, f"{text} is not below the memory limit {resources.limits.memory}; {consequence}"


def requests_within_limits(resources: Any, path: KeyPath) -> Iterator[ProfileFinding]:
    if not resources or not resources.requests or not resources.limits:
        return
    for name in ("cpu", "memory"):
        request = getattr(resources.requests, name)
        limit = getattr(resources.limits, name)
        if request and limit and quantity_value(request) > quantity_value(limit):
            yield (*path, "requests", name), f"request {request} is above the limit {limit}"


# ---------------------------------------------------------------- spreading pods

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


def pod_anti_affinity(mode: str, selector: dict[str, str]) -> dict | None:
    """A core/v1 podAntiAffinity keeping pods that ``selector`` matches on different nodes."""
    term = {"labelSelector": {"matchLabels": dict(selector)}, "topologyKey": HOSTNAME}
    if mode == "required":
        return {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
    if mode == "preferred":
        return {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}
    return None


def zone_spread(mode: str, selector: dict[str, str]) -> list[dict] | None:
    """core/v1 topologySpreadConstraints keeping zones within one pod of each other."""
    if mode == "none":
        return None
    return [{"maxSkew": 1, "topologyKey": ZONE,
             "whenUnsatisfiable": "DoNotSchedule" if mode == "required" else "ScheduleAnyway",
             "labelSelector": {"matchLabels": dict(selector)}}]


# ---------------------------------------------------------------- a workload's pod settings


def merge_affinity(generated: dict | None, pod: Any) -> dict | None:
    """A core/v1 Affinity: what ``spread`` generated, then the profile's
    ``pod.affinity`` (node and pod affinity as given; anti-affinity terms added
    to the generated ones) and ``pod.nodeSelector`` when ``selector_as_affinity``."""
    out = {k: v for k, v in (generated or {}).items()}
    user = pod.affinity.model_dump(exclude_none=True) if pod.affinity else {}
    for key in ("nodeAffinity", "podAffinity"):
        if key in user:
            out[key] = user[key]
    if "podAntiAffinity" in user:
        anti = {k: list(v) for k, v in (out.get("podAntiAffinity") or {}).items()}
        for kind, terms in user["podAntiAffinity"].items():
            anti[kind] = [*anti.get(kind, []), *terms]
        out["podAntiAffinity"] = anti
    return out or None


def node_selector_as_affinity(affinity: dict | None, selector: dict[str, str]) -> dict | None:
    """``nodeSelector`` as required node affinity, for operators without a
    nodeSelector field: every label must match (added to each term, since
    Kubernetes ORs terms and ANDs the expressions of one)."""
    if not selector:
        return affinity
    expressions = [{"key": k, "operator": "In", "values": [v]} for k, v in sorted(selector.items())]
    out = dict(affinity or {})
    node = dict(out.get("nodeAffinity") or {})
    required = node.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    terms = required.get("nodeSelectorTerms") or [{}]
    node["requiredDuringSchedulingIgnoredDuringExecution"] = {
        **required,
        "nodeSelectorTerms": [{**t, "matchExpressions": [*(t.get("matchExpressions") or []), *expressions]}
                              for t in terms]}
    out["nodeAffinity"] = node
    return out


def pod_spec(pod: Any, affinity: dict | None, spread: list | None, node_selector: bool = True) -> dict:
    """The PodSpec-level fields of a workload: scheduling and image pull secrets
    (keys left out when empty)."""
    out: dict[str, Any] = {
        "affinity": affinity,
        "tolerations": [t.model_dump(exclude_none=True) for t in pod.tolerations] or None,
        "nodeSelector": dict(pod.nodeSelector) if node_selector and pod.nodeSelector else None,
        "topologySpreadConstraints": [*(spread or []), *pod.topologySpreadConstraints] or None,
        "priorityClassName": pod.priorityClassName,
        "imagePullSecrets": [{"name": n} for n in pod.imagePullSecrets] or None,
    }
    return {k: v for k, v in out.items() if v is not None}


def pod_metadata(pod: Any, labels: dict[str, str] | None = None) -> dict | None:
    """Labels and annotations of a pod template (``labels`` first)."""
    out = {}
    if labels or pod.labels:
        out["labels"] = {**(labels or {}), **pod.labels}
    if pod.annotations:
        out["annotations"] = dict(pod.annotations)
    return out or None


def upload_step(upload: Any, job: Any, environment: str, *, file: str, suffix: str,
                mounts: Mapping[str, str]):
    """The upload step of a backup job: ``upload`` (fields.S3Upload: bucket
    settings, encryption, image) and ``job`` (fields.ScheduledUpload:
    destination, retention) of one environment; the files go to
    <destination>/<environment>/. S3 keys in a Secret are read as the
    Barman Cloud plugin names them (operators.cloudnativepg.S3_KEYS), so that
    one OpenBao path serves both."""
    from dsgen import kits
    from dsgen.operators.cloudnativepg import S3_KEYS

    credentials = None
    if upload.s3.credentialsSecret and not upload.s3.inheritFromIAMRole:
        credentials = tuple(kits.SecretEnv(upload.s3.credentialsSecret, key) for key in S3_KEYS)
    return kits.upload_step(upload.image, file=file, suffix=suffix,
                            destination=f"{job.destination.rstrip('/')}/{environment}",
                            retention_days=job.retentionDays, mounts=mounts, region=upload.s3.region,
                            sse=upload.encryption, kms_key_id=upload.kmsKeyId, credentials=credentials)
