"""Value types and small models every component's profile section uses.

Each wraps a parser of :mod:`dsgen.units` (which raises ``ValueError`` with a
message fit for a user) into a pydantic type. Every model forbids unknown
keys; field names follow Kubernetes' camelCase so that a profile reads like
the manifests it produces.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr,
                      WithJsonSchema)

from dsgen import units

Name = Annotated[StrictStr, AfterValidator(units.dns_label)]
ObjectName = Annotated[StrictStr, AfterValidator(units.dns_subdomain)]
Cidr = Annotated[StrictStr, AfterValidator(units.cidr)]
Quantity = Annotated[StrictStr, BeforeValidator(units.quantity, json_schema_input_type=str | int | float)]
Cron = Annotated[StrictStr, AfterValidator(units.cron)]


def _schedules(value: Any) -> Any:
    """One cron, or several by name: checked here as one type, so that a
    mistake reads as one message, not one per form."""
    if isinstance(value, str):
        return units.cron(value)
    if isinstance(value, dict) and value:
        out = {}
        for key, cron in value.items():
            if not isinstance(key, str) or not re.match(r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$", key):
                raise ValueError(f"{key!r}: name each schedule with lowercase letters, digits and '-' "
                                 "(at most 32 characters)")
            if not isinstance(cron, str):
                raise ValueError(f"{key}: must be a cron string, e.g. '0 2 * * *'")
            try:
                out[key] = units.cron(cron)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return out
    raise ValueError("must be a five-field cron string, or a mapping of names to them, "
                     "e.g. {weekly: '0 2 * * 0', daily: '0 2 * * 1-6'}")


Schedules = Annotated[Any, BeforeValidator(_schedules), WithJsonSchema({"oneOf": [
    {"type": "string"}, {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"},
                         "propertyNames": {"pattern": "^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$"}}]})]


def _version(value: str) -> str:
    units.version_tuple(value)
    return value


def _version_text(value: Any) -> Any:
    # ``1.34`` written without quotes is a float in YAML; a version is text.
    if isinstance(value, float):
        raise ValueError(f"write the version {value} in quotes, e.g. \"{value}\"")
    return value


Version = Annotated[StrictStr, BeforeValidator(_version_text), AfterValidator(_version)]


def _setting(value: Any) -> Any:
    """Server settings are strings; whole numbers are accepted and kept exact.
    A line break would smuggle a second setting into the server's config file."""
    if value is None:
        raise ValueError("must be a string or a whole number, not nothing (null); write a value or "
                         "remove the key")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        kind = {bool: "boolean", float: "number", list: "list", dict: "mapping"}.get(type(value), "value")
        written = str(value).lower() if isinstance(value, bool) else value
        raise ValueError(
            f"must be a string or a whole number, not a {kind}; quote it, e.g. \"{written}\""
        )
    text = str(value)
    if not text.isprintable():
        raise ValueError("must be a single line (no line breaks or control characters)")
    return text


Setting = Annotated[str, BeforeValidator(_setting, json_schema_input_type=str | int)]

_PG_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _pg_identifier(value: str) -> str:
    if not _PG_IDENTIFIER.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a plain PostgreSQL identifier: lower-case letters, digits and '_', "
            "at most 63 characters, not starting with a digit"
        )
    return value


PgIdentifier = Annotated[StrictStr, AfterValidator(_pg_identifier)]


class Strict(BaseModel):
    # Field docs are the docstrings under each field; the profile schema reads
    # them from the source (models.json_schema), which keeps loading fast.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class ResourceList(Strict):
    cpu: Quantity | None = None
    """CPU, e.g. 500m or 2."""
    memory: Quantity | None = None
    """Memory, e.g. 512Mi or 2Gi."""


class Resources(Strict):
    """Container requests and limits, as in a Pod spec."""

    requests: ResourceList | None = None
    """What the scheduler reserves for each container."""
    limits: ResourceList | None = None
    """The most each container may use; memory above it is OOM-killed."""


class Spread(Strict):
    """How a workload's pods spread: over nodes (kubernetes.io/hostname) and over
    zones (topology.kubernetes.io/zone). required: never two on one node (or a
    zone more crowded than another by more than one); preferred: the scheduler
    tries; none: no rule."""

    nodes: Literal["required", "preferred", "none"] = "preferred"
    """Pods on different nodes (kubernetes.io/hostname): required, preferred or none."""
    zones: Literal["required", "preferred", "none"] = "none"
    """Pods over zones (topology.kubernetes.io/zone), at most one apart: required, preferred or none."""


class PatchTarget(Strict):
    """Which rendered resources of the section a patch changes."""

    kind: StrictStr
    """Kind of the resources, e.g. Cluster, Pooler, Kafka, KafkaTopic."""
    name: StrictStr | None = None
    """Name of the resource; without it, every resource of the kind."""


_OPS = ("add", "remove", "replace", "move", "copy", "test")


