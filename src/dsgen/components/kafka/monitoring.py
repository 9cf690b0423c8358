"""Kafka's metrics and alerts (``monitoring`` of the profile).

- The brokers and controllers export JMX metrics through Strimzi's
  ``metricsConfig`` (jmxPrometheusExporter) with the rules Strimzi documents
  (operators/data/strimzi-kafka-metrics.json: its examples/metrics/
  kafka-metrics.yaml at 0.49.1), on the container port ``tcp-prometheus``
  (9404, MetricsModel.java). Those rules name the metrics the alerts use:
  ``kafka_server_replicamanager_underreplicatedpartitions``,
  ``kafka_controller_kafkacontroller_offlinepartitionscount``,
  ``kafka_controller_kafkacontroller_activecontrollercount``,
  ``kafka_log_logmanager_offlinelogdirectorycount`` (the same names Strimzi's
  own example alerts use, examples/metrics/prometheus-install/
  prometheus-rules/prometheus-kafka-rules.yaml).
- Strimzi's Kafka Exporter (``kafkaExporter``; pods <cluster>-kafka-exporter,
  port tcp-prometheus, KafkaExporter.java) gives consumer lag as
  ``kafka_consumergroup_lag`` (prometheus-kafka-exporter-topic-rules-group.yaml).
  Strimzi opens its metrics port itself (KafkaExporter generateNetworkPolicy).
- Volumes from the kubelet: Strimzi names a node's claims
  data[-<id>]-<cluster>-<pool>-<n> (the example alert KafkaRunningOutOfSpace).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from dsgen import kits
from dsgen.components.kafka.clients import mirror_name, mirror_pods
from dsgen.components.kafka.rules import CLUSTER_LABEL
from dsgen.kits import Alert, Owner, Panel
from dsgen.contract import runbook_path
from dsgen.operators import data

if TYPE_CHECKING:
    from dsgen.contract import Context, Part
    from dsgen.components.kafka.model import Kafka

PORT_NAME = "tcp-prometheus"


def metrics_config(kafka: Kafka) -> dict[str, Any]:
    """The Kafka's spec.kafka.metricsConfig, pointing at the rules' ConfigMap."""
    return {"type": "jmxPrometheusExporter",
            "valueFrom": {"configMapKeyRef": {"name": config_map(kafka), "key": data("strimzi-kafka-metrics")["key"]}}}


def config_map(kafka: Kafka) -> str:
    return f"{kafka.name}-metrics"


def _claims(ctx: Context, kafka: Kafka) -> str:
    """The nodes' volumes: Strimzi names them data[-<id>]-<cluster>-<pool>-<n>."""
    return f'namespace="{ctx.namespace}", persistentvolumeclaim=~"data(-[0-9]+)?-{kafka.name}-.+"'


def _runbook(ctx: Context, alert: str) -> str:
    return f"{runbook_path(ctx)}#{alert.lower()}"


