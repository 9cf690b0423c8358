"""The profile model: what a platform engineer may write in ``profiles/*.yaml``.

Every model forbids unknown keys. Field names follow Kubernetes' camelCase so
that a profile reads like the manifests it produces. Rules that involve more
than one field live in :mod:`dsgen.checks`, where each can name the exact key
it is about.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool
from pydantic import StrictStr

from dsgen import units

# ---------------------------------------------------------------- field types


def _check(fn):
    """Adapt a units parser (raises ValueError) into a pydantic validator."""
    return AfterValidator(fn)


Name = Annotated[StrictStr, _check(units.dns_label)]
ObjectName = Annotated[StrictStr, _check(units.dns_subdomain)]
Quantity = Annotated[StrictStr, BeforeValidator(units.quantity)]
Cron = Annotated[StrictStr, _check(units.cron)]


def _version(value: str) -> str:
    units.version_tuple(value)
    return value


def _version_text(value: Any) -> Any:
    # ``1.34`` written without quotes is a float in YAML; a version is text.
    if isinstance(value, float):
        raise ValueError(f"write the version {value} in quotes, e.g. \"{value}\"")
    return value


Version = Annotated[StrictStr, BeforeValidator(_version_text), _check(_version)]


def _setting(value: Any) -> Any:
    """Server settings are strings; whole numbers are accepted and kept exact.
    A line break would smuggle a second setting into the server's config file."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        kind = "boolean" if isinstance(value, bool) else type(value).__name__
        raise ValueError(
            f"must be a string or a whole number, not a {kind}; quote it, e.g. \"{value}\""
        )
    text = str(value)
    if not text.isprintable():
        raise ValueError("must be a single line (no line breaks or control characters)")
    return text


Setting = Annotated[str, BeforeValidator(_setting)]


def _kafka_value(value: Any) -> Any:
    if not isinstance(value, (str, bool, int, float)):
        kind = "nothing" if value is None else type(value).__name__
        raise ValueError(f"must be a string, number or boolean, not {kind}")
    return value


# Kafka accepts typed config values (numbers, booleans, strings) as written.
KafkaValue = Annotated[Any, BeforeValidator(_kafka_value)]


def _pg_identifier(value: str) -> str:
    import re

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise ValueError(
            f"{value!r} is not a plain PostgreSQL identifier: lower-case letters, digits and '_', "
            "at most 63 characters, not starting with a digit"
        )
    return value


