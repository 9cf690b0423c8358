"""The Helm chart export: for every environment of three profile folders,
the real helm renders the chart with that environment's values file into
exactly the documents the real kustomize builds from the overlay; helm lint
--strict passes; values.schema.json makes helm refuse what the profile
refuses; and a value a Helm user changes reaches the manifests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dsgen import pipeline, yamlio
from dsgen.formats import kustomize
from dsgen.profiles import ProfileStore
from tests.conftest import EXAMPLE, PROFILES, ZK_PROFILES, installed_tool, run_cli

FOLDERS = {"example": EXAMPLE, "tests": PROFILES, "zookeeper": ZK_PROFILES}


def canonical(documents: list[dict]) -> list[str]:
    return sorted(json.dumps(d, sort_keys=True) for d in documents if d)


@pytest.fixture(scope="module")
def helm() -> str:
    return installed_tool("helm", "make tools (scripts/install_helm.py)")


def _render(profiles: Path, out: Path, tree_format: str) -> Path:
    pipeline.write(out, pipeline.render(profiles, out, all_envs=True, format_name=tree_format))
    return out


@pytest.fixture(scope="module")
def trees(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Per profile folder: its Kustomize tree and its chart."""
    made = {}
    for name, folder in FOLDERS.items():
        root = tmp_path_factory.mktemp(name)
        made[name] = (_render(folder, root / "out", "kustomize"), _render(folder, root / "chart", "helm"))
    return made