def _patch(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and value:
        for number, operation in enumerate(value):
            if not isinstance(operation, dict) or operation.get("op") not in _OPS \
                    or not isinstance(operation.get("path"), str):
                raise ValueError(f"operation {number} must be a mapping with op ({', '.join(_OPS)}) and path")
        return value
    raise ValueError("must be a strategic-merge mapping, or a list of RFC 6902 operations "
                     "({op, path, value})")


class Patch(Strict):
    """A change to rendered resources that the profile does not model."""

    target: PatchTarget
    """The resources it applies to; a target that matches nothing is an error."""
    patch: Annotated[Any, BeforeValidator(_patch, json_schema_input_type=dict[str, Any] | list[dict[str, Any]])]
    """A strategic-merge mapping (mappings merge, null deletes, lists of named items merge by name,
    other lists are replaced), or a list of RFC 6902 operations ({op, path, value})."""


# Every service section ends with `patches: Patches = []`.
Patches = Annotated[list[Patch], Field(
    description="Changes to this service's rendered resources, applied before the tree is planned: "
    "the escape hatch for what the profile does not model.")]


class Toleration(Strict):
    """A core/v1 Toleration: the pod may run on nodes with a matching taint."""

    key: StrictStr | None = None
    """Taint key; empty with operator Exists tolerates every taint."""
    operator: Literal["Exists", "Equal"] = "Equal"
    """Equal: the taint's value must be `value`; Exists: any value."""
    value: StrictStr | None = None
    """Taint value (with operator Equal)."""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    """Taint effect to tolerate; empty: every effect."""
    tolerationSeconds: int | None = None
    """With NoExecute: how long the pod stays once the taint appears."""


class Affinity(Strict):
    """A core/v1 Affinity; checked against Kubernetes' schema of the profile's version."""

    nodeAffinity: dict[StrictStr, Any] | None = None
    """Which nodes the pods may (required...) or would rather (preferred...) run on."""
    podAffinity: dict[StrictStr, Any] | None = None
    """Pods these pods should run near."""
    podAntiAffinity: dict[StrictStr, Any] | None = None
    """Pods these pods should stay away from; added to what `spread` asks for."""


class Pod(Strict):
    """Where a workload's pods run and what they carry, written into the operator's
    own fields (see the README's table of where each key goes)."""

    nodeSelector: dict[StrictStr, StrictStr] = {}
    """Node labels a node must have (Strimzi: written as a required node affinity)."""
    tolerations: list[Toleration] = []
    """Taints the pods tolerate, e.g. of nodes dedicated to data services."""
    affinity: Affinity | None = None
    """Node and pod affinity, combined with what `spread` asks for."""
    topologySpreadConstraints: list[dict[StrictStr, Any]] = []
    """core/v1 TopologySpreadConstraints, after the ones `spread` writes."""
    priorityClassName: ObjectName | None = None
    """PriorityClass of the pods."""
    annotations: dict[StrictStr, StrictStr] = {}
    """Annotations on the pods (CloudNativePG: on every object of the cluster)."""
    labels: dict[StrictStr, StrictStr] = {}
    """Labels on the pods (CloudNativePG: on every object of the cluster)."""
    imagePullSecrets: list[ObjectName] = []
    """Secrets of type kubernetes.io/dockerconfigjson to pull images with."""


class Access(Strict):
    """Who may connect to the service's client ports when the namespace is
    isolated (network.isolate): NetworkPolicies that select the pods by the
    labels their operator gives them."""

    namespaces: list[Name] = []
    """Namespaces whose pods may connect (any pod of each); nothing else may,
    from another namespace or from outside the cluster."""
    requireTls: StrictBool = False
    """Refuse connections without TLS: PostgreSQL and its poolers reject them
    (pg_hba hostnossl ... reject, PgBouncer client_tls_sslmode require); every
    Kafka listener must have tls; Redis needs a backend with TLS."""


# s3://bucket/path: a bucket name as S3 allows it (3-63 characters).
S3_PATH = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$"


class BackupS3(Strict):
    region: Annotated[StrictStr, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")] | None = Field(
        None, description="AWS region, e.g. us-east-1 (sets the S3 endpoint).")
    credentialsSecret: ObjectName | None = Field(
        None, description="Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY.")
    inheritFromIAMRole: StrictBool = False
    """Take S3 credentials from the pod's IAM role instead of a Secret."""


class ScheduledUpload(Strict):
    """A job on a schedule whose output goes to S3 and is kept a number of days."""

    schedule: Cron = Field(description="Five-field cron, e.g. '0 3 * * *'.")
    destination: Annotated[StrictStr, Field(pattern=S3_PATH)]
    """S3 folder; the files go to <destination>/<environment>/."""
    retentionDays: int = Field(ge=1, description="Files older than this many days are deleted by the job.")


class S3Upload(Strict):
    """How backup jobs upload to S3: the bucket's region and credentials, the
    encryption, the AWS CLI image and the jobs' resources."""

    s3: BackupS3 = BackupS3()
    """Region and credentials of the bucket."""
    encryption: Literal["AES256", "aws:kms"] | None = "AES256"
    """Server-side encryption of the uploaded files."""
    kmsKeyId: StrictStr | None = Field(None, description="The KMS key of aws:kms encryption.")
    image: StrictStr = "public.ecr.aws/aws-cli/aws-cli:2.32.2"
    """The AWS CLI image that uploads (pinned)."""
    resources: Resources | None = None
    """Requests and limits of the job's containers."""
