"""The validation corpus: each case of tests/data/corpus/cases.yaml is made of
shared minimal fragments (fragments.yaml). Its bad twin breaks exactly the
rule it names (or shows one schema quirk); its good twin passes every check."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dsgen import patching, registry, rules, yamlio
from dsgen.formats.kustomize import apply
from dsgen.validate.api import validate_overlay
from dsgen.validate.results import Status
from dsgen.validate.schemas import SchemaStore
from tests.conftest import CATALOG, ROOT

CORPUS = ROOT / "tests" / "data" / "corpus"


def _load(name: str) -> dict:
    [data] = yamlio.load_documents((CORPUS / name).read_text(), name)
    return data


FRAGMENTS = _load("fragments.yaml")
CASES = _load("cases.yaml")


def merge_patch(target, patch):
    """RFC 7386: mappings merge, null removes, anything else replaces."""
    return patching.merge_patch(target, patch, named_lists=False)


def _selects(selector: str, doc: dict) -> bool:
    kind, _, name = selector.partition("/")
    return doc.get("kind") == kind and (not name or rules.name_of(doc) == name)


def documents(case: dict, side: str) -> list[dict]:
    docs = [copy.deepcopy(d) for fragment in case["fragments"] for d in FRAGMENTS[fragment]]
    changes = case.get(side) or []
    for change in changes if isinstance(changes, list) else [changes]:
        for selector, patch in change.items():
            if selector == "add":
                docs.append(copy.deepcopy(patch))
                continue
            matched = [d for d in docs if _selects(selector, d)]
            assert matched, f"{side}: {selector} selects no document"
            for doc in matched:
                index = next(i for i, d in enumerate(docs) if d is doc)
                if patch is None:
                    docs.pop(index)
                elif isinstance(patch, list):
                    docs[index] = apply(doc, patch)
                else:
                    docs[index] = merge_patch(doc, patch)
    return docs


def run(docs: list[dict], operators: str = "", external: frozenset[str] = frozenset(),
        skip: frozenset[str] = frozenset()):
    pinned = dict(item.split("=") for item in operators.split(",") if item)
    overlay = rules.Overlay(docs, pinned, external)
    return validate_overlay(overlay, "corpus", SchemaStore([str(CATALOG)], "1.34"), "builtin", skip)


@pytest.fixture(scope="module", autouse=True)
def _needs_crds(crds):
    return crds


@pytest.mark.parametrize("name", CASES)
def test_bad_fails_with_its_rule_and_path(name):
    case = CASES[name]
    rule, status, *path = case["expect"].split()
    results = run(documents(case, "bad"), case.get("operators", ""))
    matching = [r for r in results if r.rule == rule and r.status.value == status]
    assert matching, [(r.rule, r.status.value, r.path, r.message) for r in results if r.status is not Status.VALID]
    if path:
        assert path[0] in {r.path for r in matching}
    others = [r for r in results if r.status in (Status.INVALID, Status.ERROR) and r.rule != rule]
    assert others == []


@pytest.mark.parametrize("name", CASES)
def test_fixed_twin_passes(name):
    case = CASES[name]
    results = run(documents(case, "good"), case.get("operators", ""))
    assert [(r.rule, r.path, r.message) for r in results if r.status is not Status.VALID] == []


@pytest.mark.parametrize("name", [n for n in CASES if n.startswith(("dsg1", "dsg2"))])
def test_skip_waives_the_rule(name):
    case = CASES[name]
    rule = case["expect"].split()[0]
    assert all(r.rule != rule for r in run(documents(case, "bad"), case.get("operators", ""), skip=frozenset({rule})))


def test_every_fragment_combination_is_valid():
    everything = [copy.deepcopy(d) for docs in FRAGMENTS.values() for d in docs]
    assert [(r.kind, r.rule, r.path, r.message) for r in run(everything) if r.status is not Status.VALID] == []


def test_every_manifest_rule_has_a_case():
    covered = {case["expect"].split()[0] for case in CASES.values()}
    manifest = {r.id for r in registry.rules().values() if r.manifest_check is not None or r.checked == "schema"}
    assert manifest - covered == set()


def test_secret_declared_external_is_accepted():
    case = CASES["dsg105-secret-from-nowhere"]
    docs = documents(case, "bad")
    assert [r.rule for r in run(docs) if r.status is Status.INVALID] == ["DSG105"]
    assert [r for r in run(docs, external=frozenset({"pg-owner"})) if r.status is not Status.VALID] == []


def test_duplicate_keys_in_manifests_are_an_error():
    from dsgen.errors import ProfileError

    with pytest.raises(ProfileError) as info:
        yamlio.load_documents("kind: A\nkind: B\n", "dup.yaml")
    assert str(info.value) == "dup.yaml:2:1: duplicate key 'kind'"


def test_corpus_files_hold_no_loose_schema_copies():
    assert sorted(p.name for p in Path(CORPUS).iterdir()) == ["cases.yaml", "fragments.yaml"]


# ---------------------------------------------------------------- YAML read as Kubernetes reads it


def test_timestamps_and_the_value_key_stay_strings():
    """go-yaml v2 into interface{} (sigs.k8s.io/yaml) keeps timestamps as strings; `=` is a string."""
    [doc] = yamlio.load_documents("a: 2020-11-26 15:22:00.00000+00\nb: 2020-11-26\nc: {matchType: =}\n", "x")
    assert doc == {"a": "2020-11-26 15:22:00.00000+00", "b": "2020-11-26", "c": {"matchType": "="}}


def test_nulls_the_api_server_prunes_are_not_errors():
    store = SchemaStore([str(CATALOG)], "1.34")
    docs = yamlio.load_documents("""
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata: {name: t, namespace: data, labels: {strimzi.io/cluster: k}}
spec:
  partitions: 3
  replicas: null
  config: {retention.ms: null}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: data, annotations: null}
data: {a: b}
""", "x")
    results = validate_overlay(rules.Overlay(docs), "x", store, skip=frozenset({"DSG103"}))
    assert [(r.kind, r.status) for r in results] == [("KafkaTopic", Status.VALID), ("ConfigMap", Status.VALID)]
    assert docs[0]["spec"] == {"partitions": 3, "config": {"retention.ms": None}}  # preserved unknown fields keep theirs


def test_a_namespace_is_a_dns_label():
    from dsgen.validate.api import metadata_problems

    store = SchemaStore([str(CATALOG)], "1.34")
    assert list(metadata_problems({"name": "pg", "namespace": "Data.Team"}, store)) == [
        ("/metadata/namespace", "'Data.Team' is not a valid Kubernetes name: use lower-case letters, digits and '-', "
                                "starting and ending with a letter or digit")]


@pytest.mark.parametrize("doc, expected", [
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "9-db"}},
     [("/metadata/name", "'9-db' is not a valid Service name: at most 63 lower-case letters, digits and '-', "
                         "starting with a letter and ending with a letter or digit")]),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app.settings"}}, []),
    ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:reader"}}, []),
    ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team.data"}},
     [("/metadata/name", "'team.data' is not a valid Kubernetes name: use lower-case letters, digits and '-', "
                         "starting and ending with a letter or digit")]),
])
def test_built_in_names_follow_their_kinds_rules(doc, expected):
    from dsgen.validate.api import core_name_problems

    assert list(core_name_problems(doc)) == expected
