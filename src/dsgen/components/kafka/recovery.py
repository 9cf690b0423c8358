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
    Operators create them again in a new cluster. The metadata export
    (kafka.backup) holds what the cluster held besides, and the consumer
    groups' offsets."""
    ns, env = ctx.namespace, ctx.environment
    backups = [f"{len(kafka.topics)} topics with their configurations and {len(kafka.users)} users with their "
               "ACLs: in git, as KafkaTopic and KafkaUser resources of this tree"]
    export = None
    if kafka.backup:
        metadata = kafka.backup.metadata
        export = f"{metadata.destination.rstrip('/')}/{env}/"
        backups.append(f"`{kafka.name}-metadata-backup`: what the cluster holds (topics, configs, ACLs, SCRAM users, "
                       f"consumer group offsets) on cron `{metadata.schedule}` into `{export}`, kept "
                       f"{metadata.retentionDays} days")
    backups.append("topic data: in the brokers' replicas only (README, \"Backups and recovery\")")
    steps = (
        "If brokers remain, there is nothing to restore: partitions lead from the in-sync replicas, and Strimzi "
        "rebuilds a lost broker's volume from its peers.",
        f"If the cluster is lost: delete what is left of it (`kubectl -n {ns} delete kafka {kafka.name}` and its "
        "volumes), then sync the tree; Strimzi creates the cluster, then the Topic Operator the topics and the "
        "User Operator the users, ACLs and passwords (their Secrets come from OpenBao again).",
        f"Check: `kubectl -n {ns} get kafkatopics,kafkausers` all Ready, and a producer and a consumer of each "
        "application connect.",
        *((f"Compare with the last export: `aws s3 cp {export}<newest>.tar.gz - | tar -xzO metadata/topics.txt` "
           "(and topic-configs.txt, acls.txt): a topic, config or ACL there that git lacks was made by hand; add "
           "it to the profile if it is to stay.",
           "Consumers start from their auto.offset.reset (the topics are new and empty): consumer-groups.txt of "
           "the export says how far each group had read, so which messages the producers must send again.") if export else
          ("Consumers start from their auto.offset.reset (the offsets were lost with the cluster); replay what the "
           "producers can send again.",)),
    )
    return Recovery("Kafka", "30 minutes", "24 hours",
                    "nothing while a topic keeps min.insync.replicas; all topic data if the whole cluster is lost "
                    "(topics, configs, users and ACLs come back from git)", tuple(backups), steps)
