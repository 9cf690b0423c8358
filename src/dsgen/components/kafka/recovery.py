"""Kafka's entry in the runbook: what comes back from git, and what does not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsgen.contract import Recovery

if TYPE_CHECKING:
    from dsgen.contract import Context
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
    if kafka.mirror:
        return _standby(ctx, kafka, backups)
    backups.append("topic data: in the brokers' replicas, and in a DR region's copy where one mirrors this cluster "
                   "(kafka.mirror there; README, \"Disaster recovery\")")
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


def _standby(ctx: Context, kafka: Kafka, backups: list[str]) -> Recovery:
    """A cluster that MirrorMaker 2 keeps as a copy of another: it takes over
    when the source is lost, with the topics' data and the consumer groups'
    offsets up to the mirror's lag."""
    from dsgen.components.kafka.clients import mirror_name

    ns, mirror = ctx.namespace, kafka.mirror
    source, name = mirror.source, mirror_name(kafka)
    backups.append(f"topic data and consumer group offsets of `{source.alias}` ({source.bootstrapServers}): copied "
                   f"continuously into this cluster under the same names by MirrorMaker 2 `{name}` "
                   f"(topics `{mirror.topics}`, groups `{mirror.groups}`)")
    steps = (
        f"While `{source.alias}` serves, this cluster is its copy: `kubectl -n {ns} get kafkamirrormaker2 {name}` "
        "Ready, and its connectors RUNNING in the status.",
        f"To take over when `{source.alias}` is lost: stop whatever still writes there, then delete kafka.mirror "
        "from this environment's profile, render and commit; the sync removes MirrorMaker 2, and nothing "
        "writes into the copied topics any more.",
        "Point the applications at this cluster's bootstrap (the same topic names; their credentials come from "
        "this environment's OpenBao paths). Consumer groups resume from the offsets MirrorMaker 2 carried over "
        "(synced while the groups were idle here): they may read again what they read in the last interval.",
        f"Later, rebuild `{source.alias}` and mirror back: give it a kafka.mirror from this cluster (this "
        "cluster's dr listener admits its network), then fail back the same way.",
    )
    return Recovery("Kafka", "30 minutes", "24 hours",
                    f"the messages MirrorMaker 2 had not yet copied when `{source.alias}` was lost (its lag: seconds "
                    "while it keeps up)", tuple(backups), steps)
