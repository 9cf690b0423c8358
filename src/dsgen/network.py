"""Who can reach what: NetworkPolicies evaluated the way Kubernetes does.

``dsgen access`` renders an environment, adds the NetworkPolicies the
operators write for themselves (Strimzi's), and asks, for every source and
every port of every workload, whether a connection is allowed:

- a pod that no policy with an Ingress type selects accepts everything;
- otherwise a connection is allowed when one rule of one policy selecting
  the pod allows it: a ``from`` peer matches the source (or the rule has no
  ``from``) and a port matches (or the rule has no ``ports``). Policies add
  up; none takes away what another allows.
- the same holds on the way out: a source pod that a policy with an Egress
  type selects reaches only what a ``to`` peer and port of such a policy
  allow. A connection needs both ends to allow it.

Peers: ``namespaceSelector`` matches the other end's namespace by its labels
(every namespace carries ``kubernetes.io/metadata.name``), ``podSelector``
its pod labels, in the policy's own namespace when alone; ``ipBlock``
matches only addresses outside the cluster (pod addresses are not known
here). A policy without ``policyTypes`` has Ingress, and Egress when it has
``egress`` rules. Policies of namespaces the profile does not render (the
clients') are not known: their pods are taken to reach out freely.

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
    """One end of a connection: pods of a namespace (all of them when
    ``labels`` is None), or an address outside the cluster."""

    name: str
    namespace: str | None = None
    labels: Mapping[str, str] | None = None
    address: str | None = None  # outside the cluster; default OUTSIDE_ADDRESS

    @property
    def outside(self) -> bool:
        return self.namespace is None


@dataclass(frozen=True)
class Port:
    number: int
    name: str
    # tls: only encrypted; plaintext: never; optional: the client chooses
    encryption: str = "plaintext"
    protocol: str = "TCP"


@dataclass(frozen=True)
class Workload:
    """Pods of one kind in one namespace, the labels their operator gives
    them, and the ports they listen on; or, with no namespace, a service
    outside the cluster at ``address`` (the API server, object storage)."""

    name: str
    namespace: str | None
    labels: Mapping[str, str]
    ports: tuple[Port, ...]
    address: str | None = None

    @property
    def shown(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def as_source(self) -> Source:
        return Source(self.shown, self.namespace, self.labels, self.address)


@dataclass(frozen=True)
class Flow:
    source: str
    destination: str
    port: int
    port_name: str
    allowed: bool
    encryption: str
    # the policies that allow it (namespace/name); empty when it is denied
    because: tuple[str, ...] = field(default=())
    protocol: str = "TCP"


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
        address = ipaddress.ip_address(source.address) if source.address else OUTSIDE_ADDRESS
        if address.version != ipaddress.ip_network(block.get("cidr", ""), strict=False).version:
            return False
        if address not in ipaddress.ip_network(block.get("cidr", ""), strict=False):
            return False
        return not any(address in ipaddress.ip_network(e, strict=False) for e in block.get("except") or []
                       if ipaddress.ip_network(e, strict=False).version == address.version)
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
    if rule_port.get("protocol", "TCP") != port.protocol:
        return False
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str):
        return wanted == port.name
    end = rule_port.get("endPort", wanted)
    return wanted <= port.number <= end


def _policy_types(spec: dict) -> list[str]:
    return spec.get("policyTypes") or (["Ingress", "Egress"] if "egress" in spec else ["Ingress"])


def _selecting(policies: Iterable[dict], namespace: str | None, labels: Mapping[str, str] | None,
               direction: str) -> list[dict]:
    """The policies of a namespace with that direction whose podSelector matches the pods."""
    if namespace is None:
        return []
    out = []
    for policy in policies:
        metadata, spec = policy.get("metadata") or {}, policy.get("spec") or {}
        if metadata.get("namespace") != namespace:
            continue
        if direction in _policy_types(spec) and selects(spec.get("podSelector") or {}, labels or {}):
            out.append(policy)
    return out


def _named(policy: dict) -> str:
    return f"{policy['metadata']['namespace']}/{policy['metadata']['name']}"


def _allowing(selecting: list[dict], direction: str, peer: Source, port: Port, namespace: str) -> tuple[str, ...]:
    key, ends = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    return tuple(_named(p) for p in selecting
                 if any(_rule_allows(rule, ends, peer, port, namespace)
                        for rule in (p.get("spec") or {}).get(key) or []))


def evaluate(policies: list[dict], workloads: Iterable[Workload], sources: Iterable[Source]) -> list[Flow]:
    """Every (source, workload port) with its verdict: allowed when the
    destination's ingress and the source's egress both allow it."""
    sources = list(sources)
    flows = []
    for workload in workloads:
        selecting = _selecting(policies, workload.namespace, workload.labels, "Ingress")
        destination = workload.as_source()
        for port in workload.ports:
            for source in sources:
                leaving = _selecting(policies, source.namespace, source.labels, "Egress")
                out = _allowing(leaving, "Egress", destination, port, source.namespace or "") if leaving else ()
                if workload.namespace is None:
                    into: tuple[str, ...] = ()  # outside the cluster: only the way out decides
                elif not selecting:
                    into = ("no NetworkPolicy selects these pods",)
                else:
                    into = _allowing(selecting, "Ingress", source, port, workload.namespace)
                allowed = (workload.namespace is None or bool(into)) and (not leaving or bool(out))
                flows.append(Flow(source.name, workload.shown, port.number, port.name, allowed, port.encryption,
                                  into + out if allowed else (), port.protocol))
    return flows


def _rule_allows(rule: dict, ends: str, peer: Source, port: Port, namespace: str) -> bool:
    peers, ports = rule.get(ends), rule.get("ports")
    if peers and not any(_peer_matches(p, peer, namespace) for p in peers):
        return False
    return not ports or any(_port_matches(p, port) for p in ports)


def format_text(flows: list[Flow]) -> str:
    """One line per workload port: who may connect, who may not."""
    lines: list[str] = []
    order: dict[tuple[str, int, str], list[Flow]] = {}
    for flow in flows:
        order.setdefault((flow.destination, flow.port, flow.protocol), []).append(flow)
    current = None
    for (destination, number, protocol), group in order.items():
        if destination != current:
            lines.append(destination)
            current = destination
        first = group[0]
        allowed = [f.source for f in group if f.allowed]
        denied = [f.source for f in group if not f.allowed]
        note = "" if first.encryption == "tls" else f" ({first.encryption})"
        shown = number if protocol == "TCP" else f"{number}/{protocol.lower()}"
        lines.append(f"  {shown} {first.port_name}{note}")
        lines.append(f"    allowed: {', '.join(allowed) or 'nobody'}")
        lines.append(f"    denied:  {', '.join(denied) or 'nobody'}")
    return "\n".join(lines) + "\n"
