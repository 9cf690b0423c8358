"""OT-Container-Kit's redis-operator: a RedisReplication (Redis) and a
RedisSentinel (its sentinels), with TLS and authenticated sentinels."""

from dsgen.components.base import Backend
from dsgen.components.redis.opstree import network, rules
from dsgen.components.redis.opstree.plan import plan

BACKEND = Backend("opstree", plan, rules.RULES, secret_references=rules.secret_references,
                  operator_pods=network.OPERATOR_PODS)
