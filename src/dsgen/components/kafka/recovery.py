"""Kafka's entry in the runbook: what comes back from git, and what does not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsgen.components.base import Recovery

if TYPE_CHECKING:
    from dsgen.components.base import Context
    from dsgen.components.kafka.model import Kafka


def procedure(ctx: Context, kafka: Kafka) -> Recovery:
    """The design's Kafka objectives (RTO 30 minutes, RPO 24 hours, topics
    restored from backup). Topics, their configurations, users and ACLs are
    KafkaTopic and KafkaUser resources of the tree: the Topic and User
    Operators create them again in a new cluster. Topic data has no backup
    here yet."""
    ns = ctx.namespace
    backups = (f"{len(kafka.topics)} topics with their configurations and {len(kafka.users)} users with their "
               "ACLs: in git, as KafkaTopic and KafkaUser resources of this tree",
               "topic data: no backup is rendered; it lives only in the brokers' replicas")
    steps = (
        "If brokers remain, there is nothing to restore: partitions lead from the in-sync replicas, and Strimzi "
        "rebuilds a lost broker's volume from its peers.",
        f"If the cluster is lost: delete what is left of it (`kubectl -n {ns} delete kafka {kafka.name}` and its "
        "volumes), then sync the tree; Strimzi creates the cluster, then the Topic Operator the topics and the "
        "User Operator the users, ACLs and passwords (their Secrets come from OpenBao again).",
        f"Check: `kubectl -n {ns} get kafkatopics,kafkausers` all Ready, and a producer and a consumer of each "
        "application connect.",
        "Consumers start from their auto.offset.reset (the offsets were lost with the cluster); replay what the "
        "producers can send again.",
    )
    return Recovery("Kafka", "30 minutes", "24 hours",
                    "nothing while a topic keeps min.insync.replicas; all topic data if the whole cluster is lost "
                    "(topics, configs, users and ACLs come back from git)", backups, steps)
