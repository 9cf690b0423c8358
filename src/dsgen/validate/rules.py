"""Checks no schema can express: references across documents and what the
operators' webhooks enforce or silently apply.

Each rule is a small function with an id, a one-line doc, and findings that
name the document and the JSON path. ``dsgen validate --skip ID`` waives one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from dsgen import operators as ops
from dsgen.units import version_tuple

# (document, JSON pointer, message)
Finding = tuple[dict, str, str]


@dataclass(frozen=True)
class Overlay:
    """The built documents of one overlay and what the profile said about them."""

    documents: list[dict]
    operators: dict[str, str] = field(default_factory=dict)
    external_secrets: frozenset[str] = frozenset()

    def of_kind(self, *kinds: str) -> Iterator[dict]:
        return (d for d in self.documents if d.get("kind") in kinds)

    def names(self, kind: str) -> set[tuple[str, str]]:
        return {(_ns(d), _name(d)) for d in self.of_kind(kind)}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    doc: str
    check: Callable[[Overlay], Iterator[Finding]]


RULES: list[Rule] = []


def rule(id: str, title: str, doc: str):
    def register(fn: Callable[[Overlay], Iterator[Finding]]):
        RULES.append(Rule(id, title, doc, fn))
        return fn
    return register


# Rules dsgen's engine reports about schemas themselves (not in RULES: they run per document).
SCHEMA_RULES = {
    "DSG001": ("schema", "The document breaks its JSON schema (strict: unknown fields are errors)."),
    "DSG002": ("no-schema", "No schema was found for the document's apiVersion and kind."),
    "DSG003": ("cel", "A CEL rule of the CRD (x-kubernetes-validations) fails; the API server would reject the object."),
    "DSG004": ("cel-skipped", "A CEL rule could not be evaluated here (transition rule, missing function); reported, never passed."),
    "DSG005": ("top-level", "A custom resource has only apiVersion, kind, metadata and the fields its schema declares at the top (CRD schemas leave the top open, so a typo such as 'spc' passes them)."),
    "DSG006": ("metadata", "A custom resource's metadata follows Kubernetes' ObjectMeta, strictly, with valid label and annotation keys and label values (CRD schemas say only 'object')."),
}


def _name(doc: dict) -> str:
    return str((doc.get("metadata") or {}).get("name", ""))


def _ns(doc: dict) -> str:
    return str((doc.get("metadata") or {}).get("namespace", ""))


def _get(doc: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


# ---------------------------------------------------------------- references


@rule("DSG101", "pooler-cluster", "A Pooler's spec.cluster.name names a Cluster of the tree, and the Pooler is not named like a Cluster.")
def pooler_cluster(overlay: Overlay) -> Iterator[Finding]:
    clusters = overlay.names("Cluster")
    for pooler in overlay.of_kind("Pooler"):
        target = _get(pooler, "spec", "cluster", "name")
        if (_ns(pooler), target) not in clusters:
            yield pooler, "/spec/cluster/name", f"names Cluster {target!r}, which the tree does not define"
        if (_ns(pooler), _name(pooler)) in clusters:
            yield pooler, "/metadata/name", "a Pooler cannot have the name of a Cluster in its namespace"


@rule("DSG102", "backup-cluster", "A ScheduledBackup or Backup names a Cluster of the tree.")
def backup_cluster(overlay: Overlay) -> Iterator[Finding]:
    clusters = overlay.names("Cluster")
    for backup in overlay.of_kind("ScheduledBackup", "Backup"):
        target = _get(backup, "spec", "cluster", "name")
        if (_ns(backup), target) not in clusters:
            yield backup, "/spec/cluster/name", f"names Cluster {target!r}, which the tree does not define"


_STRIMZI_CHILDREN = ("KafkaTopic", "KafkaUser", "KafkaNodePool")


@rule("DSG103", "strimzi-cluster-label", "KafkaTopic, KafkaUser and KafkaNodePool carry a strimzi.io/cluster label naming a Kafka of the tree.")
def strimzi_cluster_label(overlay: Overlay) -> Iterator[Finding]:
    clusters = overlay.names("Kafka")
    for doc in overlay.of_kind(*_STRIMZI_CHILDREN):
        label = ((doc.get("metadata") or {}).get("labels") or {}).get("strimzi.io/cluster")
        if label is None:
            yield doc, "/metadata/labels", "has no strimzi.io/cluster label; the operator ignores it"
        elif (_ns(doc), label) not in clusters:
            yield doc, "/metadata/labels/strimzi.io~1cluster", f"names Kafka {label!r}, which the tree does not define"


@rule("DSG104", "acl-topic", "A KafkaUser's literal topic ACLs name KafkaTopics of the tree; a prefix ACL matches at least one.")
def acl_topics(overlay: Overlay) -> Iterator[Finding]:
    topics = {}
    for topic in overlay.of_kind("KafkaTopic"):
        topics.setdefault(_ns(topic), set()).add(_get(topic, "spec", "topicName") or _name(topic))
    for user in overlay.of_kind("KafkaUser"):
        known = topics.get(_ns(user), set())
        for index, acl in enumerate(_get(user, "spec", "authorization", "acls") or []):
            resource = acl.get("resource") or {}
            if resource.get("type") != "topic":
                continue
            name = resource.get("name", "")
            pattern = resource.get("patternType", "literal")
            path = f"/spec/authorization/acls/{index}/resource/name"
            if pattern == "literal" and name != "*" and name not in known:
                yield user, path, f"topic {name!r} is not a KafkaTopic of the tree"
            elif pattern == "prefix" and not any(t.startswith(name) for t in known):
                yield user, path, f"prefix {name!r} matches no KafkaTopic of the tree"


@rule("DSG106", "kraft-roles", "A KRaft Kafka (no spec.zookeeper) has node pools with the controller and the broker role.")
def kraft_roles(overlay: Overlay) -> Iterator[Finding]:
    roles: dict[tuple[str, str], set[str]] = {}
    for pool in overlay.of_kind("KafkaNodePool"):
        cluster = ((pool.get("metadata") or {}).get("labels") or {}).get("strimzi.io/cluster")
        roles.setdefault((_ns(pool), cluster), set()).update(_get(pool, "spec", "roles") or [])
    for kafka in overlay.of_kind("Kafka"):
        if _get(kafka, "spec", "zookeeper") is not None:
            continue
        missing = {"controller", "broker"} - roles.get((_ns(kafka), _name(kafka)), set())
        if missing:
            yield kafka, "/metadata/name", (
                f"no KafkaNodePool of this cluster has the {' or '.join(sorted(missing))} role; "
                "a KRaft cluster needs both")


def _secret_references(doc: dict) -> Iterator[tuple[str, str]]:
    """(JSON pointer, secret name) of every Secret a document needs."""
    kind = doc.get("kind")
    fixed = {
        "Cluster": [("spec", "bootstrap", "initdb", "secret", "name"), ("spec", "superuserSecret", "name")],
        "Pooler": [("spec", "pgbouncer", "authQuerySecret", "name")],
        "RedisFailover": [("spec", "auth", "secretPath")],
    }
    for path in fixed.get(kind, []):
        name = _get(doc, *path)
        if isinstance(name, str) and name:
            yield "/" + "/".join(path), name

    def walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("secretKeyRef", "secretRef") and isinstance(item, dict) and isinstance(item.get("name"), str):
                    yield f"{path}/{key}/name", item["name"]
                else:
                    yield from walk(item, f"{path}/{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, f"{path}/{index}")

    yield from walk(doc.get("spec"), "/spec")
    for path, credentials in (("/spec/backup/barmanObjectStore/s3Credentials",
                               _get(doc, "spec", "backup", "barmanObjectStore", "s3Credentials")),
                              ("/spec/configuration/s3Credentials",
                               _get(doc, "spec", "configuration", "s3Credentials"))):
        for key, ref in (credentials or {}).items():
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                yield f"{path}/{key}/name", ref["name"]


def _produced_secrets(overlay: Overlay) -> set[tuple[str, str]]:
    produced = set()
    for doc in overlay.documents:
        kind, ns, name = doc.get("kind"), _ns(doc), _name(doc)
        if kind in ("Secret", "SealedSecret"):
            produced.add((ns, name))
        elif kind == "ExternalSecret":
            produced.add((ns, _get(doc, "spec", "target", "name") or name))
        elif kind == "KafkaUser":
            produced.add((ns, name))  # the User Operator writes the user's credentials
        elif kind == "Cluster" and doc.get("apiVersion", "").startswith("postgresql.cnpg.io/"):
            produced.update((ns, f"{name}-{suffix}") for suffix in ("app", "superuser", "ca", "server", "replication"))
    return produced


@rule("DSG105", "secret-source", "Every Secret a resource references is produced by the tree (Secret, ExternalSecret, operator-made) or declared in the profile's externalSecrets.")
def secret_sources(overlay: Overlay) -> Iterator[Finding]:
    produced = _produced_secrets(overlay)
    for doc in overlay.documents:
        for path, name in _secret_references(doc):
            if (_ns(doc), name) not in produced and name not in overlay.external_secrets:
                yield doc, path, (f"Secret {name!r} is neither produced by the tree nor listed in the "
                                  "profile's externalSecrets")


# ---------------------------------------------------------------- operator rules


@rule("DSG201", "cnpg-parameters", "Cluster spec.postgresql.parameters sets no parameter CloudNativePG fixes or blocks.")
def cnpg_parameters(overlay: Overlay) -> Iterator[Finding]:
    for cluster in overlay.of_kind("Cluster"):
        for name in _get(cluster, "spec", "postgresql", "parameters") or {}:
            problem = ops.cnpg_parameter_problem(name)
            if problem:
                yield cluster, f"/spec/postgresql/parameters/{name}", f"{name} {problem}"


@rule("DSG202", "pgbouncer-parameters", "Pooler spec.pgbouncer.parameters uses only parameters CloudNativePG allows.")
def pgbouncer_parameters(overlay: Overlay) -> Iterator[Finding]:
    for pooler in overlay.of_kind("Pooler"):
        for name in _get(pooler, "spec", "pgbouncer", "parameters") or {}:
            if name not in ops.CNPG_POOLER_ALLOWED:
                yield pooler, f"/spec/pgbouncer/parameters/{name}", f"{name} is not a PgBouncer parameter CloudNativePG accepts (invalid or reserved)"


@rule("DSG203", "strimzi-config", "Kafka spec.kafka.config and spec.zookeeper.config set no option Strimzi manages (it drops them with only a warning).")
def strimzi_config(overlay: Overlay) -> Iterator[Finding]:
    for kafka in overlay.of_kind("Kafka"):
        for key in _get(kafka, "spec", "kafka", "config") or {}:
            prefix = ops.strimzi_forbidden(key, ops.STRIMZI_FORBIDDEN_KAFKA_PREFIXES, ops.STRIMZI_ALLOWED_KAFKA_EXCEPTIONS)
            if prefix:
                yield kafka, f"/spec/kafka/config/{key}", f"{key}: Strimzi manages options starting with {prefix!r} and ignores this one"
        for key in _get(kafka, "spec", "zookeeper", "config") or {}:
            prefix = ops.strimzi_forbidden(key, ops.STRIMZI_FORBIDDEN_ZOOKEEPER_PREFIXES, ops.STRIMZI_ALLOWED_ZOOKEEPER_EXCEPTIONS)
            if prefix:
                yield kafka, f"/spec/zookeeper/config/{key}", f"{key}: Strimzi manages ZooKeeper options starting with {prefix!r} and ignores this one"


@rule("DSG204", "redis-name", "A RedisFailover's name is at most 48 characters (the redis-operator's limit).")
def redis_name(overlay: Overlay) -> Iterator[Finding]:
    for redis in overlay.of_kind("RedisFailover"):
        if len(_name(redis)) > ops.SPOTAHOME_MAX_NAME:
            yield redis, "/metadata/name", f"is {len(_name(redis))} characters; the redis-operator allows {ops.SPOTAHOME_MAX_NAME}"


@rule("DSG205", "strimzi-api", "Strimzi resources use the API the pinned operator serves: no ZooKeeper on 0.46+, no v1beta2 on 1.0+, no v1 before 0.49.")
def strimzi_api(overlay: Overlay) -> Iterator[Finding]:
    pinned = overlay.operators.get("strimzi")
    if not pinned:
        return
    api = ops.strimzi_api(pinned)
    removed_v1beta2 = version_tuple(pinned) >= (0, 52, 0)  # Strimzi 1.0
    for doc in overlay.documents:
        group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
        if group != "kafka.strimzi.io":
            continue
        if version == "v1" and api.version != "v1":
            yield doc, "/apiVersion", f"kafka.strimzi.io/v1 needs Strimzi 0.49 or newer; the profile pins {pinned}"
        elif version != "v1" and removed_v1beta2:
            yield doc, "/apiVersion", f"Strimzi {pinned} serves only kafka.strimzi.io/v1"
        if doc.get("kind") == "Kafka" and _get(doc, "spec", "zookeeper") is not None and not api.zookeeper_supported:
            yield doc, "/spec/zookeeper", f"Strimzi {pinned} has no ZooKeeper support (removed in 0.46)"


@rule("DSG206", "redis-runtime-config", "RedisFailover customConfig holds no setting Redis refuses to change with CONFIG SET, which is how the operator applies it.")
def redis_runtime_config(overlay: Overlay) -> Iterator[Finding]:
    for redis in overlay.of_kind("RedisFailover"):
        for index, line in enumerate(_get(redis, "spec", "redis", "customConfig") or []):
            key = str(line).split(" ", 1)[0].lower()
            if key in ops.REDIS_STARTUP_ONLY:
                yield redis, f"/spec/redis/customConfig/{index}", f"{key} cannot be set with CONFIG SET; pass it as a redis-server argument"
            elif key in ops.REDIS_OPERATOR_MANAGED:
                yield redis, f"/spec/redis/customConfig/{index}", f"{key} is managed by the redis-operator"


ALL_IDS = {**{r.id: r.title for r in RULES}, **{k: v[0] for k, v in SCHEMA_RULES.items()}}


def run(overlay: Overlay, skip: set[str]) -> Iterator[tuple[Rule, dict, str, str]]:
    for each in RULES:
        if each.id in skip or each.title in skip:
            continue
        for doc, path, message in each.check(overlay):
            yield each, doc, path, message