PgIdentifier = Annotated[StrictStr, _check(_pg_identifier)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


# ---------------------------------------------------------------- shared pieces


class ResourceList(Strict):
    cpu: Quantity | None = None
    memory: Quantity | None = None


class Resources(Strict):
    """Container requests and limits, as in a Pod spec."""

    requests: ResourceList | None = None
    limits: ResourceList | None = None


class Operators(Strict):
    """The operator releases the cluster runs; they choose API versions and rules."""

    cloudnativepg: Version = "1.29.0"
    redisOperator: Version = "1.3.0"
    strimzi: Version = "0.49.1"


# ---------------------------------------------------------------- PostgreSQL


class PgBootstrap(Strict):
    database: PgIdentifier = "app"
    owner: PgIdentifier = "app"
    secret: ObjectName | None = Field(
        None, description="Secret (basic-auth: username, password) of the owner."
    )
    encoding: StrictStr = "UTF8"
    locale: StrictStr | None = Field(None, description="e.g. en_US.UTF-8 (collation and ctype)")


class PgStorage(Strict):
    size: Quantity
    storageClass: ObjectName | None = None
    resizeInUseVolumes: StrictBool = True


class BackupS3(Strict):
    region: Annotated[StrictStr, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")] | None = Field(
        None, description="AWS region, e.g. us-east-1 (sets the S3 endpoint).")
    credentialsSecret: ObjectName | None = Field(
        None, description="Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY.")
    inheritFromIAMRole: StrictBool = False


class PgBackup(Strict):
    """Scheduled base backups and WAL archiving to S3 (point-in-time recovery)."""

    name: Name | None = Field(None, description="ScheduledBackup name; default <cluster>-backup.")
    schedule: Cron = Field(description="Five-field cron, e.g. '0 2 * * *'.")
    retentionPolicy: Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]*[dwm]$")] = "30d"
    destinationPath: Annotated[StrictStr, Field(pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")]
    s3: BackupS3 = BackupS3()
    compression: Literal["gzip", "bzip2", "snappy"] = "gzip"
    encryption: Literal["AES256", "aws:kms"] | None = None
    immediate: StrictBool = Field(True, description="Take the first backup at once, with an immediate checkpoint.")
    method: Literal["auto", "plugin", "barmanObjectStore"] = Field(
        "auto", description="auto: the Barman Cloud plugin on CloudNativePG 1.26+, in-tree before.")


class Pooler(Strict):
    """A pgbouncer Pooler in front of the cluster."""

    type: Literal["rw", "ro", "r"] = "rw"
    instances: int = Field(2, ge=1)
    poolMode: Literal["session", "transaction"] = "transaction"
    parameters: dict[StrictStr, Setting] = {}
    resources: Resources | None = None


class Postgres(Strict):
    enabled: StrictBool = True
    name: Name = "postgres-cluster"
    instances: int = Field(3, ge=1)
    imageName: StrictStr | None = None
    primaryUpdateStrategy: Literal["unsupervised", "supervised"] = "unsupervised"
    primaryUpdateMethod: Literal["switchover", "restart"] | None = None
    parameters: dict[StrictStr, Setting] = {}
    bootstrap: PgBootstrap = PgBootstrap()
    storage: PgStorage
    resources: Resources | None = None
    backup: PgBackup | None = None
    poolers: dict[Name, Pooler] = Field(
        {}, description="Poolers by resource name, e.g. postgres-cluster-pooler-rw."
    )


# ---------------------------------------------------------------- Redis


class RedisStorage(Strict):
    size: Quantity
    storageClass: ObjectName | None = None
    claimName: Name = "redis-storage"
    keepAfterDeletion: StrictBool = False


class RedisAuth(Strict):
    secretName: ObjectName = Field(description="Secret with key 'password'.")


class RedisServers(Strict):
    replicas: int = Field(3, ge=1)
    image: StrictStr | None = None
    resources: Resources | None = None
    config: dict[StrictStr, Setting] = {}
    storage: RedisStorage | None = None


class Sentinels(Strict):
    replicas: int = Field(3, ge=1)
    image: StrictStr | None = None
    resources: Resources | None = None
    config: dict[StrictStr, Setting] = {}


class Redis(Strict):
    enabled: StrictBool = True
    name: Name = "redis-cluster"
    auth: RedisAuth | None = None
    redis: RedisServers = RedisServers()
    sentinel: Sentinels = Sentinels()


# ---------------------------------------------------------------- Kafka


class KafkaStorage(Strict):
    type: Literal["persistent-claim", "ephemeral"] = "persistent-claim"
    size: Quantity | None = None
    storageClass: ObjectName | None = None
    deleteClaim: StrictBool = False


class KafkaNodes(Strict):
    """A set of Kafka nodes: brokers, KRaft controllers, or ZooKeeper servers."""

    replicas: int = Field(3, ge=1)
    storage: KafkaStorage
    resources: Resources | None = None


class ZooKeeper(KafkaNodes):
    config: dict[StrictStr, KafkaValue] = {}


class Listener(Strict):
    name: Annotated[StrictStr, Field(pattern=r"^[a-z0-9]{1,11}$")]
    port: int = Field(ge=9092, le=65535)
    type: Literal["internal", "cluster-ip", "route", "loadbalancer", "nodeport", "ingress"] = "internal"
    tls: StrictBool = False
    authentication: Literal["scram-sha-512", "tls", "none"] = "scram-sha-512"


class Authorization(Strict):
    type: Literal["simple"] = "simple"
    superUsers: list[StrictStr] = []


class Topic(Strict):
    topicName: StrictStr | None = Field(
        None, description="Kafka's name for the topic when it differs from the resource name."
    )
    partitions: int = Field(ge=1)
    replicas: int | None = Field(None, ge=1, description="Defaults to default.replication.factor.")
    config: dict[StrictStr, KafkaValue] = {}


def _secret_ref(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class SecretKeyRef(Strict):
    name: ObjectName
    key: StrictStr = "password"


AclOperation = Literal[
    "Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction",
    "AlterConfigs", "DescribeConfigs", "IdempotentWrite", "All",
]


class AclResource(Strict):
    type: Literal["topic", "group", "cluster", "transactionalId"]
    name: StrictStr | None = None
    patternType: Literal["literal", "prefix"] = "literal"


class Acl(Strict):
    resource: AclResource
    operations: list[AclOperation] = Field(min_length=1)
    host: StrictStr | None = None
    type: Literal["allow", "deny"] = "allow"


class KafkaUserSpec(Strict):
    authentication: Literal["scram-sha-512", "tls"] = "scram-sha-512"
    passwordSecret: Annotated[SecretKeyRef | None, BeforeValidator(_secret_ref)] = None
    acls: list[Acl] = []


class Kafka(Strict):
    enabled: StrictBool = True
    name: Name = "kafka-cluster"
    version: Version
    metadataVersion: StrictStr | None = None
    mode: Literal["kraft", "zookeeper"] = "kraft"
    brokers: KafkaNodes
    controllers: KafkaNodes | None = Field(
        None, description="Dedicated KRaft controllers; without them brokers are dual-role."
    )
    zookeeper: ZooKeeper | None = None
    listeners: list[Listener] = [
        Listener(name="plain", port=9092, tls=False),
        Listener(name="tls", port=9093, tls=True),
    ]
    authorization: Authorization | None = Authorization()
    config: dict[StrictStr, KafkaValue] = {}
    topics: dict[ObjectName, Topic] = {}
    users: dict[ObjectName, KafkaUserSpec] = {}


# ---------------------------------------------------------------- the profile


class Profile(Strict):
    """One environment's data services, after ``extends`` has been merged."""

    extends: StrictStr | None = Field(
        None, description="Profile this one builds on (deep-merged; lists are replaced)."
    )
    platform: Name = Field("platform", description="app.kubernetes.io/part-of of everything.")
    namespace: Name = "data"
    kubernetesVersion: Version = "1.34"
    operators: Operators = Operators()
    externalSecrets: list[ObjectName] = Field(
        [], description="Secrets the cluster already holds (not produced by this tree); "
        "dsgen validate accepts references to them.",
    )
    postgres: Postgres | None = None
    redis: Redis | None = None
    kafka: Kafka | None = None

    def services(self) -> dict[str, Any]:
        """The enabled services by name, in a fixed order."""
        out = {}
        for name in ("postgres", "redis", "kafka"):
            service = getattr(self, name)
            if service is not None and service.enabled:
                out[name] = service
        return out


def json_schema() -> dict[str, Any]:
    schema = Profile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dsgen profile"
    return schema
