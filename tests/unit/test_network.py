"""NetworkPolicies evaluated as Kubernetes does (dsgen.network)."""

from __future__ import annotations

import pytest

from dsgen.network import Port, Source, Workload, evaluate, selects

DB = Workload("db", "data", {"app": "db", "tier": "backend"}, (Port(5432, "postgresql"), Port(9187, "metrics")))
APP = Source("app/any pod", "app")
MONITORING = Source("monitoring/any pod", "monitoring")
NEIGHBOUR = Source("data/web", "data", {"app": "web"})
OUTSIDE = Source("outside the cluster")


def policy(spec: dict, namespace: str = "data", name: str = "p") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def verdicts(policies: list[dict], sources=(APP, MONITORING, NEIGHBOUR, OUTSIDE)) -> dict:
    return {(f.source, f.port): f.allowed for f in evaluate(policies, [DB], sources)}


def namespace(name: str) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def test_pods_no_policy_selects_accept_everything():
    assert set(verdicts([]).values()) == {True}
    other = policy({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": []})
    assert set(verdicts([other]).values()) == {True}
    elsewhere = policy({"podSelector": {}, "ingress": []}, namespace="app")
    assert set(verdicts([elsewhere]).values()) == {True}


def test_a_default_deny_closes_everything_and_allow_lists_add_up():
    deny = policy({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}, name="deny")
    assert set(verdicts([deny]).values()) == {False}
    clients = policy({"podSelector": {"matchLabels": {"app": "db"}},
                      "ingress": [{"from": [namespace("app")], "ports": [{"port": 5432}]}]}, name="clients")
    metrics = policy({"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]},
                      "ingress": [{"from": [namespace("monitoring")], "ports": [{"port": "metrics"}]}]}, name="metrics")
    assert verdicts([deny, clients, metrics]) == {
        ("app/any pod", 5432): True, ("monitoring/any pod", 5432): False,
        ("data/web", 5432): False, ("outside the cluster", 5432): False,
        ("app/any pod", 9187): False, ("monitoring/any pod", 9187): True,  # a named port
        ("data/web", 9187): False, ("outside the cluster", 9187): False}


def test_peers_pods_alone_are_of_the_policys_namespace_and_both_selectors_must_match():
    same = policy({"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]})
    assert verdicts([same], [NEIGHBOUR, Source("app/web", "app", {"app": "web"})]) == {
        ("data/web", 5432): True, ("app/web", 5432): False, ("data/web", 9187): True, ("app/web", 9187): False}
    both = policy({"podSelector": {}, "ingress": [{"from": [{**namespace("app"),
                                                               "podSelector": {"matchLabels": {"app": "web"}}}]}]})
    assert verdicts([both], [APP, Source("app/web", "app", {"app": "web"})]) == {
        ("app/any pod", 5432): False, ("app/web", 5432): True, ("app/any pod", 9187): False, ("app/web", 9187): True}


def test_a_rule_without_from_admits_any_source_even_outside_and_ip_blocks_only_outside():
    open_port = policy({"podSelector": {}, "ingress": [{"ports": [{"port": 9187, "protocol": "TCP"}]}]})
    assert verdicts([open_port])[("outside the cluster", 9187)] is True
    assert verdicts([open_port])[("outside the cluster", 5432)] is False
    block = policy({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0",
                                                                           "except": ["10.0.0.0/8"]}}]}]})
    assert verdicts([block])[("outside the cluster", 5432)] is True
    assert verdicts([block])[("app/any pod", 5432)] is False
    excepted = policy({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "203.0.113.0/24",
                                                                              "except": ["203.0.113.0/28"]}}]}]})
    assert verdicts([excepted])[("outside the cluster", 5432)] is False


def test_udp_rules_and_port_ranges():
    udp = policy({"podSelector": {}, "ingress": [{"ports": [{"port": 5432, "protocol": "UDP"}]}]})
    assert verdicts([udp])[("app/any pod", 5432)] is False
    ranged = policy({"podSelector": {}, "ingress": [{"ports": [{"port": 5000, "endPort": 6000}]}]})
    assert verdicts([ranged])[("app/any pod", 5432)] is True
    assert verdicts([ranged])[("app/any pod", 9187)] is False


def test_a_source_its_egress_policies_select_reaches_only_what_they_allow():
    deny_out = policy({"podSelector": {}, "policyTypes": ["Egress"], "egress": []}, name="deny-out")
    # the neighbour is in data, where the egress policy lives; the others are not selected
    assert verdicts([deny_out]) == {
        ("app/any pod", 5432): True, ("monitoring/any pod", 5432): True, ("data/web", 5432): False,
        ("outside the cluster", 5432): True, ("app/any pod", 9187): True, ("monitoring/any pod", 9187): True,
        ("data/web", 9187): False, ("outside the cluster", 9187): True}
    to_db = policy({"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"],
                    "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}], "ports": [{"port": 5432}]}]},
                   name="web-to-db")
    found = {(f.source, f.port): (f.allowed, f.because) for f in evaluate([deny_out, to_db], [DB], [NEIGHBOUR])}
    assert found == {("data/web", 5432): (True, ("no NetworkPolicy selects these pods", "data/web-to-db")),
                     ("data/web", 9187): (False, ())}
    # both ends must agree: the database's ingress still decides
    closed = policy({"podSelector": {"matchLabels": {"app": "db"}}, "ingress": []}, name="db-closed")
    assert verdicts([deny_out, to_db, closed], [NEIGHBOUR])[("data/web", 5432)] is False


def test_egress_rules_without_policy_types_and_to_address_blocks():
    # no policyTypes: Egress too, because there are egress rules
    implicit = policy({"podSelector": {"matchLabels": {"app": "web"}},
                       "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": [{"port": 443}]}]})
    api = Workload("the API server", None, {}, (Port(443, "https"), Port(6443, "https")), "10.0.0.1")
    storage = Workload("object storage", None, {}, (Port(443, "https"),), "203.0.113.10")
    found = {(f.destination, f.port): f.allowed for f in evaluate([implicit], [api, storage], [NEIGHBOUR])}
    assert found == {("the API server", 443): True, ("the API server", 6443): False, ("object storage", 443): False}
    v6 = policy({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "::/0"}}]}]})
    assert [f.allowed for f in evaluate([v6], [storage], [NEIGHBOUR])] == [False]


@pytest.mark.parametrize("selector, expected", [
    ({}, True),
    ({"matchLabels": {"app": "db"}}, True),
    ({"matchLabels": {"app": "web"}}, False),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, True),
    ({"matchExpressions": [{"key": "zone", "operator": "Exists"}]}, False),
    ({"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend"]}]}, False),
])
def test_label_selectors(selector, expected):
    assert selects(selector, DB.labels) is expected
