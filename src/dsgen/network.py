"""Who can reach what: NetworkPolicies evaluated the way Kubernetes does.

``dsgen access`` renders an environment, adds the NetworkPolicies the
operators write for themselves (Strimzi's), and asks, for every source and
every port of every workload, whether a connection is allowed:

- a pod that no policy with an Ingress type selects accepts everything;
- otherwise a connection is allowed when one rule of one policy selecting
  the pod allows it: a ``from`` peer matches the source (or the rule has no
  ``from``) and a port matches (or the rule has no ``ports``). Policies add
  up; none takes away what another allows.

Peers: ``namespaceSelector`` matches the source's namespace by its labels
(every namespace carries ``kubernetes.io/metadata.name``), ``podSelector``
its pod labels, in the policy's own namespace when alone; ``ipBlock``
matches only sources outside the cluster (pod addresses are not known
here). Egress is the client namespaces' business and is not evaluated.

Each component says which pods its resources make (``Component.workloads``)
and which policies its operator writes (``Component.operator_policies``);
this module knows no operator.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from dsgen.kits.networkpolicy import NAMESPACE_NAME_LABEL

# An address outside the cluster (TEST-NET-3, RFC 5737) for ipBlock peers.
OUTSIDE_ADDRESS = ipaddress.ip_address("203.0.113.10")


@dataclass(frozen=True)
class Source:
    """Where a connection comes from: pods of a namespace (all of them when
    ``labels`` is None), or outside the cluster."""

    name: str
    namespace: str | None = None
    labels: Mapping[str, str] | None = None

    @property
    def outside(self) -> bool:
        return self.namespace is None


@dataclass(frozen=True)
class Port:
    number: int
    name: str
    # tls: only encrypted; plaintext: never; optional: the client chooses
    encryption: str = "plaintext"


@dataclass(frozen=True)
class Workload:
    """Pods of one kind in one namespace, the labels their operator gives
    them, and the ports they listen on."""

    name: str
    namespace: str
    labels: Mapping[str, str]
    ports: tuple[Port, ...]

    def as_source(self) -> Source:
        return Source(f"{self.namespace}/{self.name}", self.namespace, self.labels)


@dataclass(frozen=True)
class Flow:
    source: str
    destination: str
    port: int
    port_name: str
    allowed: bool
    encryption: str
    # the policy rules that allow it (namespace/name), or why it is denied
    because: tuple[str, ...] = field(default=())


def selects(selector: Any, labels: Mapping[str, str]) -> bool:
    """A Kubernetes LabelSelector against labels (an empty selector selects all)."""
    if not isinstance(selector, dict):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _peer_matches(peer: dict, source: Source, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        if not source.outside:
            return False
        block = peer["ipBlock"]
        network = ipaddress.ip_network(block.get("cidr", ""), strict=False)
        if OUTSIDE_ADDRESS not in network:
            return False
        return not any(OUTSIDE_ADDRESS in ipaddress.ip_network(e, strict=False) for e in block.get("except") or [])
    if source.outside:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], {NAMESPACE_NAME_LABEL: source.namespace}):
            return False
    elif source.namespace != policy_namespace:
        return False
    if "podSelector" in peer:
        # A source standing for any pod of its namespace is a pod without
        # special labels.
        return selects(peer["podSelector"], source.labels or {})
    return True


def _port_matches(rule_port: dict, port: Port) -> bool:
    if rule_port.get("protocol", "TCP") != "TCP":
        return False
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str):
        return wanted == port.name
    end = rule_port.get("endPort", wanted)
    return wanted <= port.number <= end


def _ingress_policies(policies: Iterable[dict], workload: Workload) -> list[dict]:
    out = []
    for policy in policies:
        metadata, spec = policy.get("metadata") or {}, policy.get("spec") or {}
        if metadata.get("namespace") != workload.namespace:
            continue
        types = spec.get("policyTypes") or ["Ingress"]
        if "Ingress" in types and selects(spec.get("podSelector") or {}, workload.labels):
            out.append(policy)
    return out


def evaluate(policies: list[dict], workloads: Iterable[Workload], sources: Iterable[Source]) -> list[Flow]:
    """Every (source, workload port) with its verdict."""
    sources = list(sources)
    flows = []
    for workload in workloads:
        selecting = _ingress_policies(policies, workload)
        destination = f"{workload.namespace}/{workload.name}"
        for port in workload.ports:
            for source in sources:
                if not selecting:
                    flows.append(Flow(source.name, destination, port.number, port.name, True, port.encryption,
                                      ("no NetworkPolicy selects these pods",)))
                    continue
                allowing = tuple(
                    f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in selecting
                    if any(_rule_allows(rule, source, port, workload.namespace)
                           for rule in (p.get("spec") or {}).get("ingress") or []))
                flows.append(Flow(source.name, destination, port.number, port.name, bool(allowing),
                                  port.encryption, allowing))
    return flows


def _rule_allows(rule: dict, source: Source, port: Port, namespace: str) -> bool:
    peers, ports = rule.get("from"), rule.get("ports")
    if peers and not any(_peer_matches(peer, source, namespace) for peer in peers):
        return False
    return not ports or any(_port_matches(p, port) for p in ports)


def format_text(flows: list[Flow]) -> str:
    """One line per workload port: who may connect, who may not."""
    lines: list[str] = []
    order: dict[tuple[str, int], list[Flow]] = {}
    for flow in flows:
        order.setdefault((flow.destination, flow.port), []).append(flow)
    current = None
    for (destination, number), group in order.items():
        if destination != current:
            lines.append(destination)
            current = destination
        first = group[0]
        allowed = [f.source for f in group if f.allowed]
        denied = [f.source for f in group if not f.allowed]
        note = "" if first.encryption == "tls" else f" ({first.encryption})"
        lines.append(f"  {number} {first.port_name}{note}")
        lines.append(f"    allowed: {', '.join(allowed) or 'nobody'}")
        lines.append(f"    denied:  {', '.join(denied) or 'nobody'}")
    return "\n".join(lines) + "\n"
