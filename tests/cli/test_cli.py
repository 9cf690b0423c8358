"""The command line, run as a user runs it: exit codes, whole messages, and
out/ untouched whenever the input is bad."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import CATALOG, PROFILES, ROOT


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def rendered(tmp_path, profiles_copy, cli):
    out = tmp_path / "out"
    result = cli("render", "--all", "--profiles", str(profiles_copy), "--out", str(out))
    assert result.code == 0, result.err
    return profiles_copy, out


def test_version(cli):
    result = cli("--version")
    assert (result.code, result.out) == (0, "dsgen 0.1.0\n")


def test_help_documents_exit_codes(cli):
    result = cli("--help")
    assert result.code == 0
    assert "Exit codes: 0 success; 1 drift or invalid documents; 2 bad profile" in " ".join(result.out.split())


def test_render_env_writes_base_and_that_overlay(tmp_path, profiles_copy, cli):
    out = tmp_path / "out"
    result = cli("render", "--env", "prod", "--profiles", str(profiles_copy), "--out", str(out))
    assert result.code == 0, result.err
    assert result.err == ""
    assert sorted(p.name for p in (out / "overlays").iterdir()) == ["prod"]
    assert sorted(p.name for p in (out / "base").iterdir()) == ["kafka", "platform", "platform-ecotrack", "postgres", "redis"]


def test_render_env_keeps_other_overlays_and_drops_stale_ones(rendered, cli):
    profiles, out = rendered
    (profiles / "staging.yaml").unlink()
    # dropping an environment is a risky change: render lists it and needs the go-ahead
    result = cli("render", "--env", "dev", "--profiles", str(profiles), "--out", str(out), "--allow-destructive")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (out / "overlays").iterdir()) == ["dev", "prod"]


def test_check_passes_on_a_fresh_tree(rendered, cli):
    profiles, out = rendered
    result = cli("render", "--all", "--check", "--profiles", str(profiles), "--out", str(out))
    assert (result.code, result.out) == (0, f"{out} is up to date (dev, prod, staging)\n")


@pytest.mark.parametrize("change", ["edit", "missing", "stray"])
def test_check_reports_drift_with_a_diff_and_writes_nothing(rendered, cli, change):
    profiles, out = rendered
    target = out / "base" / "postgres" / "cluster-postgres-cluster.yaml"
    if change == "edit":
        target.write_text(target.read_text().replace("instances: 3", "instances: 4"))
        expected = ["-  instances: 4", "+  instances: 3"]
    elif change == "missing":
        target.unlink()
        expected = ["--- /dev/null", f"+++ {out}/base/postgres/cluster-postgres-cluster.yaml"]
    else:
        (out / "base" / "postgres" / "stray.yaml").write_text("kind: Stray\n")
        expected = [f"--- {out}/base/postgres/stray.yaml", "+++ /dev/null", "-kind: Stray"]
    before = snapshot(out)
    result = cli("render", "--all", "--check", "--profiles", str(profiles), "--out", str(out))
    assert result.code == 1
    assert result.err == f"{out} is out of date: run `dsgen render --all`\n"
    for line in expected:
        assert line in result.out.splitlines()
    assert snapshot(out) == before


def test_check_when_profiles_change(rendered, cli):
    profiles, out = rendered
    text = (profiles / "prod.yaml").read_text()
    (profiles / "prod.yaml").write_text(text.replace("  brokers:\n", "  brokers:\n    storage: {size: 60Gi}\n", 1))
    result = cli("render", "--env", "prod", "--check", "--profiles", str(profiles), "--out", str(out))
    assert result.code == 1
    # prod's broker pool is its own resource (dedicated controllers): the diff is in it
    assert "-    size: 50Gi" in result.out.splitlines()
    assert "+    size: 60Gi" in result.out.splitlines()


# Each profile starts with "extends: base", so its first own key is on line 2.
BAD_PROFILES = [
    ("postgres:\n  instances: 0\n", "{f}:3:3: postgres.instances: must be at least 1, not 0"),
    ("kafka:\n  brokers:\n    replicas: 3\n    storage: {size: 5Gi}\n  topics:\n    user-events: {replicas: 4}\n",
     "{f}:7:19: kafka.topics.user-events.replicas: 4 replicas is more than the 3 brokers [DSG308]"),
    ("postgres:\n  parameters:\n    port: '5433'\n",
     "{f}:4:5: postgres.parameters.port: is managed by CloudNativePG and cannot be set (fixed parameter) [DSG201]"),
    ("kafka:\n  config:\n    advertised.listeners: x\n",
     "{f}:4:5: kafka.config[advertised.listeners]: Strimzi manages options starting with 'advertised.' and ignores this one [DSG203]"),
    ("kafka:\n  mode: zookeeper\n",
     "{b}:{kafka_version_line}:3: kafka.version: Kafka 4.1.1 has no ZooKeeper mode; use 3.x or KRaft [DSG307]\n"
     "{f}:3:3: kafka.mode: Strimzi 0.49.1 has no ZooKeeper support (removed in 0.46); use KRaft (mode: kraft) [DSG205]\n"
     "{f}:3:3: kafka.mode: ZooKeeper mode needs a kafka.zookeeper section [DSG307]"),
    ("redis:\n  redis:\n    config:\n      maxmemory: 600mb\n",
     "{f}:5:7: redis.redis.config.maxmemory: 600mb is not below the memory limit 512Mi; Redis would be killed before evicting keys "
     "(with redis.redis.resources.limits.memory at {b}:{redis_limit_line}:16) [DSG305]"),
    ("postgres:\n  poolers:\n    postgres-cluster-pooler-rw:\n      instances: 8\n",
     "{f}:5:7: postgres.poolers.postgres-cluster-pooler-rw.instances: poolers open up to 240 server connections to the primary (postgres-cluster-pooler-rw 240: instances x (default_pool_size + reserve_pool_size)), more than max_connections 200 minus 3 reserved = 197 (with "
     "postgres.poolers.postgres-cluster-pooler-rw.parameters.default_pool_size at {b}:{line[        default_pool_size: \"25\"]}:9, "
     "postgres.poolers.postgres-cluster-pooler-rw.parameters.reserve_pool_size at {b}:{line[        reserve_pool_size: \"5\"]}:9, "
     "postgres.parameters.max_connections at {b}:{line[    max_connections: \"200\"]}:5) [DSG303]"),
    ("postgres:\n  bogus: 1\n",
     "{f}:3:3: postgres.bogus: unknown key; expected one of: enabled, name, instances, imageName, primaryUpdateStrategy, primaryUpdateMethod, parameters, synchronous, bootstrap, storage, walStorage, enablePDB, resources, spread, pod, backup, replica, roles, certificates, dynamicCredentials, poolers, access, patches"),
    ("postgres:\n  instances: 3\n  instances: 2\n", "{f}:4:3: duplicate key 'instances'"),
    ("postgres:\n\tinstances: 3\n", "{f}:3:1: tabs are not allowed in YAML indentation; use spaces"),
]


@pytest.mark.parametrize("extra,message", BAD_PROFILES)
def test_bad_profile_one_line_exit_2_out_untouched(rendered, cli, extra, message):
    profiles, out = rendered
    (profiles / "prod.yaml").write_text("extends: base\n" + extra)
    before = snapshot(out)
    result = cli("render", "--env", "prod", "--profiles", str(profiles), "--out", str(out))
    assert result.code == 2
    kafka_version_line = 1 + (profiles / "base.yaml").read_text().splitlines().index("  version: 4.1.1")
    lines = (profiles / "base.yaml").read_text().splitlines()

    class LineOf(dict):  # {line[TEXT]}: the line number of the first line TEXT of base.yaml
        def __missing__(self, text):
            return 1 + lines.index(text)

    assert result.err == message.format(f=f"{profiles}/prod.yaml", b=f"{profiles}/base.yaml", line=LineOf(),
                                        kafka_version_line=kafka_version_line,
                                        redis_limit_line=LineOf()["      limits: {memory: 512Mi, cpu: 200m}"]) + "\n"
    assert "Traceback" not in result.err and result.out == ""
    assert snapshot(out) == before


def test_unknown_environment_lists_the_known_ones(rendered, cli):
    profiles, out = rendered
    result = cli("render", "--env", "qa", "--profiles", str(profiles), "--out", str(out))
    assert (result.code, result.err) == (
        2, f"unknown environment 'qa': no {profiles}/qa.yaml (known: dev, prod, staging)\n")


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/b", "..", "Prod"])
def test_environment_names_cannot_escape(rendered, cli, name):
    profiles, out = rendered
    result = cli("render", "--env", name, "--profiles", str(profiles), "--out", str(out))
    assert result.code == 2
    assert result.err == f"{name!r} is not an environment name: use lower-case letters, digits, '-' and '_'\n"


def test_out_that_is_a_file(tmp_path, cli):
    target = tmp_path / "out"
    target.write_text("not a folder\n")
    result = cli("render", "--env", "prod", "--profiles", str(PROFILES), "--out", str(target))
    assert (result.code, result.err) == (2, f"{target}: --out must be a folder, not a file\n")
    assert target.read_text() == "not a folder\n"


def test_out_not_made_by_dsgen_is_never_replaced(tmp_path, cli):
    target = tmp_path / "repo"
    target.mkdir()
    (target / "README.md").write_text("mine\n")
    result = cli("render", "--env", "prod", "--profiles", str(PROFILES), "--out", str(target))
    assert result.code == 2
    assert result.err.startswith(f"{target}: holds files dsgen did not write (no .dsgen-tree)")
    assert [p.name for p in target.iterdir()] == ["README.md"]


def test_missing_profiles_folder(tmp_path, cli):
    result = cli("render", "--all", "--profiles", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert (result.code, result.err) == (2, f"{tmp_path / 'nope'}: profiles folder does not exist\n")
    assert not (tmp_path / "out").exists()


def test_env_and_all_together_is_a_usage_error(cli):
    result = cli("render", "--env", "prod", "--all", "--check")
    assert (result.code, result.err) == (2, "use either --env or --all, not both\n")


def test_internal_errors_are_one_line_with_exit_4(monkeypatch, capsys):
    from dsgen import cli as cli_module
    from dsgen import pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "render", boom)
    monkeypatch.setattr("sys.argv", ["dsgen", "render", "--env", "prod", "--check"])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 4
    assert capsys.readouterr().err == (
        "internal error: RuntimeError: boom (run with --debug for the traceback)\n")


def test_debug_shows_the_traceback_of_internal_errors(monkeypatch, capsys):
    from dsgen import cli as cli_module
    from dsgen import pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "render", boom)
    monkeypatch.setattr("sys.argv", ["dsgen", "--debug", "render", "--env", "prod", "--check"])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 4
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("internal error: RuntimeError: boom (run with --debug for the traceback)\n")


@pytest.mark.parametrize("name", ["profile.schema.json", "profile-extends.schema.json"])
def test_schema_command_matches_the_committed_schemas(tmp_path, cli, name):
    result = cli("schema", "--output", str(tmp_path))
    assert result.code == 0
    assert json.loads((tmp_path / name).read_text()) == json.loads((ROOT / "schemas" / name).read_text())


# ---------------------------------------------------------------- validate


def test_validate_valid_tree(rendered, cli, kubectl, crds):
    _, out = rendered
    result = cli("validate", "--all", "--out", str(out), "-s", str(CATALOG), "--summary")
    assert result.code == 0, result.out + result.err
    assert result.out == ("Summary: 120 resources found in 3 overlays - Valid: 120, Invalid: 0, "
                          "Errors: 0, Skipped: 0\n")


def test_validate_reports_invalid_documents(rendered, cli, kubectl, crds):
    _, out = rendered
    cluster = out / "base" / "postgres" / "cluster-postgres-cluster.yaml"
    cluster.write_text(cluster.read_text().replace("  instances: 3", "  instances: three"))
    result = cli("validate", "--env", "prod", "--out", str(out), "-s", str(CATALOG))
    assert result.code == 1
    assert result.out == (f"{cluster}\n"
                          "  INVALID [prod] Cluster/postgres-cluster /spec/instances: [DSG001] 'three' is not of type 'integer'\n")


def test_validate_json_and_junit(rendered, cli, kubectl, crds):
    _, out = rendered
    result = cli("validate", "--env", "dev", "--out", str(out), "-s", str(CATALOG), "-o", "json", "--summary")
    data = json.loads(result.out)
    assert data["summary"] == {"valid": 39, "invalid": 0, "errors": 0, "skipped": 0}
    assert {r["status"] for r in data["resources"]} == {"statusValid"}
    result = cli("validate", "--env", "dev", "--out", str(out), "-s", str(CATALOG), "-o", "junit")
    suite = ET.fromstring(result.out)
    assert suite.get("tests") == "39" and suite.get("failures") == "0"


def test_validate_without_schemas_is_an_error_per_custom_resource(rendered, cli, kubectl, tmp_path):
    _, out = rendered
    result = cli("validate", "--env", "dev", "--out", str(out), "-s", str(tmp_path))
    assert result.code == 1
    assert f"ERROR [dev] Cluster/postgres-cluster: [DSG002] no schema for postgresql.cnpg.io/v1 Cluster (looked in {tmp_path}/postgresql.cnpg.io/cluster_v1.json)" in result.out


def test_validate_unknown_overlay(rendered, cli):
    _, out = rendered
    result = cli("validate", "--env", "qa", "--out", str(out))
    assert result.code == 2
    assert result.err == (f"{out}/overlays/qa: no such overlay (rendered: dev, prod, staging); "
                          "run `dsgen render --env qa`\n")


def test_validate_a_tree_without_overlays(cli, tmp_path):
    (tmp_path / "out").mkdir()
    result = cli("validate", "--all", "--out", str(tmp_path / "out"))
    assert (result.code, result.err) == (2, f"{tmp_path / 'out'}: no overlays to validate; run `dsgen render --all`\n")


def test_validate_names_the_file_with_a_duplicate_key(rendered, cli):
    _, out = rendered
    cluster = out / "base" / "postgres" / "cluster-postgres-cluster.yaml"
    cluster.write_text(cluster.read_text().replace("kind: Cluster\n", "kind: Cluster\nkind: Cluster\n"))
    result = cli("validate", "--env", "prod", "--out", str(out), "-s", str(CATALOG))
    assert (result.code, result.err) == (1, "")
    assert result.out == f"{cluster}\n  ERROR [prod] line 5:1: duplicate key 'kind'\n"


@pytest.mark.parametrize("output_format", ["json", "junit"])
def test_a_report_is_complete_when_one_overlay_cannot_be_built(rendered, cli, kubectl, crds, output_format):
    """CI's report step always has a file: the broken overlay is an error entry."""
    _, out = rendered
    (out / "overlays" / "prod" / "postgres" / "pooler-postgres-cluster-pooler-ro.yaml").unlink()
    (out / "overlays" / "staging" / "redis" / "patch-redisfailover-redis-cluster.yaml").write_text("- op: [a\n")
    result = cli("validate", "--all", "--out", str(out), "-s", str(CATALOG), "-o", output_format)
    assert (result.code, result.err) == (1, "")
    if output_format == "json":
        entries = json.loads(result.out)["resources"]
        errors = [e for e in entries if e["status"] == "statusError"]
        assert [e["overlay"] for e in errors] == [str(out / "overlays/prod"), str(out / "overlays/staging")]
        assert "pooler-postgres-cluster-pooler-ro.yaml" in errors[0]["msg"]
        assert errors[1]["filename"] == str(out / "overlays/staging/redis/patch-redisfailover-redis-cluster.yaml")
        assert errors[1]["msg"] == "line 1:7: this '[' is never closed (found end of file at 2:1)"
        assert sum(e["overlay"] == str(out / "overlays/dev") and e["status"] == "statusValid" for e in entries) == 39
    else:
        assert '<testsuites name="dsgen" tests="41" failures="0" errors="2" skipped="0">' in result.out


