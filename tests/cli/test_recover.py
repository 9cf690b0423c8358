"""dsgen recover: a restore tree from an environment's archive; dsgen runbook;
the bundled prod-dr replica cluster."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dsgen import pipeline, yamlio
from dsgen.errors import UsageError
from tests.conftest import ROOT

BUNDLED = ROOT / "profiles"
TO = "2026-12-01T11:30:00+01:00"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    profiles = tmp_path / "profiles"
    shutil.copytree(BUNDLED, profiles)
    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    return profiles, out


def documents(folder: Path) -> dict[tuple[str, str], dict]:
    docs = {}
    for path in sorted(folder.glob("*.yaml")):
        for doc in yamlio.load_documents(path.read_text(), path.name):
            if doc.get("kind") != "Kustomization":
                docs[(doc["kind"], doc["metadata"]["name"])] = doc
    return docs


def test_a_restore_is_a_new_cluster_from_the_archive_that_archives_apart(project, cli):
    profiles, out = project
    result = cli("recover", "--env", "prod", "--to", TO, "--profiles", str(profiles), "--out", str(out / "r"))
    assert result.code == 0, result.err
    name = "postgres-cluster-pitr-202612011030"  # the target in UTC
    assert result.out == (f"wrote the restore of prod as cluster {name} into {out / 'r'}; next:\n"
                          f"  dsgen validate {out / 'r'} --profile prod --closed && kubectl apply -k {out / 'r'}\n")
    docs = documents(out / "r")
    spec = docs[("Cluster", name)]["spec"]
    assert spec["bootstrap"] == {"recovery": {
        "source": "origin", "recoveryTarget": {"targetTime": "2026-12-01T10:30:00Z"},
        "database": "ecotrack", "owner": "ecotrack", "secret": {"name": "postgres-credentials"}}}
    # It reads the original's archive under the original's serverName ...
    assert spec["externalClusters"] == [{"name": "origin", "plugin": {
        "name": "barman-cloud.cloudnative-pg.io",
        "parameters": {"barmanObjectName": f"{name}-origin", "serverName": "postgres-cluster"}}}]
    origin = docs[("ObjectStore", f"{name}-origin")]["spec"]
    assert origin["configuration"]["destinationPath"] == "s3://eks-learning-lab-postgres-backups/postgres-cluster/prod"
    assert "retentionPolicy" not in origin  # its sidecar never deletes the original's backups
    # ... and archives under its own (the default serverName is the Cluster's name).
    assert spec["plugins"] == [{"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True,
                                "parameters": {"barmanObjectName": f"{name}-s3"}}]
    assert "serverName" not in docs[("ObjectStore", f"{name}-s3")]["spec"]["configuration"]
    # Its roles keep the original's Secrets; nothing of it takes an original's name.
    secrets = [r["passwordSecret"]["name"] for r in spec["managed"]["roles"] if "passwordSecret" in r]
    assert secrets == ["postgres-cluster-ecotrack-readonly", "postgres-cluster-ecotrack-backup"]
    assert sorted(n for k, n in docs if k == "ScheduledBackup") == [f"{name}-backup-daily", f"{name}-backup-weekly"]
    assert not [k for k, _ in docs if k == "Pooler"]
    assert all(n.startswith(name) for _, n in docs)
    check = cli("validate", str(out / "r"), "--profile", "prod", "--closed")  # the bundled profiles
    assert check.code == 0, check.out + check.err


def test_patches_of_a_whole_kind_reach_the_restored_cluster_and_named_ones_do_not(project, cli):
    profiles, out = project
    path = profiles / "prod.yaml"
    path.write_text(path.read_text().replace("\npostgres:\n", """
postgres:
  patches:
    - target: {kind: Cluster}
      patch: {spec: {enableSuperuserAccess: false}}
    - target: {kind: Cluster, name: postgres-cluster}
      patch: {spec: {description: the original}}
    - target: {kind: Pooler}
      patch: {spec: {instances: 3}}
