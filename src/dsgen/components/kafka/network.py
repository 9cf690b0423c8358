"""The pods Strimzi makes and the NetworkPolicies it writes for them, for
`dsgen access`. Strimzi 0.49.1: KafkaCluster.generateNetworkPolicy and
EntityOperator.generateNetworkPolicy; pod labels from KafkaPool (strimzi.io/
cluster, kind, name <cluster>-kafka, pool-name) and Labels.strimziSelectorLabels."""

from __future__ import annotations

from typing import Any, Iterator

from dsgen.components.kafka.rules import (BROKER_ROLE_LABEL, CLUSTER_LABEL, CONTROLLER_ROLE_LABEL, KAFKA, NODE_POOL,
                                          by_cluster)
from dsgen.network import Port, Workload
from dsgen.rules import Overlay, get, name_of, namespace_of

# KafkaCluster.java: CONTROLPLANE_PORT, REPLICATION_PORT, KAFKA_AGENT_PORT (mutual
# TLS between Strimzi's own components); MetricsModel.METRICS_PORT;
# EntityTopicOperator / EntityUserOperator HEALTHCHECK_PORT.
CONTROL_PLANE, REPLICATION, AGENT, METRICS = 9090, 9091, 8443, 9404
TOPIC_OPERATOR_HEALTH, USER_OPERATOR_HEALTH = 8080, 8081
CLUSTER_OPERATOR_POD = {"strimzi.io/kind": "cluster-operator"}
MIRROR_MAKER_2 = ("kafka.strimzi.io", "KafkaMirrorMaker2")
REST_API = 8083  # KafkaConnectCluster.REST_API_PORT
OPERATOR_PODS = (("strimzi-cluster-operator", "strimzi", CLUSTER_OPERATOR_POD),)


def _selector(kafka: dict, component: str) -> dict[str, str]:
    return {CLUSTER_LABEL: name_of(kafka), "strimzi.io/kind": "Kafka",
            "strimzi.io/name": f"{name_of(kafka)}-{component}"}


def workloads(overlay: Overlay) -> Iterator[Workload]:
    pools = by_cluster(overlay, NODE_POOL)
    for kafka in overlay.of(KAFKA):
        namespace, listeners = namespace_of(kafka), get(kafka, "spec", "kafka", "listeners") or []
        client = [Port(int(item["port"]), f"listener {item.get('name')}", "tls" if item.get("tls") else "plaintext")
                  for item in listeners if isinstance(item, dict) and isinstance(item.get("port"), int)]
        own = [Port(CONTROL_PLANE, "control plane", "tls"), Port(REPLICATION, "replication", "tls"),
               Port(AGENT, "agent", "tls")]
        if get(kafka, "spec", "kafka", "metricsConfig"):
            own.append(Port(METRICS, "metrics"))
        for pool in pools.get((namespace, name_of(kafka)), []):
            roles = get(pool, "spec", "roles") or []
            broker = "broker" in roles
            labels = {**_selector(kafka, "kafka"), "strimzi.io/pool-name": name_of(pool),
                      BROKER_ROLE_LABEL: str(broker).lower(), CONTROLLER_ROLE_LABEL: str("controller" in roles).lower()}
            yield Workload(f"{name_of(kafka)} {name_of(pool)} nodes", namespace, labels,
                           tuple((client if broker else []) + own))
        if get(kafka, "spec", "zookeeper") is not None:
            brokers = {**_selector(kafka, "kafka"), BROKER_ROLE_LABEL: "true"}
            yield Workload(f"{name_of(kafka)} brokers", namespace, brokers, tuple(client + own))
        if get(kafka, "spec", "entityOperator") is not None:
            yield Workload(f"{name_of(kafka)} entity operator", namespace, _selector(kafka, "entity-operator"),
                           (Port(TOPIC_OPERATOR_HEALTH, "topic operator health"),
                            Port(USER_OPERATOR_HEALTH, "user operator health")))
    for mirror in overlay.of(MIRROR_MAKER_2):
        ports = [Port(REST_API, "Connect REST API")] + ([Port(METRICS, "metrics")] if get(mirror, "spec", "metricsConfig")
                                                        else [])
        yield Workload(f"{name_of(mirror)} MirrorMaker 2", namespace_of(mirror), _mirror_selector(mirror), tuple(ports))


def _mirror_selector(mirror: dict) -> dict[str, str]:
    """Labels.strimziSelectorLabels of MirrorMaker 2's pods (KafkaMirrorMaker2Resources.componentName)."""
    return {CLUSTER_LABEL: name_of(mirror), "strimzi.io/kind": MIRROR_MAKER_2[1],
            "strimzi.io/name": f"{name_of(mirror)}-mirrormaker2"}


def _rule(port: int, peers: list[dict] | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"ports": [{"port": port, "protocol": "TCP"}]}
    if peers:
        rule["from"] = peers
    return rule


def operator_policies(overlay: Overlay) -> Iterator[dict]:
    """The policies Strimzi's Cluster Operator writes (network policy
    generation is on by default). Its own pods' namespace is open to any
    namespace unless the operator is told its namespace's labels
    (STRIMZI_OPERATOR_NAMESPACE_LABELS; NetworkPolicyUtils.clusterOperatorNamespaceSelector)."""
    for kafka in overlay.of(KAFKA):
        namespace, name = namespace_of(kafka), name_of(kafka)
        cluster = {"podSelector": {"matchLabels": _selector(kafka, "kafka")}}
        operator = {"podSelector": {"matchLabels": CLUSTER_OPERATOR_POD}, "namespaceSelector": {}}

        def component(suffix: str) -> dict:
            return {"podSelector": {"matchLabels": {"strimzi.io/name": f"{name}-{suffix}"}}}

        rules = [_rule(CONTROL_PLANE, [cluster, operator]),
                 _rule(REPLICATION, [operator, cluster, component("entity-operator"),
                                     component("kafka-exporter"), component("cruise-control")]),
                 _rule(AGENT, [operator])]
        for listener in get(kafka, "spec", "kafka", "listeners") or []:
            if isinstance(listener, dict) and isinstance(listener.get("port"), int):
                rules.append(_rule(listener["port"], listener.get("networkPolicyPeers")))
        if get(kafka, "spec", "kafka", "metricsConfig"):
            rules.append(_rule(METRICS, None))
        yield _policy(f"{name}-network-policy-kafka", namespace, _selector(kafka, "kafka"), rules)
        if get(kafka, "spec", "entityOperator") is not None:
            yield _policy(f"{name}-entity-operator", namespace, _selector(kafka, "entity-operator"),
                          [_rule(TOPIC_OPERATOR_HEALTH, None), _rule(USER_OPERATOR_HEALTH, None)])
    for mirror in overlay.of(MIRROR_MAKER_2):
        # KafkaConnectCluster.generateNetworkPolicy: the REST API for the
        # operator and the workers themselves; the metrics port to all.
        pods = _mirror_selector(mirror)
        operator = {"podSelector": {"matchLabels": CLUSTER_OPERATOR_POD}, "namespaceSelector": {}}
        rules = [_rule(REST_API, [{"podSelector": {"matchLabels": pods}}, operator])]
        if get(mirror, "spec", "metricsConfig"):
            rules.append(_rule(METRICS, None))
        yield _policy(f"{name_of(mirror)}-mirrormaker2", namespace_of(mirror), pods, rules)


def _policy(name: str, namespace: str, select: dict, rules: list[dict]) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"podSelector": {"matchLabels": select}, "policyTypes": ["Ingress"], "ingress": rules}}