def alerts(ctx: Context, kafka: Kafka) -> list[Alert]:
    ns, name = ctx.namespace, kafka.name
    nodes = f'namespace="{ns}", job="{ns}/{name}-kafka"'
    exporter = f'namespace="{ns}", job="{ns}/{name}-kafka-exporter"'
    limits = ctx.monitoring["thresholds"]
    return [
        Alert("KafkaBrokerDown", f"up{{{nodes}}} == 0", "critical", f"Kafka {name}: {{{{ $labels.pod }}}} is down",
              "The node does not answer its metrics endpoint.", _runbook(ctx, "KafkaBrokerDown"), "2m",
              steps=(
                  "kubectl describe and logs of the pod; Strimzi's Cluster Operator logs say why it is not "
                  'ready.',
                  'Partitions it led move to other replicas; check KafkaUnderReplicatedPartitions and '
                  'KafkaOfflinePartitions.',
              )),
        Alert("KafkaUnderReplicatedPartitions", f"sum by (pod) (kafka_server_replicamanager_underreplicatedpartitions"
              f"{{{nodes}}}) > 0", "warning", f"Kafka {name}: {{{{ $labels.pod }}}} leads under-replicated partitions",
              "{{ $value }} partitions led by this broker have fewer in-sync replicas than replicas.",
              _runbook(ctx, "KafkaUnderReplicatedPartitions"),
              steps=(
                  'A broker is down or slow: check KafkaBrokerDown, disk and network of the brokers.',
                  'kafka-topics.sh --describe --under-replicated-partitions shows which.',
              )),
        Alert("KafkaOfflinePartitions", f"sum(kafka_controller_kafkacontroller_offlinepartitionscount{{{nodes}}}) > 0",
              "critical", f"Kafka {name}: partitions are offline",
              "{{ $value }} partitions have no leader: their producers and consumers stop.",
              _runbook(ctx, "KafkaOfflinePartitions"), "1m",
              steps=(
                  "kafka-topics.sh --describe --unavailable-partitions shows which; their replicas' brokers "
                  'are down.',
                  'Bring the brokers back; unclean leader election loses data and is a last resort.',
              )),
        Alert("KafkaNoActiveController",
              f"sum(kafka_controller_kafkacontroller_activecontrollercount{{{nodes}}}) != 1", "critical",
              f"Kafka {name}: {{{{ $value }}}} active controllers",
              "There must be exactly one active controller; with none, no metadata changes (leader elections, "
              "topics) happen.", _runbook(ctx, "KafkaNoActiveController"), "2m",
              steps=(
                  "Check the controllers' pods and logs (KRaft quorum): a majority must run.",
                  "kafka-metadata-quorum.sh describe --status shows the quorum's leader.",
              )),
        Alert("KafkaOfflineLogDirectory", f"kafka_log_logmanager_offlinelogdirectorycount{{{nodes}}} > 0", "critical",
              f"Kafka {name}: {{{{ $labels.pod }}}} has an offline log directory",
              "A log directory failed (disk error or corruption): its partitions moved away or went offline.",
              _runbook(ctx, "KafkaOfflineLogDirectory"), "1m",
              steps=(
                  "The broker's logs name the failed directory; the volume or disk failed.",
                  'Replace the volume: with replication factor 3 the partitions re-replicate from the other '
                  'brokers.',
              )),
        Alert("KafkaConsumerGroupLag",
              f"sum by (consumergroup, topic) (kafka_consumergroup_lag{{{exporter}}}) > {limits['consumerLag']}",
              "warning", f"Kafka {name}: group {{{{ $labels.consumergroup }}}} lags on {{{{ $labels.topic }}}}",
              "The group is {{ $value }} messages behind.", _runbook(ctx, "KafkaConsumerGroupLag"), "10m",
              steps=(
                  'kafka-consumer-groups.sh --describe --group <group>: which partitions lag and which '
                  'consumers own them.',
                  'Scale the consumers up to the partition count, or find the slow consumer.',
              )),
        Alert("KafkaVolumeFilling",
              f"kubelet_volume_stats_used_bytes{{{_claims(ctx, kafka)}}} / kubelet_volume_stats_capacity_bytes"
              f"{{{_claims(ctx, kafka)}}} * 100 > {limits['volumePercent']}", "warning",
              f"Kafka {name}: volume {{{{ $labels.persistentvolumeclaim }}}} is over {limits['volumePercent']}% full",
              "{{ $value | humanize }}% of the volume is used: grow it, or shorten retention.",
              _runbook(ctx, "KafkaVolumeFilling"), "15m",
              steps=(
                  "Grow the volume (the node pool's storage size: Strimzi resizes it), or shorten retention "
                  'of the largest topics.',
              )),
        *backup_alerts(ctx, kafka),
        *mirror_alerts(ctx, kafka),
    ]


