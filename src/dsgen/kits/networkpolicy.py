"""NetworkPolicy (networking.k8s.io/v1): who may reach a workload, and whom it may reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from dsgen.kits.base import Owner

from dsgen.contract import Part

# Kubernetes labels every Namespace with its own name (GA in 1.22, KEP-2161;
# "Well-Known Labels, Annotations and Taints": kubernetes.io/metadata.name).
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Peer:
    """One side of a connection: pods (by labels) in a namespace (by name), or an
    address block. Pods and namespace together mean both must match."""

    namespace: str | None = None
    pods: Mapping[str, str] | None = None
    cidr: str | None = None
    except_cidrs: tuple[str, ...] = ()

    def render(self) -> dict[str, Any]:
        if self.cidr:
            block: dict[str, Any] = {"cidr": self.cidr}
            if self.except_cidrs:
                block["except"] = list(self.except_cidrs)
            return {"ipBlock": block}
        out: dict[str, Any] = {}
        if self.namespace:
            out["namespaceSelector"] = {"matchLabels": {NAMESPACE_NAME_LABEL: self.namespace}}
        if self.pods is not None:
            out["podSelector"] = {"matchLabels": dict(self.pods)}
        if not out:
            raise ValueError("a Peer names a namespace, pods or an address block")
        return out


@dataclass(frozen=True)
class Allow:
    """Traffic from (ingress) or to (egress) these peers on these ports; no
    peers means any peer, no ports means every port."""

    peers: tuple[Peer, ...] | list[Peer] = ()
    ports: tuple[int | str, ...] | list[int | str] = ()
    protocol: str = "TCP"

    def render(self, direction: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.peers:
            out["from" if direction == "ingress" else "to"] = [p.render() for p in self.peers]
        if self.ports:
            out["ports"] = [{"protocol": self.protocol, "port": port} for port in self.ports]
        return out


def network_policy(owner: Owner, name: str, *, select: Mapping[str, str],
                   ingress: Iterable[Allow] | None = None,
                   egress: Iterable[Allow] | None = None) -> Part:
    """A policy for the pods ``select`` matches (empty: every pod of the namespace).

    ``ingress`` / ``egress`` None leave that direction alone; an empty list
    denies all of it; otherwise only the listed traffic is allowed.
    """
    spec: dict[str, Any] = {"podSelector": {"matchLabels": dict(select)} if select else {}}
    types = []
    if ingress is not None:
        spec["ingress"] = [allow.render("ingress") for allow in ingress]
        types.append("Ingress")
    if egress is not None:
        spec["egress"] = [allow.render("egress") for allow in egress]
        types.append("Egress")
    if not types:
        raise ValueError(f"NetworkPolicy {name}: give ingress, egress or both")
    spec["policyTypes"] = types
    return owner.part(name, "network-policy",
                      {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "spec": spec})


def service_ingress(owner: Owner, name: str, select: Mapping[str, str], *, clients: Iterable[str],
                    ports: Iterable[int], metrics: Iterable[int] = (), monitoring: str | None = None,
                    also: Iterable[Allow] = ()) -> Part:
    """Ingress to a service's pods: any pod of the ``clients`` namespaces on
    ``ports``, the ``monitoring`` namespace on ``metrics``, then ``also`` (the
    operator, the service's own peers). Nothing else, once a policy selects
    the pods."""
    ingress = []
    clients = list(clients)
    if clients:
        ingress.append(Allow([Peer(namespace=n) for n in clients], list(ports)))
    metrics = list(metrics)
    if metrics and monitoring:
        ingress.append(Allow([Peer(namespace=monitoring)], metrics))
    ingress.extend(also)
    return network_policy(owner, name, select=select, ingress=ingress)


def to_blocks(cidrs: Iterable[str], port: int) -> Allow:
    """Traffic to address blocks on one TCP port (the API server, object storage)."""
    return Allow([Peer(cidr=cidr) for cidr in cidrs], [port])

