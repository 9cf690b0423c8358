"""Redis with sentinel failover, on the operator the profile chooses (``redis.operator``)."""

from dsgen.components.base import Component
from dsgen.components.redis import backup, monitoring, opstree, spotahome
from dsgen.components.redis.opstree import network as opstree_network
from dsgen.components.redis.opstree import rules as opstree_rules
from dsgen.components.redis.rules import RULES, client_ca, secrets_read
from dsgen.components.redis.spotahome import network as spotahome_network

BACKENDS = {"spotahome": spotahome.BACKEND, "opstree": opstree.BACKEND}


def _secret_references(kind, doc: dict):
    for backend in BACKENDS.values():
        if backend.secret_references:
            yield from backend.secret_references(kind, doc)


def _workloads(overlay):
    yield from spotahome_network.workloads(overlay)
    yield from opstree_network.workloads(overlay)


def _operators(ctx, redis):
    """The operator the section chooses; cert-manager where it issues the TLS certificate."""
    yield "redisOperator" if redis.operator == "spotahome" else "otRedisOperator"
    if redis.tls and redis.tls.issuer:
        yield "certManager"


COMPONENT = Component("redis", rules=RULES, backends=BACKENDS,
                      choose_backend=lambda redis: redis.operator,
                      secret_references=_secret_references,
                      stateful_kinds=(spotahome.rules.REDIS_FAILOVER, opstree_rules.REPLICATION),
                      secrets_read=secrets_read, client_ca=client_ca, alerts=monitoring.alerts, recovery=backup.procedure,
                      workloads=_workloads, operators=_operators)
