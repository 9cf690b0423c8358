"""spotahome's redis-operator: one RedisFailover holds Redis and its sentinels."""

from dsgen.components.base import Backend
from dsgen.components.redis.spotahome import network, rules
from dsgen.components.redis.spotahome.plan import plan

BACKEND = Backend("spotahome", plan, rules.RULES, secret_references=rules.secret_references,
                  operator_pods=network.OPERATOR_PODS)
