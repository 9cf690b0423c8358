"""The profile: what a platform engineer may write in ``profiles/*.yaml``.

The root model holds the environment-wide keys and one field per component;
each component's section model lives with the component
(``dsgen/components/<name>/model.py``). Rules that involve more than one
field are the components' rules (:mod:`dsgen.rules`), where each can name
the exact key it is about.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictStr

from dsgen.components.kafka.model import Kafka
from dsgen.components.postgres.model import Postgres
from dsgen.components.redis.model import Redis
from dsgen.fields import Name, ObjectName, Strict, Version


class Operators(Strict):
    """The operator releases the cluster runs; they choose API versions and rules."""

    cloudnativepg: Version = "1.29.0"
    redisOperator: Version = "1.2.4"
    strimzi: Version = "0.49.1"


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


def json_schema() -> dict[str, Any]:
    schema = Profile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dsgen profile"
    return schema