def helm_template(helm: str, chart: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([helm, "template", "data", str(chart), "--namespace", "data", *args],
                          capture_output=True, text=True)


CASES = [(name, env) for name, folder in FOLDERS.items() for env in ProfileStore(folder).environments()]


@pytest.mark.parametrize(("folder", "env"), CASES, ids=[f"{f}-{e}" for f, e in CASES])
def test_helm_template_yields_the_documents_of_kubectl_kustomize(trees, helm, kubectl, folder, env):
    tree, chart = trees[folder]
    done = helm_template(helm, chart, "-f", str(chart / f"values-{env}.yaml"))
    assert done.returncode == 0, done.stderr
    built = yamlio.load_documents(kustomize.build(tree / "overlays" / env), env)
    assert canonical(yamlio.load_documents(done.stdout, "helm")) == canonical(built)


@pytest.mark.parametrize("folder", list(FOLDERS))
def test_helm_lint_strict_passes_for_every_values_file(trees, helm, folder):
    _, chart = trees[folder]
    for values in [None, *sorted(chart.glob("values-*.yaml"))]:
        done = subprocess.run([helm, "lint", "--strict", str(chart), *(["-f", str(values)] if values else [])],
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{values}: {done.stdout}{done.stderr}"
        assert "1 chart(s) linted, 0 chart(s) failed" in done.stdout


def test_the_values_are_the_profiles(trees):
    """values.yaml is base.yaml; a values file of an environment that extends
    the base says what its profile says (prod-dr extends prod: it says both)."""
    _, chart = trees["example"]
    values = yamlio.load_documents((chart / "values.yaml").read_text(), "values.yaml")[0]
    environment = values.pop("environment")
    values.pop("derived")
    assert environment == "base"
    assert values == yamlio.load_documents((EXAMPLE / "base.yaml").read_text(), "base.yaml")[0]
    dev = yamlio.load_documents((chart / "values-dev.yaml").read_text(), "values-dev.yaml")[0]
    profile = yamlio.load_documents((EXAMPLE / "dev.yaml").read_text(), "dev.yaml")[0]
    profile.pop("extends")
    assert dev.pop("environment") == "dev"
    dev.pop("derived", None)
    assert dev == profile
    # the profiles' own files, comments and all, where they extend the base directly
    assert "# Encryption at rest (design: encryption_at_rest)" in (chart / "values.yaml").read_text()
    assert "# yaml-language-server: $schema=values.schema.json\n" in (chart / "values.yaml").read_text()
    assert "    # pg_wal lives on the 5Gi data volume" in (chart / "values-dev.yaml").read_text()
    prod_dr = yamlio.load_documents((chart / "values-prod-dr.yaml").read_text(), "values-prod-dr.yaml")[0]
    assert prod_dr["redis"]["operator"] == "opstree"  # from prod.yaml
    assert prod_dr["postgres"]["replica"]["enabled"] is True  # from prod-dr.yaml
    assert ("| prod-dr | `values-prod-dr.yaml` | `profiles/base.yaml, profiles/prod.yaml, profiles/prod-dr.yaml` |\n"
            in (chart / "README.md").read_text())


def test_what_dsgen_derives_is_a_small_part_of_the_chart(trees):
    """The chart is driven by the profile's keys; the fields it cannot trace to
    one (derived) stay few, so that a values file is not a render in disguise."""
    _, chart = trees["example"]
    templates = "".join(p.read_text() for p in sorted((chart / "templates").rglob("*.yaml")))
    references = templates.count("{{ .Values.") + templates.count("(index .Values.")
    derived = sum(len(fields) for fields in yamlio.load_documents(
        (chart / "values-prod.yaml").read_text(), "values-prod.yaml")[0]["derived"].values())
    assert references > 100
    assert derived < 25


@pytest.mark.parametrize(("values", "expected"), [
    ("postgres:\n  instances: three\n", "instances"),
    ("postgres:\n  instancez: 3\n", "instancez"),
    ("kafka:\n  topics:\n    user-events: {partitions: -1}\n", "partitions"),
])
def test_values_schema_makes_helm_refuse_what_the_profile_refuses(trees, helm, tmp_path, values, expected):
    _, chart = trees["example"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(values)
    done = helm_template(helm, chart, "-f", str(chart / "values-dev.yaml"), "-f", str(bad))
    assert done.returncode != 0
    assert "values don't meet the specifications of the schema" in done.stderr
    assert expected in done.stderr


def _docs(text: str) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in yamlio.load_documents(text, "helm") if d}


def test_a_value_a_helm_user_changes_reaches_the_manifests(trees, helm):
    _, chart = trees["example"]
    done = helm_template(helm, chart, "-f", str(chart / "values-prod.yaml"),
                         "--set", "postgres.instances=5",
                         "--set", "kafka.topics.user-events.partitions=24",
                         "--set-string", "postgres.parameters.max_connections=400")
    assert done.returncode == 0, done.stderr
    docs = _docs(done.stdout)
    cluster = docs[("Cluster", "postgres-cluster")]["spec"]
    assert cluster["instances"] == 5
    assert cluster["postgresql"]["parameters"]["max_connections"] == "400"
    assert docs[("KafkaTopic", "user-events")]["spec"]["partitions"] == 24


def test_a_topic_a_helm_user_adds_gets_its_kafkatopic(trees, helm):
    """The KafkaTopics are one template over kafka.topics: an entry the chart
    was not exported with is rendered like the others, leaving out what it leaves out."""
    _, chart = trees["example"]
    assert sorted(p.name for p in (chart / "templates" / "kafka").glob("kafkatopic-*")) == [
        "kafkatopic-each-kafka-topics.yaml"]
    done = helm_template(helm, chart, "-f", str(chart / "values-prod.yaml"),
                         "--set", "kafka.topics.audit-events.partitions=3",
                         "--set", "kafka.topics.audit-events.replicas=2")
    assert done.returncode == 0, done.stderr
    docs = _docs(done.stdout)
    assert docs[("KafkaTopic", "audit-events")]["spec"] == {"partitions": 3, "replicas": 2}
    assert docs[("KafkaTopic", "audit-events")]["metadata"]["labels"] == \
        docs[("KafkaTopic", "user-events")]["metadata"]["labels"]
    assert docs[("KafkaTopic", "user-events")]["spec"]["config"]["retention.ms"] == 604800000


def test_a_switch_in_the_values_turns_its_resources_on(trees, helm):
    """staging has no MirrorMaker; a values file that removes prod-dr's mirror
    loses it and its user, keeping the rest of prod-dr."""
    _, chart = trees["example"]
    with_mirror = _docs(helm_template(helm, chart, "-f", str(chart / "values-prod-dr.yaml")).stdout)
    without = helm_template(helm, chart, "-f", str(chart / "values-prod-dr.yaml"), "--set", "kafka.mirror=null")
    assert done_ok(without)
    gone = set(with_mirror) - set(_docs(without.stdout))
    assert ("KafkaMirrorMaker2", "kafka-cluster-mirror") in gone
    assert ("KafkaUser", "kafka-cluster-mirror") in gone
    assert ("Cluster", "postgres-cluster") not in gone


def done_ok(done: subprocess.CompletedProcess) -> bool:
    assert done.returncode == 0, done.stderr
    return True


def test_the_chart_is_the_same_bytes_each_time_and_its_drift_check_passes(trees, tmp_path):
    _, chart = trees["example"]
    again = _render(EXAMPLE, tmp_path / "chart", "helm")
    first = {p.relative_to(chart): p.read_bytes() for p in chart.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second
    done = run_cli("render", "--all", "--format", "helm", "--profiles", str(EXAMPLE), "--out", str(chart),
                   "--check")
    assert (done.code, done.err) == (0, "")
    assert done.out == f"{chart} is up to date (dev, prod, prod-dr, staging)\n"


def test_dsgen_validate_reads_a_chart_through_helm(trees, helm, crds):
    _, chart = trees["example"]
    done = run_cli("validate", "--out", str(chart), "--env", "prod", "--schema-location", str(crds / "catalog"))
    assert (done.code, done.err) == (0, ""), done.out
    assert done.out == "Summary: 94 resources found in 1 overlays - Valid: 94, Invalid: 0, Errors: 0, Skipped: 0\n"


def test_a_chart_is_not_written_over_the_kustomize_tree(trees):
    tree, _ = trees["example"]
    done = run_cli("render", "--all", "--format", "helm", "--profiles", str(EXAMPLE), "--out", str(tree))
    assert (done.code, done.out) == (2, "")
    assert done.err == (f"{tree}: holds a kustomize tree; write the helm one into another folder "
                        f"(--out DIR), or delete {tree} first\n")


def test_dsgen_validate_checks_a_helm_users_values_as_a_profile(trees, helm, tmp_path):
    """helm's schema checks types; dsgen's rules between keys need dsgen."""
    _, chart = trees["example"]
    mine = tmp_path / "mine.yaml"
    mine.write_text("postgres:\n  instances: 2\n  synchronous: {method: any, number: 2, dataDurability: required}\n")
    assert helm_template(helm, chart, "-f", str(chart / "values-prod.yaml"), "-f", str(mine)).returncode == 0
    done = run_cli("validate", str(chart), "--values", str(chart / "values-prod.yaml"), "--values", str(mine))
    assert (done.code, done.out) == (2, "")
    assert done.err == (f"{mine}:3:30: postgres.synchronous.number: 2 synchronous standbys need at least 3 "
                        "instances (the primary and 2 standbys); the cluster has 2 [DSG319]\n")
    mine.write_text("postgres:\n  instances: 4\n")
    done = run_cli("validate", str(chart), "-f", str(chart / "values-prod.yaml"), "-f", str(mine), "--summary")
    assert (done.code, done.err) == (0, "")
    assert done.out == "Summary: 94 resources found in 1 overlays - Valid: 94, Invalid: 0, Errors: 0, Skipped: 0\n"


def test_values_that_replace_a_map_are_refused_where_helm_would_ignore_them(trees, tmp_path):
    _, chart = trees["example"]
    mine = tmp_path / "mine.yaml"
    mine.write_text("postgres:\n  backup:\n    schedule: '0 3 * * *'\n")
    done = run_cli("validate", str(chart), "-f", str(chart / "values-prod.yaml"), "-f", str(mine))
    assert (done.code, done.out) == (2, "")
    assert done.err == (f"{mine}:3:5: postgres.backup.schedule: is a map in the chart's values and not here; "
                        "helm never replaces a map with anything else: write it as a map\n")


def test_an_environment_helm_cannot_say_is_refused_at_its_key(tmp_path):
    """A profile may replace a map of its base with a string; a values file cannot."""
    profiles = tmp_path / "profiles"
    shutil.copytree(EXAMPLE, profiles)
    base = (profiles / "base.yaml").read_text()
    assert '    schedule: "0 2 * * *"\n' in base
    (profiles / "base.yaml").write_text(base.replace('    schedule: "0 2 * * *"\n',
                                                     '    schedule: {daily: "0 2 * * *"}\n', 1))
    dev = (profiles / "dev.yaml").read_text()
    (profiles / "dev.yaml").write_text(dev.replace("postgres:\n", "postgres:\n  backup: {schedule: \"0 3 * * *\"}\n", 1))
    assert run_cli("render", "--all", "--profiles", str(profiles), "--out", str(tmp_path / "out")).code == 0
    done = run_cli("render", "--all", "--format", "helm", "--profiles", str(profiles), "--out", str(tmp_path / "c"))
    assert (done.code, done.out) == (2, "")
    assert done.err == (f"{profiles}/dev.yaml:7:12: postgres.backup.schedule: is a map in the base profile and not "
                        "here; a Helm values file never replaces a map of the chart's values with anything "
                        "else: write schedule as a map here too, or keep to --format kustomize\n")


def test_dsgen_validate_says_where_the_chart_does_not_follow_a_helm_users_values(trees, helm, tmp_path):
    """dev runs one instance, so the chart turns the PodDisruptionBudget off
    (a derived field); with three, dsgen would leave it on."""
    _, chart = trees["example"]
    mine = tmp_path / "mine.yaml"
    mine.write_text("postgres:\n  instances: 3\n")
    done = run_cli("validate", str(chart), "-f", str(chart / "values-dev.yaml"), "-f", str(mine))
    assert (done.code, done.err) == (1, "")
    assert done.out == (
        f"{chart}/templates/postgres/cluster-postgres-cluster.yaml\n"
        f"  INVALID [chart] Cluster/postgres-cluster /spec/enablePDB: the chart writes this field; dsgen, from "
        "the profile these values make, does not: export the chart again (dsgen render --format helm) from "
        "profiles that hold these values\n")


def test_dsgen_validate_renders_any_chart_with_helm(helm, tmp_path):
    """A chart dsgen did not write: helm renders it with the values given,
    and its documents are checked like any manifests."""
    chart = tmp_path / "other"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: other\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: data}\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n  selector: {matchLabels: {app: web}}\n"
        "  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: 'nginx:1.27'}]}\n")
    done = run_cli("validate", str(chart), "--summary")
    assert (done.code, done.err) == (0, "")
    assert done.out == "Summary: 1 resources found in 1 overlays - Valid: 1, Invalid: 0, Errors: 0, Skipped: 0\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("replicas: many\n")
    done = run_cli("validate", str(chart), "--values", str(bad))
    assert done.code == 1
    assert done.out.startswith(f"{chart}\n  INVALID Deployment/web /spec/replicas:")


def test_a_chart_that_does_not_render_is_reported_at_its_file(trees, helm, tmp_path):
    _, chart = trees["example"]
    broken = tmp_path / "chart"
    shutil.copytree(chart, broken)
    values = broken / "values-prod.yaml"
    lines = len(values.read_text().splitlines())
    values.write_text(values.read_text() + "postgres:\n  instances: [\n")
    done = run_cli("validate", "--out", str(broken), "--env", "prod")
    assert (done.code, done.err) == (1, "")
    assert done.out == f"{values}\n  ERROR [values-prod.yaml] line {lines + 3}:1: did not find expected node content\n"
    shutil.copy(chart / "values-prod.yaml", values)
    template = broken / "templates" / "kafka" / "kafka-kafka-cluster.yaml"
    template.write_text(template.read_text() + "  bad: {{ .Values.nope.x }}\n")
    done = run_cli("validate", "--out", str(broken), "--env", "prod")
    assert done.code == 1
    assert done.out.startswith(f"{values}\n  ERROR ")
    assert done.out.endswith(
        f": exited 1: Error: ecotrack-data-services/templates/kafka/kafka-kafka-cluster.yaml:"
        f"{len(template.read_text().splitlines())}:17 executing \"ecotrack-data-services/templates/kafka/"
        "kafka-kafka-cluster.yaml\" at <.Values.nope.x>: nil pointer evaluating interface {}.x\n")


def test_a_profile_helm_would_read_otherwise_is_written_out_quoted(helm, kubectl, tmp_path):
    """`on` is a string to dsgen (YAML 1.2) and a boolean to helm (YAML 1.1):
    such a file is not copied but written out, and the chart still renders
    the overlay's documents."""
    profiles = tmp_path / "profiles"
    shutil.copytree(EXAMPLE, profiles)
    dev = (profiles / "dev.yaml").read_text()
    assert '    max_connections: "100"\n' in dev
    (profiles / "dev.yaml").write_text(dev.replace('    max_connections: "100"\n',
                                                   '    max_connections: "100"\n    log_lock_waits: on\n'))
    tree, chart = _render(profiles, tmp_path / "out", "kustomize"), _render(profiles, tmp_path / "chart", "helm")
    text = (chart / "values-dev.yaml").read_text()
    assert '    log_lock_waits: "on"\n' in text
    assert "# pg_wal lives on the 5Gi data volume" not in text
    done = helm_template(helm, chart, "-f", str(chart / "values-dev.yaml"))
    assert done.returncode == 0, done.stderr
    built = yamlio.load_documents(kustomize.build(tree / "overlays" / "dev"), "dev")
    assert canonical(yamlio.load_documents(done.stdout, "helm")) == canonical(built)