def test_rules_lists_every_rule_once(cli):
    from dsgen import registry

    result = cli("rules")
    assert result.code == 0
    ids = [line.split()[0] for line in result.out.splitlines()]
    assert ids == sorted(registry.rules())


def test_render_says_what_changed(rendered, cli):
    profiles, out = rendered
    again = cli("render", "--all", "--profiles", str(profiles), "--out", str(out))
    assert again.out == f"rendered 112 files into {out} for dev, prod, staging: no file changed\n"
    (profiles / "staging.yaml").unlink()
    text = (profiles / "dev.yaml").read_text().replace("  instances: 1\n", "  instances: 2\n", 1)
    (profiles / "dev.yaml").write_text(text)
    result = cli("render", "--all", "--profiles", str(profiles), "--out", str(out), "--allow-destructive")
    # dev's Cluster patch and the tree's marker change; staging's 9 files and its runbook go
    assert result.out == f"rendered 93 files into {out} for dev, prod: 0 added, 2 changed, 19 removed\n"


def test_render_lists_risky_changes_and_refuses_them(rendered, cli):
    profiles, out = rendered
    text = (profiles / "base.yaml").read_text().replace("      partitions: 12\n", "      partitions: 6\n", 1)
    (profiles / "base.yaml").write_text(text)
    before = snapshot(out)
    risky = [f"{out}/overlays/{env}: KafkaTopic/order-events /spec/partitions: lowers partitions from 12 to 6: "
             "Kafka cannot remove partitions [DSG403]" for env in ("dev", "prod", "staging")]
    check = cli("render", "--all", "--profiles", str(profiles), "--out", str(out), "--check")
    assert check.code == 1
    assert check.err.splitlines()[:3] == [f"risky: {line}" for line in risky]
    refused = cli("render", "--all", "--profiles", str(profiles), "--out", str(out))
    assert (refused.code, refused.out) == (2, "")
    assert refused.err.splitlines() == risky + [
        "refusing to write 3 risky changes: fix the profiles, or render with --allow-destructive once the data is safe"]
    assert snapshot(out) == before
    allowed = cli("render", "--all", "--profiles", str(profiles), "--out", str(out), "--allow-destructive")
    assert allowed.code == 0 and "changed" in allowed.out


