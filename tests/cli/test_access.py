"""`dsgen access`: the design's connectivity matrix, read from the rendered
NetworkPolicies and the ones Strimzi writes, including what must be denied."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PROFILES

POSTGRES, POOLER = "data/postgres-cluster instances", "data/postgres-cluster-pooler-rw pooler"
REDIS, SENTINELS = "data/redis-cluster redis", "data/redis-cluster sentinels"
BROKERS = "data/kafka-cluster broker nodes"
APP, MONITORING, OTHER = "ecotrack/any pod", "monitoring/any pod", "other-namespace/any pod"
NEIGHBOUR, OUTSIDE, OPENBAO = "data/any other pod", "outside the cluster", "openbao/any pod"
CNPG, REDIS_OPERATOR, STRIMZI = "cnpg-system/cloudnative-pg", "redis-operator/redis-operator", \
    "strimzi/strimzi-cluster-operator"
OT_OPERATOR = "ot-operators/redis-operator"

# (destination, port): (allowed sources, sources that must be denied), from the
# design's "Network Security" (postgresql_access, redis_access, kafka_access,
# denied_external_access) and what each operator needs.
MATRIX = {
    (POSTGRES, 5432): ({APP, MONITORING, CNPG, POSTGRES, POOLER}, {OTHER, NEIGHBOUR, OUTSIDE, REDIS_OPERATOR, REDIS}),
    (POSTGRES, 8000): ({CNPG, POSTGRES}, {APP, MONITORING, OTHER, OUTSIDE, POOLER}),
    (POSTGRES, 9187): ({MONITORING}, {APP, OTHER, OUTSIDE}),
    (POOLER, 5432): ({APP, MONITORING}, {OTHER, NEIGHBOUR, OUTSIDE}),
    (REDIS, 6379): ({APP, REDIS, SENTINELS, REDIS_OPERATOR}, {MONITORING, OTHER, NEIGHBOUR, OUTSIDE, CNPG}),
    (SENTINELS, 26379): ({APP, SENTINELS, REDIS_OPERATOR}, {MONITORING, OTHER, NEIGHBOUR, OUTSIDE}),
    (BROKERS, 9092): ({APP, MONITORING}, {OTHER, NEIGHBOUR, OUTSIDE, STRIMZI}),
    (BROKERS, 9093): ({APP, MONITORING}, {OTHER, NEIGHBOUR, OUTSIDE}),
    (BROKERS, 9091): ({STRIMZI, BROKERS, "data/kafka-cluster entity operator"}, {APP, MONITORING, OUTSIDE}),
}


def _flows(profiles) -> dict:
    from tests.conftest import run_cli

    result = run_cli("access", "--env", "prod", "--profiles", str(profiles), "-o", "json")
    assert (result.code, result.err) == (0, "")
    flows: dict = {}
    for flow in json.loads(result.out):
        flows.setdefault((flow["destination"], flow["port"]), {})[flow["source"]] = flow
    return flows


@pytest.fixture(scope="module")
def prod() -> dict:
    return _flows(PROFILES)


@pytest.fixture(scope="module")
def bundled() -> dict:
    """The bundled prod, whose egress is denied too (network.egress)."""
    from tests.conftest import EXAMPLE

    return _flows(EXAMPLE)


@pytest.mark.parametrize("where", list(MATRIX), ids=[f"{d}:{p}" for d, p in MATRIX])
@pytest.mark.parametrize("which", ["ingress only", "egress denied too"])
def test_the_design_matrix(prod, bundled, where, which):
    allowed, denied = MATRIX[where]
    if which != "ingress only":
        # the bundled prod runs Redis on OT-Container-Kit's operator, in its own namespace
        prod = bundled
        allowed, denied = ({OT_OPERATOR if s == REDIS_OPERATOR else s for s in side} for side in (allowed, denied))
    verdicts = {source: flow["allowed"] for source, flow in prod[where].items()}
    assert {s for s in allowed if not verdicts[s]} == set()
    assert {s for s in denied if verdicts[s]} == set()


# The backup jobs upload to object storage and reach nothing else outside (the API server included).
JOBS = {"data/redis-cluster-backup-rdb job", "data/redis-cluster-backup-aof job", "data/kafka-cluster-metadata-backup job"}
DATA_PODS = {NEIGHBOUR, POSTGRES, POOLER, "data/postgres-cluster-pooler-ro pooler", REDIS, SENTINELS,
             "data/kafka-cluster controller nodes", BROKERS, "data/kafka-cluster entity operator"} | JOBS


@pytest.mark.parametrize("where, allowed", [
    (("kube-system/dns", 53), DATA_PODS),  # UDP and TCP
    # the backup jobs too, through object storage's rule: any address on 443 (network.egress.objectStorage);
    # they mount no service account token
    (("the API server", 443), {POSTGRES, POOLER, "data/postgres-cluster-pooler-ro pooler", BROKERS,
                               "data/kafka-cluster entity operator"} | JOBS),
    (("object storage", 443), {POSTGRES} | JOBS),  # only the instances and the backup jobs back up
    (("outside the cluster", 80), set()),
], ids=["dns", "api-server", "object-storage", "elsewhere"])
def test_with_egress_denied_each_pod_reaches_only_what_it_needs(bundled, where, allowed):
    flows = bundled[where]
    assert set(flows) == DATA_PODS
    assert {source for source, flow in flows.items() if flow["allowed"]} == allowed


def test_the_brokers_reach_the_api_server_for_their_rack_and_the_controllers_do_not(bundled):
    flows = bundled[("the API server", 443)]
    assert flows[BROKERS]["because"] == ["data/kafka-cluster-brokers-egress"]
    assert flows["data/kafka-cluster controller nodes"]["allowed"] is False


def test_the_backup_jobs_reach_what_they_back_up_and_the_dr_region_only_its_listener(bundled):
    assert bundled[(BROKERS, 9093)]["data/kafka-cluster-metadata-backup job"]["allowed"] is True
    assert bundled[(BROKERS, 9092)]["data/kafka-cluster-metadata-backup job"]["allowed"] is False
    assert bundled[(REDIS, 6379)]["data/redis-cluster-backup-rdb job"]["allowed"] is True
    assert bundled[(POSTGRES, 5432)]["data/redis-cluster-backup-rdb job"]["allowed"] is False
    # prod's dr listener admits us-west-2's network, and no other address outside the cluster
    dr = bundled[(BROKERS, 9094)]
    assert dr["10.1.0.0/16 (outside the cluster)"]["allowed"] is True
    assert dr["outside the cluster"]["allowed"] is False
    assert bundled[(BROKERS, 9093)]["10.1.0.0/16 (outside the cluster)"]["allowed"] is False


def test_flows_say_what_is_encrypted_and_which_policy_allows_them(prod):
    assert prod[(BROKERS, 9092)][APP]["encryption"] == "plaintext"
    assert prod[(BROKERS, 9093)][APP]["encryption"] == "tls"
    assert prod[(POSTGRES, 5432)][APP]["encryption"] == "tls"  # access.requireTls: pg_hba refuses plaintext
    assert prod[(POOLER, 5432)][APP]["encryption"] == "tls"  # and PgBouncer requires TLS of clients
    assert prod[(POSTGRES, 5432)][APP]["because"] == ["data/postgres-cluster-ingress"]
    assert prod[(BROKERS, 9093)][APP]["because"] == ["data/kafka-cluster-network-policy-kafka"]
    assert prod[(POSTGRES, 5432)][OTHER]["because"] == []


def test_without_isolation_everything_is_reachable_but_what_strimzi_closes(cli, profiles_copy):
    base = profiles_copy / "base.yaml"
    base.write_text(base.read_text() + "network:\n  isolate: false\n")
    result = cli("access", "--env", "prod", "--profiles", str(profiles_copy), "-o", "json")
    flows = json.loads(result.out)
    assert all(f["allowed"] for f in flows if not f["destination"].startswith("data/kafka-cluster"))
    peers_gone = [f for f in flows if f["destination"] == BROKERS and f["port"] == 9092 and f["source"] == OTHER]
    assert peers_gone[0]["allowed"] is True  # no peers: Strimzi opens the listener to everyone


def test_text_lists_each_port_with_who_may_and_may_not_connect(cli):
    result = cli("access", "--env", "prod", "--profiles", str(PROFILES))
    assert result.code == 0
    block = result.out.split(f"\n{SENTINELS}\n", 1)[1].split("\ndata/", 1)[0]
    assert block == (
        "  26379 sentinel (plaintext)\n"
        f"    allowed: {APP}, {REDIS_OPERATOR}, {SENTINELS}\n"
        f"    denied:  {MONITORING}, {OPENBAO}, {OTHER}, {NEIGHBOUR}, {CNPG}, {STRIMZI}, {POSTGRES}, "
        "data/postgres-cluster-pooler-rw pooler, data/postgres-cluster-pooler-ro pooler, "
        f"{REDIS}, data/kafka-cluster controller nodes, {BROKERS}, data/kafka-cluster entity operator, {OUTSIDE}")


def test_openbao_reaches_postgresql_only_where_it_issues_users():
    from tests.conftest import EXAMPLE, run_cli

    def reaches(profiles) -> set:
        result = run_cli("access", "--env", "prod", "--profiles", str(profiles), "-o", "json")
        return {(f["destination"], f["port"]) for f in json.loads(result.out) if f["source"] == OPENBAO and f["allowed"]}

    # postgres.dynamicCredentials: its database engine connects; else it is any
    # namespace (Strimzi opens the topic operator's health port to all).
    # (the bundled profiles also turn Kafka's metrics on, whose port Strimzi opens to all)
    assert {w for w in reaches(EXAMPLE) - reaches(PROFILES) if w[1] != 9404} == {(POSTGRES, 5432)}
    assert (POSTGRES, 5432) not in reaches(PROFILES)


@pytest.mark.parametrize("args, message", [
    (["--env", "qa"], "unknown environment 'qa': no {p}/qa.yaml (known: dev, prod, staging)"),
    (["--env", "prod", "-o", "xml"], "--output xml: choose one of text, json"),
])
def test_usage_errors_are_one_line(cli, args, message):
    result = cli("access", *args, "--profiles", str(PROFILES))
    assert (result.code, result.out, result.err) == (2, "", message.format(p=PROFILES) + "\n")