def backup_alerts(ctx: Context, kafka: Kafka) -> list[Alert]:
    """The metadata export not completed on schedule (kube-state-metrics)."""
    if kafka.backup is None:
        return []
    return [kits.cron_jobs_late(
        "KafkaMetadataBackupMissing", ctx.namespace,
        {f"{kafka.name}-metadata-backup": kafka.backup.metadata.schedule},
        pods="kafka-backup", containers=("export", "upload"),
        summary=f"Kafka {kafka.name}: the metadata export has not run on schedule",
        description="The export of topics, configs, ACLs and offsets has not completed a run for "
                    "{{ $value | humanizeDuration }}.",
        runbook_url=_runbook(ctx, "KafkaMetadataBackupMissing"),
        steps=(f"Export step: is the KafkaUser {kafka.name}-backup Ready, and its listener reachable "
               "(networkPolicyPeers)? Upload step: the S3 credentials, the bucket's policy and the region.",))]


def mirror_metrics_config(kafka: Kafka) -> dict[str, Any]:
    """The KafkaMirrorMaker2's metricsConfig: Strimzi's documented rules for
    MirrorMaker 2 (operators/data/strimzi-mirrormaker2-metrics.json: its
    examples/metrics/kafka-mirror-maker-2-metrics.yaml at 0.49.1)."""
    return {"type": "jmxPrometheusExporter", "valueFrom": {"configMapKeyRef": {
        "name": f"{mirror_name(kafka)}-metrics", "key": data("strimzi-mirrormaker2-metrics")["key"]}}}


def mirror_alerts(ctx: Context, kafka: Kafka) -> list[Alert]:
    """MirrorMaker 2 down, a task failed, or records copied late. The rules
    name a task's state kafka_connect_connector_status{status} (1 for the
    current one) and the source connector's per-partition metrics
    kafka_connect_mirror_mirrorsourceconnector_<metric> (Kafka's
    MirrorSourceMetrics: record-age-ms-max, the age of a record when it is
    copied)."""
    if kafka.mirror is None:
        return []
    ns, name = ctx.namespace, mirror_name(kafka)
    job = f'namespace="{ns}", job="{ns}/{name}"'
    lag = ctx.monitoring["thresholds"]["mirrorLagSeconds"]
    source = kafka.mirror.source.alias
    return [
        Alert("KafkaMirrorDown", f"sum(up{{{job}}}) == 0 or absent(up{{{job}}})", "critical",
              f"Kafka {kafka.name}: MirrorMaker 2 {name} is down",
              f"No MirrorMaker 2 worker answers: nothing of {source} is copied here.",
              _runbook(ctx, "KafkaMirrorDown"), "5m",
              steps=(
                  f"kubectl -n {ns} get kafkamirrormaker2 {name} -o yaml: the status names the failure; "
                  "kubectl logs of its pods.",
                  f"Can it reach {kafka.mirror.source.bootstrapServers} (its egress policy, the source's "
                  "load balancer and its allowFrom) and sign in (the user's password, the source's CA)?",
              )),
        Alert("KafkaMirrorTaskFailed", f'max by (connector, task) (kafka_connect_connector_status{{{job}, '
              f'status="failed"}}) == 1', "critical",
              f"Kafka {kafka.name}: MirrorMaker 2 task {{{{ $labels.connector }}}}/{{{{ $labels.task }}}} failed",
              "A connector task has failed: the partitions it copies are not copied until it restarts.",
              _runbook(ctx, "KafkaMirrorTaskFailed"), "5m",
              steps=(
                  f"kubectl -n {ns} get kafkamirrormaker2 {name} -o jsonpath='{{.status.connectors}}': the "
                  "task's trace.",
                  "Fix the cause (ACLs of the user here or at the source, a topic it may not create), then "
                  f"restart the task: kubectl -n {ns} annotate kafkamirrormaker2 {name} "
                  "strimzi.io/restart-connector-task=<connector>:<task>.",
              )),
        Alert("KafkaMirrorLagging", f"max by (topic) (kafka_connect_mirror_mirrorsourceconnector_record_age_ms_max"
              f"{{{job}}}) / 1000 > {lag}", "warning",
              f"Kafka {kafka.name}: {{{{ $labels.topic }}}} is copied from {source} late",
              f"Records of the topic are over {lag}s old when copied: a failover now loses them.",
              _runbook(ctx, "KafkaMirrorLagging"), "15m",
              steps=(
                  "Is the source producing faster than the mirror copies (more tasksMax, more replicas), or is "
                  "the network between the regions slow?",
              )),
    ]


