"""The kubeconform wrapper: argument building, parsing its JSON output, and
turning its failures into clear tool errors. The output samples follow
kubeconform's own JSON writer (pkg/output/json.go and its tests)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dsgen.errors import ToolError
from dsgen.validate import kubeconform
from dsgen.validate.results import Status

VERBOSE_WITH_SUMMARY = """{
  "resources": [
    {
      "filename": "overlay.yaml",
      "kind": "Cluster",
      "name": "pg",
      "version": "postgresql.cnpg.io/v1",
      "status": "statusValid",
      "msg": ""
    },
    {
      "filename": "overlay.yaml",
      "kind": "Pooler",
      "name": "pg-pooler",
      "version": "postgresql.cnpg.io/v1",
      "status": "statusInvalid",
      "msg": "problem validating schema. Check JSON formatting: jsonschema validation failed",
      "validationErrors": [
        {"path": "/spec/instances", "msg": "expected integer, but got string"},
        {"path": "/spec/pgbouncer", "msg": "additional properties 'poolmode' not allowed"}
      ]
    },
    {
      "filename": "overlay.yaml",
      "kind": "Kafka",
      "name": "kafka",
      "version": "kafka.strimzi.io/v9",
      "status": "statusError",
      "msg": "could not find schema for Kafka"
    },
    {
      "filename": "overlay.yaml",
      "kind": "Thing",
      "name": "x",
      "version": "example.com/v1",
      "status": "statusSkipped",
      "msg": ""
    }
  ],
  "summary": {
    "valid": 1,
    "invalid": 1,
    "errors": 1,
    "skipped": 1
  }
}
"""

OLDER_WITHOUT_VALIDATION_ERRORS = """{
  "resources": [
    {
      "filename": "overlay.yaml",
      "kind": "Pooler",
      "name": "pg-pooler",
      "version": "postgresql.cnpg.io/v1",
      "status": "statusInvalid",
      "msg": "For field spec.instances: Invalid type. Expected: integer, given: string"
    }
  ]
}
"""


def test_arguments():
    command = kubeconform.arguments("kubeconform", ["../crds/catalog", "https://x/{{.Group}}/{{.ResourceKind}}.json"], "1.34", ["a.yaml"])
    assert command == [
        "kubeconform", "-strict", "-summary", "-verbose", "-output", "json",
        "-kubernetes-version", "1.34.0",
        "-schema-location", "../crds/catalog/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json",
        "-schema-location", "https://x/{{.Group}}/{{.ResourceKind}}.json",
        "a.yaml",
    ]


def test_parse_verbose_output_with_summary():
    results = kubeconform.parse(VERBOSE_WITH_SUMMARY, "out/overlays/prod", ["kubeconform"])
    assert [(r.status, r.kind, r.path, r.rule, r.message) for r in results] == [
        (Status.VALID, "Cluster", "", "", ""),
        (Status.INVALID, "Pooler", "/spec/instances", "DSG001", "expected integer, but got string"),
        (Status.INVALID, "Pooler", "/spec/pgbouncer", "DSG001", "additional properties 'poolmode' not allowed"),
        (Status.ERROR, "Kafka", "", "DSG002", "could not find schema for Kafka"),
        (Status.SKIPPED, "Thing", "", "", ""),
    ]
    assert {r.source for r in results} == {"out/overlays/prod"}
    assert results[1].api_version == "postgresql.cnpg.io/v1"


def test_parse_output_without_validation_errors():
    [result] = kubeconform.parse(OLDER_WITHOUT_VALIDATION_ERRORS, "s", ["kubeconform"])
    assert (result.status, result.path, result.message) == (
        Status.INVALID, "/", "For field spec.instances: Invalid type. Expected: integer, given: string")


@pytest.mark.parametrize("garbled", ["", "not json", '{"resources": 3}', '{"summary": {}}',
                                     '{"resources": [{"status": "statusWeird"}]}'])
def test_garbled_output_is_a_tool_error(garbled):
    with pytest.raises(ToolError) as info:
        kubeconform.parse(garbled, "s", ["kubeconform", "-strict"])
    assert str(info.value).startswith("kubeconform -strict: exited 0: ")


def _fake(tmp_path: Path, script: str) -> str:
    path = tmp_path / "kubeconform"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_failing_binary_names_command_exit_code_and_stderr(tmp_path):
    binary = _fake(tmp_path, "echo 'flag provided but not defined: -bogus' >&2\nexit 2\n")
    with pytest.raises(ToolError) as info:
        kubeconform.validate("kind: X\n", "s", [], "1.34", binary)
    message = str(info.value)
    assert message.startswith(f"{binary} -strict -summary -verbose -output json -kubernetes-version 1.34.0 ")
    assert message.endswith(": exited 2: flag provided but not defined: -bogus")
    assert info.value.exit_code == 3


def test_missing_binary_is_a_tool_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DSGEN_KUBECONFORM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError) as info:
        kubeconform.validate("kind: X\n", "s", [], "1.34")
    assert str(info.value) == "kubeconform: could not start: kubeconform not found on PATH (or set DSGEN_KUBECONFORM)"


def test_exit_1_with_results_is_not_a_tool_error(tmp_path):
    output = tmp_path / "out.json"
    output.write_text(OLDER_WITHOUT_VALIDATION_ERRORS)
    binary = _fake(tmp_path, f"cat {output}\nexit 1\n")
    [result] = kubeconform.validate("kind: X\n", "s", [], "1.34", binary)
    assert result.status is Status.INVALID


def test_real_kubeconform_agrees_with_builtin(crds):
    """Needs the kubeconform binary, which no registry this project installs from ships."""
    binary = kubeconform.find()
    if not binary:
        pytest.skip("kubeconform is not installed (not on PyPI, Debian or npm); set DSGEN_KUBECONFORM")
    from tests.unit.test_validate_corpus import CASES, documents

    from dsgen import rules
    from dsgen.validate.api import validate_overlay
    from dsgen.validate.schemas import SchemaStore
    from tests.conftest import CATALOG

    for case in CASES:
        for name in ("bad", "good"):
            docs = documents(CASES[case], name)
            overlay = rules.Overlay(docs)
            store = SchemaStore([str(CATALOG)], "1.34")
            verdict = {e: {(r.kind, r.name) for r in validate_overlay(overlay, "s", store, e, frozenset())
                           if r.rule in ("DSG001", "DSG002") and r.status in (Status.INVALID, Status.ERROR)}
                       for e in ("builtin", "kubeconform")}
            assert verdict["builtin"] == verdict["kubeconform"], (case, name)


FAKE_KUBECONFORM = r'''#!{python}
"""Stands in for kubeconform's command line: reads the file it is given and
answers in kubeconform's verbose JSON, finding every Pooler invalid."""
import json, sys
from ruamel.yaml import YAML
args = sys.argv[1:]
assert args[:6] == ["-strict", "-summary", "-verbose", "-output", "json", "-kubernetes-version"], args
docs = [d for d in YAML(typ="safe").load_all(open(args[-1])) if d]
resources, summary = [], {{"valid": 0, "invalid": 0, "errors": 0, "skipped": 0}}
for doc in docs:
    bad = doc["kind"] == "Pooler"
    summary["invalid" if bad else "valid"] += 1
    item = {{"filename": args[-1], "kind": doc["kind"], "name": doc["metadata"]["name"],
            "version": doc["apiVersion"], "status": "statusInvalid" if bad else "statusValid",
            "msg": "jsonschema validation failed" if bad else ""}}
    if bad:
        item["validationErrors"] = [{{"path": "/spec/instances", "msg": "expected integer"}}]
    resources.append(item)
