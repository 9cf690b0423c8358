"""The validation corpus: tests/data/corpus/<case>/bad.yaml breaks exactly one
rule (or shows one schema quirk) and says which in its first comment line;
good.yaml is its fixed twin and passes every check."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsgen import yamlio
from dsgen.validate import rules
from dsgen.validate.api import validate_overlay
from dsgen.validate.results import Status
from dsgen.validate.schemas import SchemaStore
from tests.conftest import CATALOG, ROOT

CORPUS = ROOT / "tests" / "data" / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def header(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(": ")
        out[key] = value
    return out


def run(path: Path, skip: frozenset[str] = frozenset()):
    meta = header(path)
    operators = dict(item.split("=") for item in meta.get("operators", "").split(",") if item)
    external = frozenset(filter(None, meta.get("external-secrets", "").split(",")))
    text = path.read_text()
    documents = yamlio.load_documents(text, str(path))
    overlay = rules.Overlay(documents, operators, external)
    store = SchemaStore([str(CATALOG)], "1.34")
    return validate_overlay(overlay, str(path), store, "builtin", skip)


@pytest.fixture(scope="module", autouse=True)
def _needs_crds(crds):
    return crds


@pytest.mark.parametrize("case", CASES)
def test_bad_fails_with_its_rule_and_path(case):
    bad = CORPUS / case / "bad.yaml"
    rule, status, *path = header(bad)["expect"].split()
    results = run(bad)
    matching = [r for r in results if r.rule == rule and r.status.value == status]
    assert matching, [(r.rule, r.status.value, r.path, r.message) for r in results if r.status is not Status.VALID]
    if path:
        assert path[0] in {r.path for r in matching}
    others = [r for r in results if r.status in (Status.INVALID, Status.ERROR) and r.rule != rule]
    assert others == []


@pytest.mark.parametrize("case", CASES)
def test_fixed_twin_passes(case):
    results = run(CORPUS / case / "good.yaml")
    assert [r for r in results if r.status is not Status.VALID] == []


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("dsg1") or c.startswith("dsg2")])
def test_skip_waives_the_rule(case):
    bad = CORPUS / case / "bad.yaml"
    rule = header(bad)["expect"].split()[0]
    assert all(r.rule != rule for r in run(bad, frozenset({rule})))


def test_every_rule_has_a_case():
    covered = {header(CORPUS / c / "bad.yaml")["expect"].split()[0] for c in CASES}
    assert set(rules.ALL_IDS) <= covered


def test_secret_declared_external_is_accepted(tmp_path):
    source = CORPUS / "dsg105-secret-from-nowhere" / "bad.yaml"
    target = tmp_path / "declared.yaml"
    target.write_text("# external-secrets: pg-owner\n" + source.read_text().split("\n", 1)[1])
    assert [r for r in run(target) if r.status is not Status.VALID] == []


def test_duplicate_keys_in_manifests_are_an_error():
    from dsgen.errors import ProfileError

    with pytest.raises(ProfileError) as info:
        yamlio.load_documents("kind: A\nkind: B\n", "dup.yaml")
    assert str(info.value) == "dup.yaml:2:1: duplicate key 'kind'"
