"""`dsgen validate PATH...`: manifests dsgen did not write, file by file or
kustomization by kustomization; one broken input never hides the rest."""

from __future__ import annotations

import json
import os

import pytest

from dsgen import pipeline, yamlio
from dsgen.formats import kustomize
from tests.conftest import CATALOG, PROFILES, run_cli


@pytest.fixture
def repo(tmp_path, kubectl, crds):
    """A GitOps repository: two kustomization overlays and a folder of plain
    manifests whose Secrets come from elsewhere (no ExternalSecrets)."""
    tree = tmp_path / "tree"
    pipeline.write(tree, pipeline.render(PROFILES, tree, all_envs=True))
    plain = tmp_path / "plain"
    (plain / "nested").mkdir(parents=True)
    documents = yamlio.load_documents(kustomize.build(tree / "overlays" / "prod"), "prod")
    (plain / "prod.yaml").write_text(yamlio.dump_all([d for d in documents if d["kind"] != "ExternalSecret"]))
    (plain / "nested" / "notes.txt").write_text("not a manifest\n")
    return tmp_path


def validate(cli, *args):
    return cli("validate", *args, "-s", str(CATALOG))


def test_plain_files_are_valid_and_open_references_are_warnings(repo, cli):
    result = validate(cli, str(repo / "plain"), "--summary")
    assert (result.code, result.err) == (0, "")
    assert result.out.endswith("Summary: 29 resources found in 1 overlays - Valid: 29, Invalid: 0, Errors: 0, "
                               "Skipped: 0, Warnings: 7\n")
    assert "  WARNING [plain] Cluster/postgres-cluster /spec/bootstrap/initdb/secret/name: [DSG105] Secret " \
           "'postgres-credentials' is neither produced by the tree nor listed in the profile's externalSecrets" \
           in result.out


def test_closed_input_makes_a_missing_reference_invalid(repo, cli):
    result = validate(cli, str(repo / "plain" / "prod.yaml"), "--closed", "-o", "json")
    assert result.code == 1
    entries = json.loads(result.out)["resources"]
    invalid = {(e["kind"], e["rule"]) for e in entries if e["status"] == "statusInvalid"}
    assert invalid == {("Cluster", "DSG105"), ("KafkaUser", "DSG105"), ("RedisFailover", "DSG105"),
                       ("ObjectStore", "DSG105")}
    assert {e["filename"] for e in entries} == {str(repo / "plain" / "prod.yaml")}


def test_kustomization_folders_are_built_one_by_one(repo, cli):
    result = validate(cli, str(repo / "tree" / "overlays"), "-o", "junit")
    assert result.code == 0, result.out
    suites = [line.split('"')[1] for line in result.out.splitlines() if line.startswith("  <testsuite ")]
    assert suites == [str(repo / "tree/overlays" / env) for env in ("dev", "prod", "staging")]