print(json.dumps({{"resources": resources, "summary": summary}}, indent=2))
sys.exit(1 if summary["invalid"] else 0)
'''


def test_kubeconform_engine_joins_its_verdicts_with_the_other_layers(tmp_path, kubectl, crds, monkeypatch):
    """The engine's wiring, with a stand-in for the binary: kubeconform's schema
    verdicts replace the builtin ones, CEL and the rules still run."""
    import sys

    from dsgen import pipeline
    from dsgen.validate.api import validate_tree
    from tests.conftest import CATALOG, PROFILES

    fake = tmp_path / "kubeconform"
    fake.write_text(FAKE_KUBECONFORM.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setenv("DSGEN_KUBECONFORM", str(fake))
    out = tmp_path / "out"
    pipeline.write(out, pipeline.render(PROFILES, out, all_envs=True))
    report = validate_tree(out, "prod", False, [str(CATALOG)], engine="auto")
    problems = {(r.kind, r.name, r.rule, r.path) for r in report.results if r.status is not Status.VALID}
    assert problems == {
        ("Pooler", "postgres-cluster-pooler-rw", "DSG001", "/spec/instances"),
        ("Pooler", "postgres-cluster-pooler-ro", "DSG001", "/spec/instances"),
    }
    assert {r.kind for r in report.results if r.status is Status.VALID} >= {"Cluster", "Kafka", "RedisFailover"}
