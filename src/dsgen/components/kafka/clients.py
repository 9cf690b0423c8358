"""The clients of a Kafka cluster that dsgen itself runs: the metadata
backup job and MirrorMaker 2. Each connects through one listener, whose
networkPolicyPeers (Strimzi writes the brokers' NetworkPolicy) must admit
its pods."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from dsgen.kits import Peer

if TYPE_CHECKING:
    from dsgen.components.kafka.model import Kafka, Listener


def listener(kafka: Kafka, named: str | None) -> Listener | None:
    """The listener ``named``, else the first with TLS, else the first (None
    when the named one does not exist)."""
    if named:
        return next((item for item in kafka.listeners if item.name == named), None)
    return next((item for item in kafka.listeners if item.tls), kafka.listeners[0] if kafka.listeners else None)


def backup_pods(kafka: Kafka) -> dict[str, str]:
    """The labels of the backup job's pods (dsgen's own: no operator manages them)."""
    return {"app.kubernetes.io/name": "kafka-backup", "app.kubernetes.io/instance": kafka.name}


def mirror_name(kafka: Kafka) -> str:
    return f"{kafka.name}-mirror"


def mirror_pods(kafka: Kafka) -> dict[str, str]:
    """MirrorMaker 2's pods: Strimzi labels them strimzi.io/cluster (the
    resource's name) and strimzi.io/kind (Labels.strimziSelectorLabels)."""
    return {"strimzi.io/cluster": mirror_name(kafka), "strimzi.io/kind": "KafkaMirrorMaker2"}


def connections(kafka: Kafka) -> Iterator[tuple[Listener | None, dict[str, str]]]:
    """(listener, pod labels) of each of dsgen's clients of this cluster."""
    if kafka.backup is not None:
        yield listener(kafka, kafka.backup.listener), backup_pods(kafka)
    if kafka.mirror is not None:
        yield listener(kafka, kafka.mirror.listener), mirror_pods(kafka)


def peers(kafka: Kafka, name: str) -> list[Peer]:
    """The pods of dsgen's clients that connect through the listener ``name``."""
    return [Peer(pods=pods) for chosen, pods in connections(kafka) if chosen is not None and chosen.name == name]
