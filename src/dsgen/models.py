"""The profile: what a platform engineer may write in ``profiles/*.yaml``.

The root model holds the environment-wide keys and one field per component;
each component's section model lives with the component
(``dsgen/components/<name>/model.py``). Rules that involve more than one
field are the components' rules (:mod:`dsgen.rules`), where each can name
the exact key it is about.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictStr

from dsgen.components.kafka.model import Kafka
from dsgen.components.postgres.model import Postgres
from dsgen.components.redis.model import Redis
from dsgen.fields import Cidr, Name, ObjectName, Quantity, Strict, Version
from dsgen.operators import DEFAULT_PINS


class Operators(Strict):
    """The operator releases the cluster runs; they choose API versions and rules."""

    cloudnativepg: Version = DEFAULT_PINS["cloudnativepg"]
    """CloudNativePG release the cluster runs (1.24-1.30); 1.26+ backs up through the Barman Cloud plugin."""
    redisOperator: Version = DEFAULT_PINS["redisOperator"]
    """spotahome redis-operator release (1.2.x), for redis.operator: spotahome."""
    otRedisOperator: Version = DEFAULT_PINS["otRedisOperator"]
    """OT-Container-Kit redis-operator release (0.26.0), for redis.operator: opstree."""
    strimzi: Version = DEFAULT_PINS["strimzi"]
    """Strimzi release (0.41.0-1.2.0); it chooses API versions, KRaft or ZooKeeper, and the Kafka versions allowed."""
    barmanCloud: Version = DEFAULT_PINS["barmanCloud"]
    """CloudNativePG's Barman Cloud plugin release, installed beside CloudNativePG 1.26+ (delivery)."""
    externalSecrets: Version = DEFAULT_PINS["externalSecrets"]
    """External Secrets Operator release, installed with a secrets section (delivery)."""
    certManager: Version = DEFAULT_PINS["certManager"]
    """cert-manager release, installed where the tree asks for certificates or the Barman Cloud plugin (delivery)."""


class OperatorNamespaces(Strict):
    """Where each operator runs (its Helm chart's usual namespace by default):
    the NetworkPolicies let its pods reach the workloads it manages."""

    cloudnativepg: Name = "cnpg-system"
    """CloudNativePG's namespace; it reaches every instance on 8000 and 5432."""
    redisOperator: Name = "redis-operator"
    """The redis-operator's namespace; it reaches Redis on 6379 and sentinels on 26379."""
    otRedisOperator: Name = "ot-operators"
    """OT-Container-Kit's redis-operator's namespace (its docs install it there); it
    reaches Redis and sentinels too."""
    strimzi: Name = "strimzi"
    """Strimzi's Cluster Operator namespace (Strimzi writes the Kafka NetworkPolicies itself)."""
    externalSecrets: Name = "external-secrets"
    """External Secrets Operator's namespace."""
    certManager: Name = "cert-manager"
    """cert-manager's namespace (delivery installs it there)."""


class Dns(Strict):
    """The cluster's DNS pods, which every pod may reach on port 53."""

    namespace: Name = "kube-system"
    """Their namespace."""
    pods: dict[StrictStr, StrictStr] = {"k8s-app": "kube-dns"}
    """Their labels: CoreDNS keeps kube-dns's k8s-app label (kubernetes
    cluster/addons/dns/coredns/coredns.yaml.base; EKS's CoreDNS add-on too)."""


class Egress(Strict):
    """Deny every connection out of the namespace's pods but DNS and what each
    workload needs: its own peers, the Kubernetes API server for the pods whose
    managers watch it (PostgreSQL instances and poolers, Strimzi's entity
    operator), object storage on 443 for the pods that back up."""

    apiServer: Annotated[list[Cidr], Field(min_length=1)]
    """Address blocks of the API server's endpoints, as pods reach them after the
    kubernetes Service (kubectl get endpointslices -l kubernetes.io/service-name=kubernetes;
    on EKS the control plane's interfaces in the VPC, so the VPC's block)."""
    apiServerPort: int = Field(443, ge=1, le=65535)
    """The port of those endpoints (EKS: 443; kubeadm: 6443)."""
    objectStorage: list[Cidr] = ["0.0.0.0/0"]
    """Where backups go, over 443, from the pods that back up and only them (S3's
    ranges are many and change: the default is any address)."""
    dns: Dns = Dns()
    """The cluster's DNS pods."""


