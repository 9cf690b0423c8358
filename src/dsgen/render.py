"""Rendering: a validated profile -> a list of Kubernetes resources.

Templates live in ``templates/<service>/<kind>.yaml.j2``, one per resource
kind. They only lay out structure: every ``{{ expression }}`` is emitted as a
JSON literal (valid YAML), so a profile value can never change the document's
shape or its type, whatever quotes, colons or ``{{ }}`` it holds. Profile
values are data and are never evaluated as templates: the environment is
sandboxed and undefined names are errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from dsgen import operators as ops
from dsgen import yamlio
from dsgen.errors import EXIT_INTERNAL, DsgenError
from dsgen.models import Kafka, KafkaNodes, Postgres, Profile, Redis, Resources

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MANAGED_BY = "dsgen"


class TemplateProblem(DsgenError):
    """A template is missing or broken: a bug in dsgen's templates, not the profile."""

    exit_code = EXIT_INTERNAL


@dataclass(frozen=True)
class Resource:
    """One rendered Kubernetes object and the service it belongs to."""

    service: str
    doc: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.doc["kind"]

    @property
    def name(self) -> str:
        return self.doc["metadata"]["name"]

    @property
    def namespace(self) -> str:
        return self.doc["metadata"].get("namespace", "")

    @property
    def api_version(self) -> str:
        return self.doc["apiVersion"]

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What kustomize matches resources by: apiVersion, kind, namespace, name.
        A resource whose API version differs between base and an environment is
        deleted and added again rather than patched."""
        return (self.api_version, self.kind, self.namespace, self.name)

    @property
    def filename(self) -> str:
        return f"{self.kind.lower()}-{self.name}.yaml"


def _json_literal(value: Any) -> str:
    """Every template expression becomes a JSON literal, which is valid YAML."""
    if not isinstance(value, (dict, list, tuple, str, int, float, bool)) and value is not None:
        raise TypeError(f"cannot place a {type(value).__name__} into a manifest")
    text = json.dumps(value, ensure_ascii=False)
    # JSON leaves some characters raw that YAML forbids or reads as line breaks.
    return yamlio.NEEDS_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class Renderer:
    def __init__(self, templates: Path = DEFAULT_TEMPLATES):
        if not templates.is_dir():
            raise TemplateProblem(f"{templates}: templates folder does not exist")
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(str(templates)),
            undefined=StrictUndefined,
            finalize=_json_literal,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def document(self, template: str, **context: Any) -> dict[str, Any]:
        try:
            text = self.env.get_template(template).render(**context)
        except TemplateError as exc:
            raise TemplateProblem(f"templates/{template}: {exc}") from exc
        documents = yamlio.load_documents(text, f"templates/{template}")
        if len(documents) != 1 or not isinstance(documents[0], dict):
            raise TemplateProblem(f"templates/{template}: must render exactly one mapping")
        return _prune(documents[0])

    def render(self, profile: Profile) -> list[Resource]:
        resources: list[Resource] = []
        for service, model in profile.services().items():
            for template, context in SERVICES[service](profile, model):
                doc = self.document(template, profile=profile, **context)
                resources.append(Resource(service, doc))
        _check_unique(resources)
        return resources


def _prune(value: Any) -> Any:
    """Drop keys whose value is null: templates write optional fields as ``key: {{ value }}``."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _check_unique(resources: list[Resource]) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for resource in resources:
        key = (resource.group, resource.kind, resource.namespace, resource.name)
        if key in seen:
            raise DsgenError(
                f"two resources are both {resource.kind} {resource.namespace}/{resource.name}: "
                "rename one in the profile"
            )
        seen.add(key)


# ---------------------------------------------------------------- shared helpers


def labels(profile: Profile, name: str, component: str, instance: str, version: str | None = None) -> dict:
    """The Kubernetes recommended labels."""
    out = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": profile.platform,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }
    if version:
        out["app.kubernetes.io/version"] = version
    return out


