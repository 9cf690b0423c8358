"""``dsgen access``: the connectivity an environment's NetworkPolicies allow.

Renders the environment in memory, adds the policies the operators write
themselves, and evaluates every source against every port of every workload
(:mod:`dsgen.network`). Sources are the namespaces the profile names (each
service's ``access``, the monitoring namespace and OpenBao's), a namespace it does not
name, another pod of the data namespace, the operators' pods, the services'
own pods, and an address outside the cluster.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

from dsgen import pipeline, registry
from dsgen.network import OUTSIDE_ADDRESS, Flow, Port, Source, Workload, evaluate, format_text
from dsgen.profiles import ProfileStore
from dsgen.rules import Overlay, get, name_of, namespace_of

NETWORK_POLICY = ("networking.k8s.io", "NetworkPolicy")
OUTPUT_FORMATS = ("text", "json")


def flows(profiles: Path, env: str, shown: str | None = None) -> list[Flow]:
    rendered = pipeline.render_env(ProfileStore(profiles, shown), env)
    profile = rendered.loaded.profile
    overlay = Overlay([resource.doc for resource in rendered.resources])
    policies = list(overlay.of(NETWORK_POLICY))
    workloads: list[Workload] = []
    named: dict[str, None] = {}
    operators: list[Source] = []
    for component, section in registry.sections(profile):
        if component.operator_policies:
            policies += component.operator_policies(overlay)
        if component.workloads:
            workloads += component.workloads(overlay)
        access = getattr(section, "access", None)
        named.update(dict.fromkeys(access.namespaces if access else ()))
        backend = component.backend(section)
        for shown_name, key, labels in (backend.operator_pods if backend else component.operator_pods):
            namespace = getattr(profile.network.operatorNamespaces, key)
            operators.append(Source(f"{namespace}/{shown_name}", namespace, labels))
    if profile.network.monitoringNamespace:
        named[profile.network.monitoringNamespace] = None
    if profile.secrets is not None:  # OpenBao's database engine connects to PostgreSQL
        named[profile.secrets.openbao.namespace] = None
    other = "other-namespace"
    while other in named or other == profile.namespace:
        other += "-x"
    sources = [Source(f"{namespace}/any pod", namespace) for namespace in named]
    # Jobs the tree runs (backups): their pods' labels, as their policies name them.
    jobs = [Source(f"{namespace_of(job)}/{name_of(job)} job", namespace_of(job),
                   get(job, "spec", "jobTemplate", "spec", "template", "metadata", "labels") or {})
            for job in overlay.of(("batch", "CronJob"))]
    # Address blocks outside the cluster a policy admits (a listener's allowFrom).
    blocks = dict.fromkeys(peer["ipBlock"]["cidr"] for policy in policies
                           for rule in get(policy, "spec", "ingress") or [] for peer in rule.get("from") or []
                           if isinstance(peer, dict) and isinstance(peer.get("ipBlock"), dict))
    sources += [Source(f"{other}/any pod", other), Source(f"{profile.namespace}/any other pod", profile.namespace, {}),
                *operators, *(w.as_source() for w in workloads), *jobs,
                *(Source(f"{block} (outside the cluster)", None, None, _host(block)) for block in blocks),
                Source("outside the cluster")]
    found = evaluate(policies, workloads, sources)
    if profile.network.isolate and profile.network.egress is not None:
        # Where the namespace's own pods may go: what network.egress opens, and a
        # port outside the cluster nothing needs.
        inside = [source for source in sources if source.namespace == profile.namespace]
        found += evaluate(policies, _outside(profile.network.egress), inside)
    return found


def _host(block: str) -> str:
    """An address in the block: the one outside the cluster when it is in it, else its first host."""
    network = ipaddress.ip_network(block, strict=False)
    return str(OUTSIDE_ADDRESS if OUTSIDE_ADDRESS in network else next(network.hosts(), network.network_address))


def _outside(egress) -> list[Workload]:
    dns = egress.dns
    return [
        Workload("dns", dns.namespace, dns.pods, (Port(53, "dns", "plaintext", "UDP"), Port(53, "dns over tcp"))),
        Workload("the API server", None, {}, (Port(egress.apiServerPort, "https", "tls"),),
                 _host(egress.apiServer[0])),
        Workload("object storage", None, {}, (Port(443, "https", "tls"),), _host(egress.objectStorage[0])),
        Workload("outside the cluster", None, {}, (Port(80, "http"),), str(OUTSIDE_ADDRESS)),
    ]


def format_flows(found: list[Flow], output_format: str) -> str:
    if output_format == "json":
        return json.dumps([{"source": f.source, "destination": f.destination, "port": f.port,
                            "portName": f.port_name, "allowed": f.allowed, "encryption": f.encryption,
                            "protocol": f.protocol, "because": list(f.because)} for f in found], indent=2) + "\n"
    return format_text(found)