""", 1))
    result = cli("recover", "--env", "prod", "--to", TO, "--profiles", str(profiles), "--out", str(out / "r"))
    assert result.code == 0, result.err
    spec = documents(out / "r")[("Cluster", "postgres-cluster-pitr-202612011030")]["spec"]
    assert spec["enableSuperuserAccess"] is False  # every Cluster's patch: the restored one's too
    assert "description" not in spec  # a patch of the original by name
    # a patch of a whole kind the restore does not render (it has no poolers) is not an error


def test_the_same_command_writes_the_same_bytes_and_render_keeps_it(project, cli):
    profiles, out = project
    args = ["recover", "--env", "prod", "--to", TO, "--backup-id", "20261201T020000", "--profiles", str(profiles),
            "--out"]
    assert cli(*args, str(out / "a")).code == 0
    # without --out: under the tree, recovery/<env>/<name>
    pipeline.write_recovery(pipeline.recover(profiles, out, "prod", TO, "20261201T020000"))
    kept = out / "recovery" / "prod" / "postgres-cluster-pitr-202612011030"
    first = {p.name: p.read_bytes() for p in (out / "a").iterdir()}
    assert first == {p.name: p.read_bytes() for p in kept.iterdir()}
    spec = documents(kept)[("Cluster", "postgres-cluster-pitr-202612011030")]["spec"]
    assert spec["bootstrap"]["recovery"]["recoveryTarget"] == {"backupID": "20261201T020000",
                                                               "targetTime": "2026-12-01T10:30:00Z"}
    shutil.rmtree(out / "a")
    assert cli("render", "--all", "--profiles", str(profiles), "--out", str(out)).code == 0
    assert {p.name: p.read_bytes() for p in kept.iterdir()} == first
    check = cli("render", "--all", "--check", "--profiles", str(profiles), "--out", str(out))
    assert check.code == 0, check.out


@pytest.mark.parametrize("to,backup_id,message", [
    ("2026-12-01 10:30", None, "--to '2026-12-01 10:30': not an RFC 3339 time; give a date, time and zone, "
     "e.g. 2026-12-03T10:30:00Z or 2026-12-03T11:30:00+01:00"),
    ("2026-12-01T10:30:00", None, "--to '2026-12-01T10:30:00': not an RFC 3339 time; give a date, time and zone, "
     "e.g. 2026-12-03T10:30:00Z or 2026-12-03T11:30:00+01:00"),
    ("2026-02-30T10:30:00Z", None, "--to '2026-02-30T10:30:00Z': not a real time (day is out of range for month)"),
    ("2026-12-03T12:00:01Z", None, "--to '2026-12-03T12:00:01Z': is in the future; the archive holds only "
     "what has happened"),
    (TO, "2026-12-01", "--backup-id '2026-12-01': not a Barman backup id; give its start time as YYYYMMDDTHHMMSS, "
     "e.g. 20261203T020000 (kubectl cnpg backup list shows them)"),
])
def test_a_bad_target_is_a_usage_error(project, to, backup_id, message):
    profiles, out = project
    with pytest.raises(UsageError) as caught:
        pipeline.recover(profiles, out, "prod", to, backup_id, now=NOW)
    assert str(caught.value) == message


def test_bad_targets_exit_2_and_write_nothing(project, cli):
    profiles, out = project
    result = cli("recover", "--env", "prod", "--to", "tomorrow", "--profiles", str(profiles), "--out", str(out / "r"))
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("--to 'tomorrow': not an RFC 3339 time")
    assert not (out / "r").exists()
    result = cli("recover", "--env", "prod", "--to", TO, "--name", "postgres-cluster", "--profiles", str(profiles))
    assert (result.code, result.err) == (2, "--name postgres-cluster: is the environment's cluster; the restore needs "
                                            "a name of its own, so that it archives apart from the original\n")


def test_before_the_plugin_the_restore_uses_the_in_tree_object_store(project, cli):
    profiles, out = project
    base = profiles / "base.yaml"
    base.write_text(base.read_text().replace('cloudnativepg: "1.29.0"', 'cloudnativepg: "1.25.1"'))
    result = cli("recover", "--env", "staging", "--to", TO, "--profiles", str(profiles), "--out", str(out / "r"))
    assert result.code == 0, result.err
    docs = documents(out / "r")
    spec = docs[("Cluster", "postgres-cluster-pitr-202612011030")]["spec"]
    [origin] = spec["externalClusters"]
    assert origin["name"] == "origin" and "plugin" not in origin
    assert (origin["barmanObjectStore"]["destinationPath"], origin["barmanObjectStore"]["serverName"]) == (
        "s3://eks-learning-lab-postgres-backups/postgres-cluster/staging", "postgres-cluster")
    assert spec["backup"]["barmanObjectStore"]["destinationPath"] == origin["barmanObjectStore"]["destinationPath"]
    assert "serverName" not in spec["backup"]["barmanObjectStore"]  # the new cluster's name
    assert not [k for k, _ in docs if k == "ObjectStore"]
    assert "plugins" not in spec


def test_the_dr_environment_follows_prods_archive(project):
    profiles, out = project
    built = {(d["kind"], d["metadata"]["name"]): d for d in
             (r.doc for r in pipeline.render_env(pipeline.ProfileStore(profiles), "prod-dr").resources)}
    spec = built[("Cluster", "postgres-cluster")]["spec"]
    assert spec["replica"] == {"enabled": True, "source": "origin"}
    assert spec["bootstrap"] == {"recovery": {"source": "origin", "database": "ecotrack", "owner": "ecotrack",
                                              "secret": {"name": "postgres-credentials"}}}
    assert spec["externalClusters"][0]["plugin"]["parameters"] == {
        "barmanObjectName": "postgres-cluster-origin", "serverName": "postgres-cluster"}
    origin = built[("ObjectStore", "postgres-cluster-origin")]["spec"]
    assert origin["configuration"]["destinationPath"] == \
        "s3://eks-learning-lab-postgres-backups-us-west-2/postgres-cluster/prod"
    assert "retentionPolicy" not in origin
    own = built[("ObjectStore", "postgres-cluster-s3")]["spec"]["configuration"]
    assert (own["destinationPath"], own["endpointURL"]) == (
        "s3://eks-learning-lab-postgres-backups-us-west-2/postgres-cluster/prod-dr", "https://s3.us-west-2.amazonaws.com")


@pytest.mark.parametrize("edit,message", [
    ("  replica:\n    source:\n      destinationPath: s3://eks-learning-lab-postgres-backups-us-west-2/postgres-cluster/prod-dr\n",
     "postgres.replica.source.destinationPath: the replica reads s3://eks-learning-lab-postgres-backups-us-west-2/"
     "postgres-cluster/prod-dr as serverName postgres-cluster, which is where it archives itself; point "
     "source.destinationPath at the primary's archive [DSG336]"),
    ("  dynamicCredentials:\n    adminRole: openbao\n    roles:\n      ecotrack-app:\n        secret: postgres-app-credentials\n"
     "        memberOf: [ecotrack_app]\n",
     "postgres.replica.enabled: a replica cluster is read-only until promoted, so OpenBao cannot create users in it; "
     "set postgres.dynamicCredentials: null here, and back when you promote it [DSG336]"),
])
def test_a_replica_that_cannot_work_is_refused(project, cli, edit, message):
    profiles, out = project
    dr = profiles / "prod-dr.yaml"
    text = dr.read_text()
    if "replica" in edit:
        text = text.replace("  replica:\n    enabled: true\n    source:\n      destinationPath: "
                            "s3://eks-learning-lab-postgres-backups-us-west-2/postgres-cluster/prod\n", edit)
    else:
        text = text.replace("  dynamicCredentials: null\n", edit)
    dr.write_text(text)
    result = cli("render", "--env", "prod-dr", "--profiles", str(profiles), "--out", str(out))
    assert result.code == 2
    assert any(line.endswith(message) for line in result.err.splitlines()), result.err


def test_the_replicas_own_s3_credentials_come_from_somewhere(project, cli):
    profiles, out = project
    dr = profiles / "prod-dr.yaml"
    dr.write_text(dr.read_text().replace("      serverName: postgres-cluster\n", "      serverName: postgres-cluster\n"
                                         "      s3: {region: us-west-2, credentialsSecret: prod-archive-reader}\n"))
    result = cli("render", "--env", "prod-dr", "--profiles", str(profiles), "--out", str(out))
    assert result.code == 2
    assert result.err.endswith("postgres.replica.source.s3.credentialsSecret: Secret 'prod-archive-reader' comes "
                               "from nowhere: give it an OpenBao path in secrets.credentials, or list it in "
                               "externalSecrets if the cluster holds it [DSG331]\n"), result.err


def test_the_runbook_command_prints_what_render_writes(project, cli, tmp_path):
    profiles, out = project
    for env in ("prod", "prod-dr"):
        printed = cli("runbook", "--env", env, "--profiles", str(profiles))
        assert printed.code == 0, printed.err
        assert printed.out == (ROOT / "out" / "runbook" / f"{env}.md").read_text()
    page = cli("runbook", "--env", "prod", "--profiles", str(profiles)).out
    assert ("| PostgreSQL | 15 minutes | 5 minutes | nothing committed when the primary fails (synchronous "
            "replication); up to 5min of commits if the whole cluster is lost (archive_timeout) |") in page
    assert "`dsgen recover --env prod --to TIME`" in page
    assert "- base backup weekly on cron `0 2 * * 0` into `s3://eks-learning-lab-postgres-backups/postgres-cluster/" \
           "prod` as serverName `postgres-cluster`" in page
    assert "promote this replica cluster" not in page
    dr = cli("runbook", "--env", "prod-dr", "--profiles", str(profiles)).out
    assert "1. Disaster recovery (the primary's region is lost): promote this replica cluster by setting " \
           "postgres.replica.enabled: false in profiles/prod-dr.yaml" in dr
    written = cli("runbook", "--env", "dev", "--profiles", str(profiles), "--out", str(tmp_path / "dev.md"))
    assert (written.code, written.out) == (0, f"wrote the runbook of dev to {tmp_path / 'dev.md'}\n")
    assert (tmp_path / "dev.md").read_text() == (ROOT / "out" / "runbook" / "dev.md").read_text()