def resources(value: Resources | None) -> dict | None:
    if value is None:
        return None
    dumped = value.model_dump(exclude_none=True)
    return {k: v for k, v in dumped.items() if v} or None


Plan = Iterator[tuple[str, dict[str, Any]]]


# ---------------------------------------------------------------- PostgreSQL


def _barman_configuration(pg: Postgres) -> dict[str, Any]:
    """Barman Cloud's object store settings, the same in-tree and in the plugin."""
    backup = pg.backup
    conf: dict[str, Any] = {"destinationPath": backup.destinationPath}
    if backup.s3.region:
        conf["endpointURL"] = f"https://s3.{backup.s3.region}.amazonaws.com"
    if backup.s3.inheritFromIAMRole:
        conf["s3Credentials"] = {"inheritFromIAMRole": True}
    else:
        secret = backup.s3.credentialsSecret
        conf["s3Credentials"] = {
            "accessKeyId": {"name": secret, "key": "ACCESS_KEY_ID"},
            "secretAccessKey": {"name": secret, "key": "ACCESS_SECRET_KEY"},
        }
    wal: dict[str, Any] = {"compression": backup.compression}
    data: dict[str, Any] = {"compression": backup.compression, "immediateCheckpoint": backup.immediate}
    if backup.encryption:
        wal["encryption"] = data["encryption"] = backup.encryption
    conf["wal"], conf["data"] = wal, data
    return conf


def _cnpg_schedule(cron: str) -> str:
    """CloudNativePG's schedules start with a seconds field; profiles use standard cron."""
    return cron if cron.startswith("@") else f"0 {cron}"


def plan_postgres(profile: Profile, pg: Postgres) -> Plan:
    backup = None
    if pg.backup:
        method = ops.cnpg_backup_method(profile.operators.cloudnativepg, pg.backup.method)
        backup = {
            "method": method,
            "name": pg.backup.name or f"{pg.name}-backup",
            "store": f"{pg.name}-s3",
            "plugin": ops.BARMAN_CLOUD_PLUGIN,
            "configuration": _barman_configuration(pg),
            "schedule": _cnpg_schedule(pg.backup.schedule),
        }
    yield "postgres/cluster.yaml.j2", {
        "pg": pg,
        "labels": labels(profile, "postgresql", "database", pg.name),
        "resources": resources(pg.resources),
        "backup": backup,
    }
    if backup and backup["method"] == "plugin":
        yield "postgres/objectstore.yaml.j2", {
            "pg": pg, "backup": backup,
            "labels": labels(profile, "postgresql", "backup-store", pg.name),
        }
    if backup:
        yield "postgres/scheduledbackup.yaml.j2", {
            "pg": pg, "backup": backup,
            "labels": labels(profile, "postgresql", "backup", pg.name),
        }
    for name, pooler in pg.poolers.items():
        yield "postgres/pooler.yaml.j2", {
            "pg": pg,
            "name": name,
            "pooler": pooler,
            "labels": labels(profile, "pgbouncer", "connection-pooler", name),
            "resources": resources(pooler.resources),
        }


# ---------------------------------------------------------------- Redis


def plan_redis(profile: Profile, redis: Redis) -> Plan:
    runtime, startup = [], []
    for key, value in redis.redis.config.items():
        (startup if key in ops.REDIS_STARTUP_ONLY else runtime).append((key, value))
    command = None
    if startup:
        # Redis refuses CONFIG SET for these; pass them as server arguments,
        # after the operator's own config file.
        command = [*ops.REDIS_DEFAULT_COMMAND]
        for key, value in startup:
            command += [f"--{key}", *value.split()]
    yield "redis/redisfailover.yaml.j2", {
        "redis": redis,
        "labels": labels(profile, "redis", "cache", redis.name),
        "redis_config": [f"{k} {v}" for k, v in runtime],
        "redis_command": command,
        "redis_resources": resources(redis.redis.resources),
        "sentinel_config": [f"{k} {v}" for k, v in redis.sentinel.config.items()],
        "sentinel_resources": resources(redis.sentinel.resources),
    }