class Network(Strict):
    """Network isolation of the data namespace."""

    isolate: StrictBool = True
    """Deny all ingress to the namespace's pods but what each service's access,
    its operator and its own peers need (NetworkPolicies; Strimzi writes Kafka's
    from the listeners' networkPolicyPeers). false writes no NetworkPolicy."""
    monitoringNamespace: Name | None = "monitoring"
    """The namespace whose pods may scrape metrics ports; null: none may."""
    operatorNamespaces: OperatorNamespaces = OperatorNamespaces()
    """Where the operators run."""
    egress: Egress | None = None
    """Deny egress but what each workload needs (needs isolate); null: egress is not restricted."""


class OpenBao(Strict):
    """The OpenBao server External Secrets reads credentials from: KV version 2,
    Kubernetes auth with a service account of the data namespace."""

    server: StrictStr = "https://openbao.openbao.svc:8200"
    """OpenBao's address as the External Secrets controller reaches it."""
    kvMount: Name = "secret"
    """Mount path of the KV version 2 engine holding the credentials."""
    authMount: Name = "kubernetes"
    """Mount path of OpenBao's Kubernetes auth method."""
    role: Name | None = None
    """OpenBao role the store logs in as (default: <platform>-<environment>)."""
    serviceAccount: ObjectName = "openbao-secret-reader"
    """Service account dsgen writes in the data namespace; the role is bound to it."""
    storeName: ObjectName = "openbao-secret-store"
    """Name of the SecretStore (or of the ClusterSecretStore)."""
    storeKind: Literal["SecretStore", "ClusterSecretStore"] = "SecretStore"
    """SecretStore: one per namespace, each logging in as its own OpenBao role that
    reads only that namespace's credentials. ClusterSecretStore: one for the
    cluster, limited to the namespaces that get credentials, logging in as the
    data namespace's service account, whose role then reads every namespace's."""
    refreshInterval: Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]*(s|m|h)$")] = "1h"
    """How often External Secrets reads the credentials again (picks up rotations)."""
    namespace: Name = "openbao"
    """The namespace OpenBao runs in: with postgres.dynamicCredentials its pods
    connect to PostgreSQL to create and drop the users it issues."""
    databaseMount: Name = "database"
    """Mount path of OpenBao's database secrets engine (postgres.dynamicCredentials)."""


class Credential(Strict):
    """Where one Secret's keys live in OpenBao."""

    path: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$")]
    """Path in the KV mount, e.g. redis/auth (without the mount and without data/)."""
    properties: dict[StrictStr, StrictStr] = {}
    """Secret key -> property at that path, where they differ (default: the same name)."""


class Secrets(Strict):
    """Credentials from OpenBao through External Secrets (external-secrets.io/v1)."""

    openbao: OpenBao = OpenBao()
    """The OpenBao server and how the store logs in."""
    credentials: dict[ObjectName, Credential] = {}
    """Each Secret the services read (by name) and where its keys live; a Secret the
    cluster holds already goes in externalSecrets instead."""
    deliver: dict[Name, list[ObjectName]] = {}
    """Credentials the applications read, by their namespace: each named Secret of
    credentials is copied there by an ExternalSecret of that namespace, through a
    SecretStore that may read only those; a Secret of postgres.dynamicCredentials is
    issued there, new users every half of its ttl."""
    caCertificatesTo: list[Name] = []
    """Namespaces whose pods get the services' CA certificates (ca.crt only, never the
    CA's key), to verify the servers: copied from the data namespace by External
    Secrets' kubernetes provider, as a service account that may read only those."""


