"""PostgreSQL on CloudNativePG: Cluster, backups (Barman Cloud), PgBouncer poolers."""

from dsgen.components.base import Component
from dsgen.components.postgres import monitoring, network, openbao, recovery, rules
from dsgen.components.postgres.plan import plan

COMPONENT = Component("postgres", plan, rules.RULES, secret_references=rules.secret_references,
                      produced_secrets=rules.produced_secrets, stateful_kinds=(rules.CLUSTER,),
                      secrets_read=rules.secrets_read, client_ca=rules.client_ca, alerts=monitoring.alerts, recovery=recovery.procedure,
                      dynamic_secrets=openbao.dynamic_secrets,
                      workloads=network.workloads, operator_pods=network.OPERATOR_PODS,
                      operators=rules.operators)
