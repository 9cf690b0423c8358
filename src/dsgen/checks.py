"""Rules across fields of a validated profile.

Each rule yields ``(path, message)``; the loader turns the path into the file,
line and column where that key was written. Add a rule by writing a function
decorated with ``@rule``.
"""

from __future__ import annotations

from typing import Callable, Iterator

from dsgen import operators as ops
from dsgen.models import Kafka, Postgres, Profile, Redis
from dsgen.units import postgres_bytes, quantity_value, redis_bytes, version_tuple

# (path, message); a list of paths when the problem lies between several keys.
Finding = tuple[tuple | list[tuple], str]
_RULES: list[Callable[[Profile], Iterator[Finding]]] = []


def rule(fn: Callable[[Profile], Iterator[Finding]]) -> Callable[[Profile], Iterator[Finding]]:
    _RULES.append(fn)
    return fn


def check(profile: Profile) -> list[Finding]:
    return [finding for fn in _RULES for finding in fn(profile)]


def _memory_limit(resources) -> int | None:
    if resources and resources.limits and resources.limits.memory:
        return int(quantity_value(resources.limits.memory))
    return None


def _requests_within_limits(resources, path: tuple) -> Iterator[Finding]:
    if not resources or not resources.requests or not resources.limits:
        return
    for field in ("cpu", "memory"):
        request = getattr(resources.requests, field)
        limit = getattr(resources.limits, field)
        if request and limit and quantity_value(request) > quantity_value(limit):
            yield (*path, "requests", field), f"request {request} is above the limit {limit}"


# ---------------------------------------------------------------- PostgreSQL


def _postgres(profile: Profile) -> Postgres | None:
    pg = profile.postgres
    return pg if pg is not None and pg.enabled else None


@rule
def postgres_parameters(profile: Profile) -> Iterator[Finding]:
    pg = _postgres(profile)
    if not pg:
        return
    for name in pg.parameters:
        problem = ops.cnpg_parameter_problem(name)
        if problem:
            yield ("postgres", "parameters", name), problem


@rule
def postgres_memory(profile: Profile) -> Iterator[Finding]:
    pg = _postgres(profile)
    if not pg:
        return
    yield from _requests_within_limits(pg.resources, ("postgres", "resources"))
    limit = _memory_limit(pg.resources)
    for name, default_unit in (("shared_buffers", 8192), ("effective_cache_size", 8192)):
        if name not in pg.parameters:
            continue
        path = ("postgres", "parameters", name)
        try:
            size = postgres_bytes(pg.parameters[name], default_unit)
        except ValueError as exc:
            yield path, str(exc)
            continue
        if name == "shared_buffers" and limit is not None and size >= limit:
            yield path, (
                f"{pg.parameters[name]} is not below the memory limit "
                f"{pg.resources.limits.memory}; PostgreSQL would be killed for running out of memory"
            )


@rule
def postgres_backup(profile: Profile) -> Iterator[Finding]:
    pg = _postgres(profile)
    if not pg or not pg.backup:
        return
    s3 = pg.backup.s3
    path = ("postgres", "backup", "s3")
    if not s3.credentialsSecret and not s3.inheritFromIAMRole:
        yield path, "needs credentialsSecret or inheritFromIAMRole: true"
    if s3.credentialsSecret and s3.inheritFromIAMRole:
        yield (*path, "inheritFromIAMRole"), "use either credentialsSecret or inheritFromIAMRole, not both"
    method = ops.cnpg_backup_method(profile.operators.cloudnativepg, pg.backup.method)
    if method == "plugin" and version_tuple(profile.operators.cloudnativepg) < (1, 25, 0):
        yield ("postgres", "backup", "method"), (
            f"the Barman Cloud plugin needs CloudNativePG 1.25 or newer; the profile pins "
            f"{profile.operators.cloudnativepg}")


def _int_setting(settings: dict, name: str, path: tuple) -> tuple[int | None, Finding | None]:
    if name not in settings:
        return None, None
    try:
        return int(settings[name]), None
    except ValueError:
        return None, ((*path, name), f"{settings[name]!r} is not a whole number")


# Which PostgreSQL instances a pooler's server connections land on.
_POOLER_TARGETS = {"rw": ("the primary",), "ro": ("a replica",), "r": ("the primary", "a replica")}