class StorageClassSettings(Strict):
    """An EBS StorageClass for the services' volumes, through the EBS CSI driver
    (parameters from aws-ebs-csi-driver docs/parameters.md): encrypted gp3,
    expandable (CloudNativePG's resizeInUseVolumes needs it), bound where the
    pod is scheduled."""

    name: ObjectName = "gp3"
    """Its name, which the services' storageClass settings use."""
    type: Literal["gp3", "gp2", "io1", "io2", "st1", "sc1"] = "gp3"
    """EBS volume type."""
    encrypted: StrictBool = True
    """Encrypt the volumes at rest."""
    kmsKeyId: Annotated[StrictStr, Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$")] | None = None
    """Full ARN of the KMS key (default: the region's aws/ebs key)."""
    fsType: Literal["ext4", "xfs"] = "ext4"
    """File system made on each volume."""
    reclaimPolicy: Literal["Retain", "Delete"] = "Retain"
    """What happens to a volume when its claim is deleted: Retain keeps the data
    (delete the EBS volume yourself); Delete removes it."""


class Thresholds(Strict):
    """When the alerts fire; the defaults are the design's numbers where it has them."""

    replicationLag: Quantity = "10Mi"
    """WAL a standby may be behind its primary (design: replication_lag > 10MB)."""
    connectionsPercent: int = Field(90, ge=1, le=100)
    """Share of max_connections in use (design: connection_pool_exhaustion > 90%)."""
    volumePercent: int = Field(80, ge=1, le=100)
    """Share of a volume in use (design: database_size_growth > 80%)."""
    backupMaxAgeHours: int = Field(26, ge=1)
    """Age of the newest backup: a daily schedule plus two hours' grace."""
    memoryPercent: int = Field(90, ge=1, le=100)
    """Share of Redis's maxmemory in use."""
    consumerLag: int = Field(1000, ge=1)
    """Messages a consumer group may be behind on a topic (Strimzi's example alert's number)."""
    mirrorLagSeconds: int = Field(300, ge=1)
    """How old a record may be when MirrorMaker 2 copies it (kafka.mirror): the DR copy's recovery point."""


class Monitoring(Strict):
    """Metrics scraped by the Prometheus operator and alerts for the design's failures."""

    labels: dict[StrictStr, StrictStr] = {}
    """Labels every PodMonitor and PrometheusRule carries: the ones your Prometheus's
    podMonitorSelector and ruleSelector match (e.g. release: kube-prometheus-stack)."""
    runbook: StrictStr | None = None
    """Where each alert's runbook_url points, at the section named like the alert in
    lower case: a URL or a path (default: runbook/<environment>.md, which dsgen
    writes beside the tree)."""
    thresholds: Thresholds = Thresholds()
    """When the alerts fire."""
    dashboardLabels: dict[StrictStr, StrictStr] = {"grafana_dashboard": "1"}
    """Labels of the dashboards' ConfigMaps: the ones Grafana's dashboard sidecar loads."""
    slowQueryMs: int | None = Field(1000, ge=0)
    """PostgreSQL logs statements that take longer (log_min_duration_statement; design:
    slow_queries > 1000ms); null: none. A postgres.parameters value wins."""
    logConnections: StrictBool = True
    """PostgreSQL logs connections and disconnections (log_connections, log_disconnections)."""
    logLockWaits: StrictBool = True
    """PostgreSQL logs waits for a lock longer than deadlock_timeout (log_lock_waits)."""


class ArgoCD(Strict):
    """Argo CD wiring: an AppProject, an Application per operator (its pinned
    Helm chart) and one for the environment's overlay (README, "GitOps")."""

    repoURL: Annotated[StrictStr, Field(pattern=r"^(https://|ssh://|git@)\S+$")] = Field(
        description="The Git repository that holds the rendered tree, e.g. https://github.com/example/gitops.git.")
    targetRevision: StrictStr = "HEAD"
    """Branch, tag or commit of the repository Argo CD syncs."""
    path: StrictStr = "out"
    """Where the rendered tree is in the repository (the overlay is <path>/overlays/<environment>)."""
    chart: StrictStr | None = None
    """Where the Helm chart is in the repository (dsgen render --all --format helm --out <chart>): the
    environment's Application then syncs the chart with values-<environment>.yaml instead of the overlay."""
    namespace: Name = "argocd"
    """The namespace Argo CD runs in (its Applications and AppProject go there)."""
    project: Name = "data-services"
    """The AppProject of the Applications."""
    server: StrictStr = "https://kubernetes.default.svc"
    """The environment's cluster as Argo CD names it (its API server URL)."""
    applicationSet: StrictBool = Field(
        False, description="One ApplicationSet over the environments (argocd/applicationset.yaml, for an Argo CD "
        "that serves every environment's cluster) instead of an Application per overlay; the AppProject then "
        "covers every environment (argocd/appproject.yaml).")


class Flux(Strict):
    """Flux wiring: a GitRepository, a Kustomization of the operators'
    HelmReleases (their pinned charts) and one of the overlay that waits for
    it (README, "GitOps")."""

    url: Annotated[StrictStr, Field(pattern=r"^(https://|ssh://)\S+$")] = Field(
        description="The Git repository that holds the rendered tree, e.g. https://github.com/example/gitops.git.")
    branch: StrictStr = "main"
    """The branch Flux follows."""
    path: StrictStr = "out"
    """Where the rendered tree is in the repository."""
    namespace: Name = "flux-system"
    """The namespace Flux runs in (its sources, Kustomizations and HelmReleases go there)."""
    interval: Annotated[StrictStr, Field(pattern=r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")] = "10m"
    """How often Flux reconciles."""


class Delivery(Strict):
    """How the tree reaches the cluster: Argo CD or Flux (one of them)."""

    argocd: ArgoCD | None = None
    """Argo CD Applications for the operators and the overlay."""
    flux: Flux | None = None
    """Flux HelmReleases for the operators and a Kustomization for the overlay."""


class Profile(Strict):
    """One environment's data services, after ``extends`` has been merged."""

    extends: StrictStr | None = Field(
        None, description="Profile this one builds on (deep-merged; lists are replaced)."
    )
    platform: Name = Field("platform", description="app.kubernetes.io/part-of of everything.")
    namespace: Name = "data"
    """Namespace of every rendered resource."""
    kubernetesVersion: Version = "1.34"
    """Kubernetes version core kinds are validated against, in quotes (e.g. \"1.34\")."""
    operators: Operators = Operators()
    """The operator releases the cluster runs."""
    network: Network = Network()
    """Network isolation: who may reach the data services."""
    monitoring: Monitoring | None = None
    """PodMonitors and alerting rules (monitoring.coreos.com/v1); null: none."""
    storageClass: StorageClassSettings | None = None
    """A StorageClass this environment's tree creates (cluster-scoped: in a cluster that
    several environments share, give it in one of them only)."""
    secrets: Secrets | None = None
    """Credentials from OpenBao: a SecretStore, an ExternalSecret for each Secret the
    services read, and the OpenBao side in out/openbao/<environment>/."""
    externalSecrets: list[ObjectName] = Field(
        [], description="Secrets the cluster already holds (not produced by this tree); "
        "dsgen validate accepts references to them.",
    )
    resources: list[StrictStr] = []
    """Extra manifest files (paths relative to the profile folder) rendered into the
    environment's tree and validated like the rest; each document keeps its own
    metadata (a namespaced one without a namespace gets the profile's)."""
    postgres: Postgres | None = None
    """PostgreSQL on CloudNativePG: a Cluster, its backups and poolers."""
    redis: Redis | None = None
    """Redis servers with sentinel failover."""
    kafka: Kafka | None = None
    """Kafka on Strimzi: the cluster, node pools, topics and users."""
    delivery: Delivery | None = None
    """Argo CD wiring for the operators and the overlay (out/argocd/<environment>/); null: none."""


SCHEMA_FILES = {"complete": "profile.schema.json", "extends": "profile-extends.schema.json"}


def json_schema() -> dict[str, Any]:
    """The JSON schema of a complete profile (one that extends nothing), with
    each field's docstring as its description."""
    schema = Profile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dsgen profile"
    for cls in _models(Profile):
        node = schema if cls is Profile else schema.get("$defs", {}).get(cls.__name__)
        for name, doc in _field_docs(cls).items():
            prop = (node or {}).get("properties", {}).get(name)
            if prop is not None and "description" not in prop:
                prop["description"] = doc
    _describe_references(schema, schema.get("$defs", {}))
    return schema


def _models(cls: type, seen: dict | None = None) -> list[type]:
    """Every model class a model's fields reach, the model first."""
    import typing

    from pydantic import BaseModel

    seen = {} if seen is None else seen
    if cls in seen:
        return list(seen)
    seen[cls] = None
    for field in cls.model_fields.values():
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                _models(annotation, seen)
            stack.extend(typing.get_args(annotation))
    return list(seen)


def _field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of ``cls`` and its bases, read from the source."""
    import ast
    import inspect

    docs: dict[str, str] = {}
    for klass in reversed([k for k in cls.__mro__ if "model_fields" in vars(k) or hasattr(k, "model_fields")]):
        try:
            found = _classes_in(inspect.getsourcefile(klass) or "").get(klass.__qualname__)
        except (OSError, TypeError, SyntaxError):
            continue
        body = found.body if found is not None else []
        for node, after in zip(body, body[1:]):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[node.target.id] = " ".join(inspect.cleandoc(after.value.value).split())
    return docs


@lru_cache(maxsize=None)
def _classes_in(filename: str) -> dict[str, Any]:
    """The top-level classes of a source file by name, parsed once (inspect.getsource
    would tokenize the file again for every class)."""
    import ast

    tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def json_schemas() -> dict[str, dict[str, Any]]:
    """Both editor schemas by file name: complete profiles, and profiles that
    extend another (every key optional, same types, `extends` required)."""
    complete = json_schema()
    partial = _optional(complete)
    partial["title"] = "dsgen profile that extends another"
    partial["required"] = ["extends"]
    return {SCHEMA_FILES["complete"]: complete, SCHEMA_FILES["extends"]: partial}


def schema_file_for(extends: bool) -> str:
    return SCHEMA_FILES["extends" if extends else "complete"]


def _optional(node: Any) -> Any:
    """No key required, and null allowed for every key (it removes what the
    parent set)."""
    if isinstance(node, list):
        return [_optional(v) for v in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required":
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            # a map of names to schemas (a field may itself be called "properties")
            schemas = {name: _optional(schema) for name, schema in value.items()}
            result[key] = {n: _nullable(v) for n, v in schemas.items()} if key == "properties" else schemas
        elif key == "additionalProperties" and isinstance(value, dict):
            result[key] = _nullable(_optional(value))
        else:
            result[key] = _optional(value)
    return result


def _nullable(node: dict) -> dict:
    wrapped = {"anyOf": [{k: v for k, v in node.items() if k not in ("description", "title", "default")},
                         {"type": "null"}]}
    for key in ("description", "title"):
        if key in node:
            wrapped[key] = node[key]
    return wrapped


def _describe_references(node: Any, definitions: dict) -> None:
    """A property that is a model takes the model's description, so that
    editors show help on every key."""
    if isinstance(node, dict):
        for value in (node.get("properties") or {}).values():
            if isinstance(value, dict) and "description" not in value:
                target = _reference(value)
                if target and definitions.get(target, {}).get("description"):
                    value["description"] = definitions[target]["description"]
        for value in node.values():
            _describe_references(value, definitions)
    elif isinstance(node, list):
        for value in node:
            _describe_references(value, definitions)


def _reference(node: dict) -> str | None:
    if "$ref" in node:
        return node["$ref"].rsplit("/", 1)[-1]
    for option in node.get("anyOf", []):
        if isinstance(option, dict) and "$ref" in option:
            return option["$ref"].rsplit("/", 1)[-1]
    return None
