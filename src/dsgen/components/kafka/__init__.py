"""Kafka on Strimzi: KRaft node pools (or ZooKeeper on old Strimzi), topics, SCRAM users with ACLs."""

from dsgen.components.base import Component
from dsgen.components.kafka import monitoring, network, recovery, rules
from dsgen.components.kafka.plan import plan

COMPONENT = Component("kafka", plan, rules.RULES, produced_secrets=rules.produced_secrets,
                      stateful_kinds=(rules.KAFKA, rules.NODE_POOL, rules.TOPIC),
                      secrets_read=rules.secrets_read, client_ca=rules.client_ca, alerts=monitoring.alerts, recovery=recovery.procedure,
                      workloads=network.workloads,
                      operator_policies=network.operator_policies, operator_pods=network.OPERATOR_PODS,
                      operators=lambda ctx, kafka: ("strimzi",))