@rule
def pooler_sizes(profile: Profile) -> Iterator[Finding]:
    pg = _postgres(profile)
    if not pg:
        return
    parameters = ("postgres", "parameters")
    max_connections, problem = _int_setting(pg.parameters, "max_connections", parameters)
    if problem:
        yield problem
    reserved, problem = _int_setting(pg.parameters, "superuser_reserved_connections", parameters)
    if problem:
        yield problem
    max_connections = 100 if max_connections is None else max_connections  # PostgreSQL's defaults
    reserved = 3 if reserved is None else reserved
    load: dict[str, list[tuple[str, int, list[tuple]]]] = {}
    for name, pooler in pg.poolers.items():
        path = ("postgres", "poolers", name)
        yield from _requests_within_limits(pooler.resources, (*path, "resources"))
        if name == pg.name:
            yield path, "a Pooler cannot have the name of its Cluster"
        for key in pooler.parameters:
            if key not in ops.CNPG_POOLER_ALLOWED:
                yield (*path, "parameters", key), (
                    "is not a PgBouncer parameter CloudNativePG accepts (invalid or reserved)"
                )
        sizes = {}
        for key, default in (("default_pool_size", 20), ("reserve_pool_size", 0),
                             ("max_client_conn", 100), ("max_db_connections", 0)):
            value, problem = _int_setting(pooler.parameters, key, (*path, "parameters"))
            if problem:
                yield problem
            sizes[key] = default if value is None else value
        per_instance = sizes["default_pool_size"] + sizes["reserve_pool_size"]
        if sizes["max_db_connections"]:
            per_instance = min(per_instance, sizes["max_db_connections"])
        keys = [(*path, "parameters", "default_pool_size"), (*path, "instances"),
                (*path, "parameters", "reserve_pool_size")]
        for target in _POOLER_TARGETS[pooler.type]:
            load.setdefault(target, []).append((name, per_instance * pooler.instances, keys))
        if sizes["max_client_conn"] < sizes["default_pool_size"]:
            yield (*path, "parameters", "max_client_conn"), (
                f"max_client_conn {sizes['max_client_conn']} is below default_pool_size "
                f"{sizes['default_pool_size']}"
            )
    available = max_connections - reserved
    for target, poolers in load.items():
        total = sum(connections for _, connections, _ in poolers)
        if total > available:
            where = [key for _, _, keys in poolers for key in keys] + [(*parameters, "max_connections")]
            detail = " + ".join(f"{name} {connections}" for name, connections, _ in poolers)
            yield where, (
                f"poolers open up to {total} server connections to {target} ({detail}: instances x "
                f"(default_pool_size + reserve_pool_size)), more than max_connections "
                f"{max_connections} minus {reserved} reserved = {available}"
            )


# ---------------------------------------------------------------- Redis


def _redis(profile: Profile) -> Redis | None:
    redis = profile.redis
    return redis if redis is not None and redis.enabled else None


@rule
def redis_config(profile: Profile) -> Iterator[Finding]:
    redis = _redis(profile)
    if not redis:
        return
    if len(redis.name) > ops.SPOTAHOME_MAX_NAME:
        yield ("redis", "name"), (
            f"is {len(redis.name)} characters; the redis-operator allows at most "
            f"{ops.SPOTAHOME_MAX_NAME}"
        )
    for key in redis.redis.config:
        if key in ops.REDIS_OPERATOR_MANAGED:
            yield ("redis", "redis", "config", key), "is managed by the redis-operator and cannot be set"
    for key in redis.sentinel.config:
        if key not in ops.SENTINEL_SETTABLE:
            yield ("redis", "sentinel", "config", key), (
                "is not a sentinel setting the redis-operator can apply; use one of "
                + ", ".join(sorted(ops.SENTINEL_SETTABLE))
            )
    yield from _requests_within_limits(redis.redis.resources, ("redis", "redis", "resources"))
    yield from _requests_within_limits(redis.sentinel.resources, ("redis", "sentinel", "resources"))
    if "maxmemory" in redis.redis.config:
        path = ("redis", "redis", "config", "maxmemory")
        try:
            maxmemory = redis_bytes(redis.redis.config["maxmemory"])
        except ValueError as exc:
            yield path, str(exc)
            return
        limit = _memory_limit(redis.redis.resources)
        if limit is not None and maxmemory >= limit:
            yield path, (
                f"{redis.redis.config['maxmemory']} is not below the memory limit "
                f"{redis.redis.resources.limits.memory}; Redis would be killed before evicting keys"
            )