def parts(ctx: Context, kafka: Kafka) -> Iterator[Part]:
    """The rules' ConfigMap, PodMonitors for the nodes, the exporter and the
    entity operator, the alert group and the dashboard."""
    labels = ctx.monitoring["labels"]
    owner = Owner("kafka", kafka.name)
    rules = data("strimzi-kafka-metrics")
    yield owner.part(config_map(kafka), "metrics-config", {
        "apiVersion": "v1", "kind": "ConfigMap", "data": {rules["key"]: rules["config"]}})
    cluster = {CLUSTER_LABEL: kafka.name}
    yield kits.pod_monitor(owner, f"{kafka.name}-kafka", port=PORT_NAME, labels=labels,
                           select={**cluster, "strimzi.io/kind": "Kafka", "strimzi.io/name": f"{kafka.name}-kafka"})
    yield kits.pod_monitor(owner, f"{kafka.name}-kafka-exporter", port=PORT_NAME, labels=labels,
                           select={**cluster, "strimzi.io/name": f"{kafka.name}-kafka-exporter"})
    # the topic and user operators serve /metrics on their "healthcheck" ports
    # (EntityTopicOperator, EntityUserOperator; Strimzi's example
    # pod-monitors/entity-operator-metrics.yaml scrapes that port)
    yield kits.pod_monitor(owner, f"{kafka.name}-entity-operator", port="healthcheck", labels=labels,
                           select={**cluster, "strimzi.io/name": f"{kafka.name}-entity-operator"})
    if kafka.mirror:
        rules = data("strimzi-mirrormaker2-metrics")
        yield owner.part(f"{mirror_name(kafka)}-metrics", "metrics-config", {
            "apiVersion": "v1", "kind": "ConfigMap", "data": {rules["key"]: rules["config"]}})
        yield kits.pod_monitor(owner, mirror_name(kafka), port=PORT_NAME, labels=labels, select=mirror_pods(kafka))
    yield kits.prometheus_rule(owner, f"{kafka.name}-alerts", groups={"kafka": alerts(ctx, kafka)}, labels=labels)
    yield kits.dashboard(owner, f"{kafka.name}-dashboard", title=f"Kafka {kafka.name}", panels=panels(ctx, kafka),
                         labels=ctx.monitoring["dashboardLabels"])


def panels(ctx: Context, kafka: Kafka) -> list[Panel]:
    """Partition health, the controller, throughput (the rules turn
    BrokerTopicMetrics' MessagesInPerSec and BytesInPerSec counts into
    kafka_server_brokertopicmetrics_*_total) and consumer lag."""
    ns, name = ctx.namespace, kafka.name
    nodes = f'namespace="{ns}", job="{ns}/{name}-kafka"'
    exporter = f'namespace="{ns}", job="{ns}/{name}-kafka-exporter"'
    claims = _claims(ctx, kafka)
    return [
        Panel("Nodes up", f"up{{{nodes}}}"),
        Panel("Active controllers", f"sum(kafka_controller_kafkacontroller_activecontrollercount{{{nodes}}})"),
        Panel("Under-replicated partitions",
              f"sum by (pod) (kafka_server_replicamanager_underreplicatedpartitions{{{nodes}}})"),
        Panel("Offline partitions", f"sum(kafka_controller_kafkacontroller_offlinepartitionscount{{{nodes}}})"),
        Panel("Messages in per second",
              f"sum by (pod) (rate(kafka_server_brokertopicmetrics_messagesin_total{{{nodes}}}[5m]))", "ops"),
        Panel("Bytes in per second",
              f"sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesin_total{{{nodes}}}[5m]))", "Bps"),
        Panel("Consumer lag by group and topic",
              f"sum by (consumergroup, topic) (kafka_consumergroup_lag{{{exporter}}})"),
        Panel("Volumes used", f"kubelet_volume_stats_used_bytes{{{claims}}} / kubelet_volume_stats_capacity_bytes"
              f"{{{claims}}}", "percentunit"),
    ]