# ---------------------------------------------------------------- Kafka


def _kafka_storage(nodes: KafkaNodes) -> dict:
    storage = nodes.storage
    out: dict[str, Any] = {"type": storage.type}
    if storage.type == "persistent-claim":
        out.update(size=storage.size, deleteClaim=storage.deleteClaim)
        if storage.storageClass:
            out["class"] = storage.storageClass
    return out


def _node_pools(kafka: Kafka) -> list[dict]:
    if kafka.controllers is None:
        return [{"name": "dual-role", "roles": ["controller", "broker"], "nodes": kafka.brokers}]
    return [
        {"name": "controller", "roles": ["controller"], "nodes": kafka.controllers},
        {"name": "broker", "roles": ["broker"], "nodes": kafka.brokers},
    ]


def plan_kafka(profile: Profile, kafka: Kafka) -> Plan:
    api = ops.strimzi_api(profile.operators.strimzi)
    api_version = f"kafka.strimzi.io/{api.version}"
    kraft = kafka.mode == "kraft"
    cluster_label = {"strimzi.io/cluster": kafka.name}
    listeners = []
    for listener in kafka.listeners:
        item: dict[str, Any] = {"name": listener.name, "port": listener.port,
                                "type": listener.type, "tls": listener.tls}
        if listener.authentication != "none":
            item["authentication"] = {"type": listener.authentication}
        listeners.append(item)
    yield "kafka/kafka.yaml.j2", {
        "kafka": kafka,
        "api_version": api_version,
        "kraft": kraft,
        "annotations": (
            {"strimzi.io/kraft": "enabled", "strimzi.io/node-pools": "enabled"}
            if kraft and api.kraft_annotations else None
        ),
        "labels": labels(profile, "kafka", "event-streaming", kafka.name, kafka.version),
        "listeners": listeners,
        "authorization": kafka.authorization.model_dump(exclude_defaults=False) if kafka.authorization else None,
        "broker_storage": _kafka_storage(kafka.brokers),
        "broker_resources": resources(kafka.brokers.resources),
        "zookeeper_storage": _kafka_storage(kafka.zookeeper) if kafka.zookeeper else None,
        "zookeeper_resources": resources(kafka.zookeeper.resources) if kafka.zookeeper else None,
    }
    if kraft:
        for pool in _node_pools(kafka):
            yield "kafka/kafkanodepool.yaml.j2", {
                "api_version": api_version,
                "name": pool["name"],
                "roles": pool["roles"],
                "replicas": pool["nodes"].replicas,
                "storage": _kafka_storage(pool["nodes"]),
                "resources": resources(pool["nodes"].resources),
                "labels": {**labels(profile, "kafka", "node-pool", kafka.name), **cluster_label},
            }
    default_rf = int(kafka.config.get("default.replication.factor", 1))
    for name, topic in kafka.topics.items():
        yield "kafka/kafkatopic.yaml.j2", {
            "api_version": api_version,
            "name": name,
            "topic": topic,
            "replicas": topic.replicas or default_rf,
            "labels": {**labels(profile, "kafka", "topic", kafka.name), **cluster_label},
        }
    for name, user in kafka.users.items():
        yield "kafka/kafkauser.yaml.j2", {
            "api_version": api_version,
            "name": name,
            "user": user,
            "acls": [acl.model_dump(exclude_none=True) for acl in user.acls],
            "authorization": bool(user.acls),
            "labels": {**labels(profile, "kafka", "user", kafka.name), **cluster_label},
        }


SERVICES: dict[str, Callable[[Profile, Any], Plan]] = {
    "postgres": plan_postgres,
    "redis": plan_redis,
    "kafka": plan_kafka,
}