@rule
def redis_quorum(profile: Profile) -> Iterator[Finding]:
    redis = _redis(profile)
    if redis and redis.sentinel.replicas < 3 and redis.redis.replicas > 1:
        yield ("redis", "sentinel", "replicas"), (
            f"{redis.sentinel.replicas} sentinels cannot elect a new master safely; use at least 3"
        )


# ---------------------------------------------------------------- Kafka


def _kafka(profile: Profile) -> Kafka | None:
    kafka = profile.kafka
    return kafka if kafka is not None and kafka.enabled else None


@rule
def kafka_mode(profile: Profile) -> Iterator[Finding]:
    kafka = _kafka(profile)
    if not kafka:
        return
    api = ops.strimzi_api(profile.operators.strimzi)
    kafka_version = version_tuple(kafka.version)
    if kafka.mode == "zookeeper":
        if not api.zookeeper_supported:
            yield ("kafka", "mode"), (
                f"ZooKeeper mode needs Strimzi 0.45 or older; the pinned Strimzi "
                f"{profile.operators.strimzi} runs KRaft only (set mode: kraft)"
            )
        if kafka_version >= (4, 0, 0):
            yield ("kafka", "version"), f"Kafka {kafka.version} has no ZooKeeper mode; use 3.x or KRaft"
        if kafka.zookeeper is None:
            yield ("kafka", "mode"), "ZooKeeper mode needs a kafka.zookeeper section"
        if kafka.controllers is not None:
            yield ("kafka", "controllers"), "KRaft controllers do not exist in ZooKeeper mode"
    else:
        if kafka.zookeeper is not None:
            yield ("kafka", "zookeeper"), "a KRaft cluster has no ZooKeeper; remove this section or set mode: zookeeper"
        oldest = ops.strimzi_min_kafka(profile.operators.strimzi)
        if kafka_version < oldest:
            yield ("kafka", "version"), (
                f"Kafka {kafka.version} is older than Strimzi {profile.operators.strimzi} runs "
                f"({'.'.join(map(str, oldest[:2]))} or newer)"
            )
        for key, why in ops.KAFKA_ZOOKEEPER_ONLY_CONFIG.items():
            if key in kafka.config:
                yield ("kafka", "config", key), f"is a ZooKeeper-mode setting: {why}"
    if kafka.metadataVersion is not None and kafka.mode == "zookeeper":
        yield ("kafka", "metadataVersion"), "applies to KRaft clusters only"


@rule
def kafka_forbidden_config(profile: Profile) -> Iterator[Finding]:
    kafka = _kafka(profile)
    if not kafka:
        return
    for key in kafka.config:
        prefix = ops.strimzi_forbidden(
            key, ops.STRIMZI_FORBIDDEN_KAFKA_PREFIXES, ops.STRIMZI_ALLOWED_KAFKA_EXCEPTIONS
        )
        if prefix:
            yield ("kafka", "config", key), (
                f"Strimzi manages options starting with {prefix!r} and would ignore this one"
            )
    if kafka.zookeeper:
        for key in kafka.zookeeper.config:
            prefix = ops.strimzi_forbidden(
                key, ops.STRIMZI_FORBIDDEN_ZOOKEEPER_PREFIXES,
                ops.STRIMZI_ALLOWED_ZOOKEEPER_EXCEPTIONS,
            )
            if prefix:
                yield ("kafka", "zookeeper", "config", key), (
                    f"Strimzi manages ZooKeeper options starting with {prefix!r} and would ignore this one"
                )


def _config_int(config: dict, key: str, path: tuple) -> tuple[int | None, Finding | None]:
    if key not in config:
        return None, None
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        return None, ((*path, key), f"{value!r} must be a whole number")
    return int(value), None


