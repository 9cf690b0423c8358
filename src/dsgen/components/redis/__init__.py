"""Redis with sentinel failover, on the operator the profile chooses (``redis.operator``)."""

from dsgen.components.base import Component
from dsgen.components.redis import spotahome
from dsgen.components.redis.spotahome import network as spotahome_network
from dsgen.components.redis.rules import RULES, secrets_read

BACKENDS = {"spotahome": spotahome.BACKEND}


def _secret_references(kind, doc: dict):
    for backend in BACKENDS.values():
        if backend.secret_references:
            yield from backend.secret_references(kind, doc)


COMPONENT = Component("redis", rules=RULES, backends=BACKENDS,
                      choose_backend=lambda redis: redis.operator,
                      secret_references=_secret_references,
                      stateful_kinds=(spotahome.rules.REDIS_FAILOVER,),
                      secrets_read=secrets_read, workloads=spotahome_network.workloads,
                      operator_pods=spotahome_network.OPERATOR_PODS)