def test_the_readme_rules_table_lists_every_rule_once():
    from dsgen import registry
    from tests.conftest import ROOT

    rows = [line.split("|")[1].strip() for line in (ROOT / "README.md").read_text().splitlines()
            if line.startswith("| DSG")]
    assert rows == list(registry.rules())


def test_help_shows_metavars_and_the_choices_of_every_enum_option(cli):
    result = cli("validate", "-h")
    assert result.code == 0
    for shown in ("-e, --env ENV", "--out DIR", "-s, --schema-location DIR|URL|TEMPLATE",
                  "--engine <auto|builtin|kubeconform>", "-o, --output <text|json|junit>", "--skip RULE",
                  "--kubernetes-version VERSION"):
        assert shown in result.out
    assert "--example <ecotrack|minimal>" in cli("init", "--help").out
    assert "--from DIR|URL" in cli("schemas", "sync", "-h").out


def test_the_cli_choices_are_the_validators(cli):
    from dsgen import access, cli as cli_module, formats, scaffold
    from dsgen.validate import api
    from dsgen.validate.results import WRITERS

    assert cli_module.ENGINES == api.ENGINES
    assert cli_module.OUTPUT_FORMATS == tuple(WRITERS)
    assert cli_module.EXAMPLES == scaffold.EXAMPLES
    assert cli_module.ACCESS_FORMATS == access.OUTPUT_FORMATS
    assert cli_module.FORMAT_NAMES == tuple(formats.FORMATS)


def test_debug_is_accepted_after_the_subcommand(cli, tmp_path):
    result = cli("render", "--all", "--profiles", str(tmp_path / "nope"), "--debug")
    assert (result.code, result.err) == (2, f"{tmp_path / 'nope'}: profiles folder does not exist\n")


def test_shell_completion_is_offered(cli):
    result = cli("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert result.code == 0 and "_dsgen_completion" in result.out


def test_the_drift_check_names_empty_and_unparsable_stray_files(rendered, cli):
    profiles, out = rendered
    (out / "overlays" / "prod" / "empty.yaml").write_text("")
    (out / "base" / "broken.yaml").write_text("a: [1\n")
    result = cli("render", "--all", "--check", "--profiles", str(profiles), "--out", str(out))
    assert result.code == 1
    assert result.out.endswith(
        f"Only in {out}: base/broken.yaml: a file that is not valid YAML (base/broken.yaml:1:4: this '[' is "
        "never closed (found end of file at 2:1)) dsgen does not write; remove it\n"
        f"Only in {out}: overlays/prod/empty.yaml: an empty file dsgen does not write; remove it\n")