@rule
def kafka_replication(profile: Profile) -> Iterator[Finding]:
    kafka = _kafka(profile)
    if not kafka:
        return
    brokers = kafka.brokers.replicas
    path = ("kafka", "config")
    values = {}
    for key in ("default.replication.factor", "min.insync.replicas",
                "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "transaction.state.log.min.isr"):
        values[key], problem = _config_int(kafka.config, key, path)
        if problem:
            yield problem
    for key in ("default.replication.factor", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor"):
        if values[key] is not None and values[key] > brokers:
            yield [(*path, key), ("kafka", "brokers", "replicas")], f"{values[key]} is more than the {brokers} brokers (kafka.brokers.replicas)"
    rf = values["default.replication.factor"] or 1
    isr = values["min.insync.replicas"]
    if isr is not None and isr >= rf:
        yield [(*path, "min.insync.replicas"), (*path, "default.replication.factor")], (
            f"{isr} must be below default.replication.factor {rf}, or one broker down stops all writes"
        )
    tl_isr, tl_rf = values["transaction.state.log.min.isr"], values["transaction.state.log.replication.factor"]
    if tl_isr is not None and tl_rf is not None and tl_isr > tl_rf:
        yield (*path, "transaction.state.log.min.isr"), (
            f"{tl_isr} is more than transaction.state.log.replication.factor {tl_rf}"
        )
    for name, topic in kafka.topics.items():
        tpath = ("kafka", "topics", name)
        replicas = topic.replicas or rf
        if replicas > brokers:
            yield [(*tpath, "replicas") if topic.replicas else tpath, ("kafka", "brokers", "replicas")], (
                f"{replicas} replicas is more than the {brokers} brokers"
            )
        topic_isr, problem = _config_int(topic.config, "min.insync.replicas", (*tpath, "config"))
        if problem:
            yield problem
        effective_isr = topic_isr if topic_isr is not None else isr
        if effective_isr is not None and effective_isr > replicas:
            where = (*tpath, "config", "min.insync.replicas") if topic_isr is not None else (*tpath, "replicas")
            yield where, f"min.insync.replicas {effective_isr} is more than the topic's {replicas} replicas"
        for key in topic.config:
            if key.startswith(("leader.replication.throttled.replicas", "follower.replication.throttled.replicas")):
                yield (*tpath, "config", key), "is managed by the Topic Operator and cannot be set"


@rule
def kafka_listeners_and_users(profile: Profile) -> Iterator[Finding]:
    kafka = _kafka(profile)
    if not kafka:
        return
    seen_names, seen_ports = {}, {}
    for index, listener in enumerate(kafka.listeners):
        path = ("kafka", "listeners", index)
        if listener.name in seen_names:
            yield (*path, "name"), f"listener name {listener.name!r} is used twice"
        if listener.port in seen_ports:
            yield (*path, "port"), f"port {listener.port} is used twice"
        if listener.authentication == "tls" and not listener.tls:
            yield (*path, "authentication"), "tls client authentication needs tls: true"
        seen_names[listener.name] = seen_ports[listener.port] = index
    auth_types = {listener.authentication for listener in kafka.listeners}
    for name, user in kafka.users.items():
        path = ("kafka", "users", name)
        if user.authentication not in auth_types:
            yield (*path, "authentication"), (
                f"no listener accepts {user.authentication} authentication"
            )
        if user.acls and kafka.authorization is None:
            yield (*path, "acls"), "ACLs need kafka.authorization"
        if user.passwordSecret and user.authentication != "scram-sha-512":
            yield (*path, "passwordSecret"), "a password applies to scram-sha-512 users only"
        for index, acl in enumerate(user.acls):
            if acl.resource.type != "cluster" and not acl.resource.name:
                yield (*path, "acls", index, "resource"), f"a {acl.resource.type} ACL needs a name"
            if (acl.resource.type == "topic" and acl.resource.patternType == "literal"
                    and acl.resource.name and acl.resource.name != "*"
                    and acl.resource.name not in _topic_names(kafka)):
                yield (*path, "acls", index, "resource", "name"), (
                    "names no topic of kafka.topics; use patternType: prefix for a family of topics"
                )


def _topic_names(kafka: Kafka) -> set[str]:
    return {topic.topicName or name for name, topic in kafka.topics.items()}


@rule
def kafka_resources(profile: Profile) -> Iterator[Finding]:
    kafka = _kafka(profile)
    if not kafka:
        return
    for part in ("brokers", "controllers", "zookeeper"):
        nodes = getattr(kafka, part)
        if nodes is None:
            continue
        yield from _requests_within_limits(nodes.resources, ("kafka", part, "resources"))
        if nodes.storage.type == "persistent-claim" and not nodes.storage.size:
            yield ("kafka", part, "storage", "size"), "persistent-claim storage needs a size"
        if nodes.storage.type == "ephemeral" and nodes.storage.storageClass:
            yield ("kafka", part, "storage", "storageClass"), "ephemeral storage has no storage class"