def test_one_broken_input_is_an_error_entry_and_the_rest_is_checked(repo, cli):
    (repo / "plain" / "broken.yaml").write_text("kind: [a\n")
    (repo / "tree" / "overlays" / "staging" / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    result = validate(cli, str(repo / "plain"), str(repo / "tree" / "overlays"), "-o", "json")
    assert result.code == 1
    entries = json.loads(result.out)["resources"]
    errors = [(e["filename"], e["msg"]) for e in entries if e["status"] == "statusError"]
    assert errors[0][0] == str(repo / "tree/overlays/staging") and "missing.yaml" in errors[0][1]
    assert errors[1] == (str(repo / "plain" / "broken.yaml"),
                         f"{repo / 'plain' / 'broken.yaml'}:1:7: this '[' is never closed (found end of file at 2:1)")
    assert sum(e["status"] == "statusValid" for e in entries) == 39 + 29 + 42


def test_operators_choose_the_versions_rules_check(repo, cli):
    manifests = repo / "plain" / "prod.yaml"
    manifests.write_text(manifests.read_text().replace("kafka.strimzi.io/v1\n", "kafka.strimzi.io/v1beta2\n"))
    assert validate(cli, str(manifests)).code == 0  # the default, Strimzi 0.49.1, serves v1beta2 too
    result = validate(cli, str(manifests), "--operators", "strimzi=1.2.0", "-o", "json")
    assert result.code == 1
    invalid = {(e["kind"], e["rule"]) for e in json.loads(result.out)["resources"] if e["status"] == "statusInvalid"}
    assert ("KafkaTopic", "DSG205") in invalid  # Strimzi 1.0 dropped v1beta2
    assert ("Kafka", "DSG322") in invalid  # and 1.2 runs no Kafka 4.1


@pytest.mark.parametrize("args, message", [
    (["{repo}/plain", "--all"], "give PATHs or --env/--all (a dsgen tree), not both"),
    (["{repo}/nothing"], "{repo}/nothing: no such file or folder"),
    (["{repo}/plain", "--operators", "strimzy=1.2.0"],
     "--operators strimzy=1.2.0: write NAME=VERSION with NAME one of cloudnativepg, redisOperator, strimzi, "
     "otRedisOperator, barmanCloud, externalSecrets, certManager"),
    (["--all", "--closed"], "--operators, --profile and --closed go with PATHs; a dsgen tree names its own operators"),
])
def test_usage_errors_are_one_line(repo, cli, args, message):
    result = validate(cli, *[a.format(repo=repo) for a in args])
    assert (result.code, result.out, result.err) == (2, "", message.format(repo=repo) + "\n")


def test_a_profile_names_the_operators_and_the_secrets_the_cluster_holds(repo, cli, profiles_copy):
    (profiles_copy.parent / "dsgen.yaml").write_text("profiles: profiles\nout: out\n")
    base = profiles_copy / "base.yaml"
    base.write_text(base.read_text().replace('strimzi: "0.49.1"', 'strimzi: "1.2.0"').replace("version: 4.1.1", "version: 4.2.0"))
    manifests = str(repo / "plain" / "prod.yaml")
    result = run_cli("validate", manifests, "--closed", "--profile", "prod", "-s", str(CATALOG), "-o", "json",
                     cwd=profiles_copy.parent)
    invalid = {(e["kind"], e["rule"]) for e in json.loads(result.out)["resources"] if e["status"] == "statusInvalid"}
    # Every Secret --closed finds missing (test_closed_input_...) is one the
    # profile brings from OpenBao; its Strimzi 1.2.0 runs no Kafka 4.1.
    assert invalid == {("Kafka", "DSG322")}
    result = run_cli("validate", manifests, "--closed", "--profile", "prod", "--operators", "strimzi=0.49.1",
                     "-s", str(CATALOG), "-o", "json", cwd=profiles_copy.parent)
    assert (result.code, result.err) == (0, "")
    result = run_cli("validate", manifests, "--profile", "qa", cwd=profiles_copy.parent)
    assert (result.code, result.err) == (2, "unknown environment 'qa': no profiles/qa.yaml (known: dev, prod, staging)\n")


def test_reading_in_forked_processes_reports_what_reading_here_does(repo, monkeypatch):
    from dsgen.validate import api

    plain = repo / "plain"
    (plain / "broken.yaml").write_text("kind: [a\n")
    text = (plain / "prod.yaml").read_text()
    (plain / "wrong.yaml").write_text(text.replace("instances: 3", "instances: three", 1))
    (plain / "prod.yaml").unlink()
    for index in range(6):  # several files, so that each worker gets some
        (plain / f"part-{index}.yaml").write_text(text.replace("namespace: data", f"namespace: data{index}"))

    pools = []

    class Pool(api.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(api, "ProcessPoolExecutor", Pool)

    def report(threshold: int) -> list:
        monkeypatch.setattr(api, "PARALLEL_READ_BYTES", threshold)
        return api.validate_paths([plain], [str(CATALOG)]).results

    here = report(1 << 40)
    assert pools == []
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: files are always read in this process")
    forked = report(0)
    assert len(pools) == 1
    assert forked == here
    statuses = {r.status.name for r in here}
    assert {"VALID", "INVALID", "ERROR"} <= statuses
