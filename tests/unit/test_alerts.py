"""The alerting rules the bundled prod renders, checked and tested with the
real promtool (Debian's prometheus package): every rendered group passes
`promtool check rules`, and `promtool test rules` runs the hand-written cases
of tests/data/alerts/ against them, each alert with the series that must fire
it and one that must not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from tests.conftest import EXAMPLE, ROOT, _missing

CASES = ROOT / "tests" / "data" / "alerts"


def _promtool() -> str:
    beside = Path(sys.executable).parent / "promtool"
    found = str(beside) if beside.is_file() else shutil.which("promtool")
    if not found:
        _missing("promtool", "make tools (extracts it from Debian's prometheus package)")
    return found


@pytest.fixture(scope="module")
def rules() -> dict[str, dict]:
    docs = [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]
    return {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "PrometheusRule"}


def test_every_rendered_group_passes_promtool_check(rules, tmp_path):
    promtool = _promtool()
    assert rules
    for name, spec in rules.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(json.dumps(spec))
        done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, (name, done.stdout + done.stderr)


def test_every_alert_has_a_severity_a_summary_a_description_and_a_runbook(rules):
    for spec in rules.values():
        for group in spec["groups"]:
            for rule in group["rules"]:
                assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
                assert {"summary", "description", "runbook_url"} <= set(rule["annotations"]), rule["alert"]
                assert rule["annotations"]["runbook_url"] == f"RUNBOOK.md#{rule['alert'].lower()}"


@pytest.mark.parametrize("group", ["postgresql", "redis", "kafka"])
def test_the_unit_tests_of_each_group_pass(rules, group, tmp_path):
    """The cases assert when alerts fire, by their labels; the annotations'
    wording is left out of the comparison (the test above checks they exist)."""
    promtool = _promtool()
    [spec] = [s for s in rules.values() if any(g["name"] == group for g in s["groups"])]
    stripped = {"groups": [{**g, "rules": [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]]}
                           for g in spec["groups"] if g["name"] == group]}
    (tmp_path / "rules.yaml").write_text(json.dumps(stripped))
    cases = (CASES / f"{group}.yaml").read_text()
    (tmp_path / "tests.yaml").write_text("rule_files: [rules.yaml]\n" + cases)
    done = subprocess.run([promtool, "test", "rules", "tests.yaml"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    tested = {line.split("alertname:")[1].strip() for line in cases.splitlines() if "alertname:" in line}
    alerts = {r["alert"] for g in stripped["groups"] for r in g["rules"]}
    assert tested == alerts  # every alert of the group has cases
