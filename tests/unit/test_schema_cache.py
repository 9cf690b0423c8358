"""The schema lock and cache: sync verifies every hash; validate picks sets
by the pinned operator versions."""

from __future__ import annotations

import shutil

import pytest

from dsgen.validate import cache
from tests.conftest import ROOT


@pytest.fixture
def lock():
    return cache.read_lock(ROOT / "schemas" / "lock.json")


def test_lock_covers_both_sets_and_every_rendered_kind(lock):
    assert set(lock["sets"]) == {"catalog", "strimzi-0.45"}
    catalog = lock["sets"]["catalog"]["files"]
    for needed in ("postgresql.cnpg.io/cluster_v1.json", "postgresql.cnpg.io/pooler_v1.json",
                   "databases.spotahome.com/redisfailover_v1.json", "kafka.strimzi.io/kafka_v1.json",
                   "kafka.strimzi.io/kafkanodepool_v1.json", "kafka.strimzi.io/kafkatopic_v1.json",
                   "kafka.strimzi.io/kafkauser_v1.json"):
        assert needed in catalog
    assert "kafka.strimzi.io/kafka_v1beta2.json" in lock["sets"]["strimzi-0.45"]["files"]


def test_lock_matches_the_shared_schemas(crds, lock):
    assert cache.make_lock(crds) == lock


def test_sync_copies_and_verifies(crds, lock, tmp_path):
    written = cache.sync(str(crds), lock, tmp_path / "cache")
    assert written == sum(len(s["files"]) for s in lock["sets"].values())
    assert (tmp_path / "cache" / "catalog" / "postgresql.cnpg.io" / "cluster_v1.json").read_bytes() == \
        (crds / "catalog" / "postgresql.cnpg.io" / "cluster_v1.json").read_bytes()


def test_sync_refuses_a_tampered_file(crds, lock, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(crds, source)
    target = source / "catalog" / "postgresql.cnpg.io" / "pooler_v1.json"
    target.write_text(target.read_text().replace('"integer"', '"string"', 1))
    (source / "strimzi-0.45" / "kafka.strimzi.io" / "kafkauser_v1beta2.json").unlink()
    with pytest.raises(cache.SchemaCacheError) as info:
        cache.sync(str(source), lock, tmp_path / "cache")
    lines = info.value.lines()[0].splitlines()
    assert lines[0].startswith("catalog/postgresql.cnpg.io/pooler_v1.json: sha256 ")
    assert lines[0].endswith(f"does not match the lock ({lock['sets']['catalog']['files']['postgresql.cnpg.io/pooler_v1.json']})")
    assert lines[1] == f"strimzi-0.45/kafka.strimzi.io/kafkauser_v1beta2.json: missing in {source}"


def test_locations_follow_the_pinned_strimzi(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "strimzi-0.45").mkdir()
    assert cache.locations_for({"strimzi": "0.41.0"}, tmp_path) == [
        str(tmp_path / "strimzi-0.45"), str(tmp_path / "catalog")]
    assert cache.locations_for({"strimzi": "0.49.1"}, tmp_path) == [str(tmp_path / "catalog")]
    assert cache.locations_for({}, tmp_path / "nothing") == []


def test_validate_offline_from_the_synced_cache(crds, kubectl, cli, tmp_path):
    env = {"DSGEN_CACHE_DIR": str(tmp_path / "cache"), "DSGEN_SCHEMA_LOCATION": ""}
    assert cli("schemas", "sync", "--from", str(crds), env=env).code == 0
    out = tmp_path / "out"
    assert cli("render", "--all", "--profiles", str(ROOT / "tests/data/profiles-zookeeper"), "--out", str(out)).code == 0
    result = cli("validate", "--all", "--out", str(out), "--summary", env=env, cwd=tmp_path)  # no dsgen.yaml
    assert (result.code, result.out) == (0, "Summary: 11 resources found in 1 overlays - Valid: 11, Invalid: 0, Errors: 0, Skipped: 0\n")


def test_the_packaged_bundle_holds_exactly_the_locked_schemas(lock):
    files = cache.read_bundle(cache.packaged_bundle().read_bytes(), lock)
    assert len(files) == sum(len(s["files"]) for s in lock["sets"].values())


def test_the_packaged_bundle_is_what_the_script_builds_from_the_shared_schemas(crds, lock):
    assert cache.build_bundle(crds, lock) == cache.packaged_bundle().read_bytes()


def test_a_bundle_with_a_changed_file_is_refused(crds, lock, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(crds, source)
    data = cache.build_bundle(source, lock)
    tampered = {**lock, "sets": {**lock["sets"], "catalog": {
        **lock["sets"]["catalog"], "files": {**lock["sets"]["catalog"]["files"],
                                             "postgresql.cnpg.io/pooler_v1.json": "0" * 64}}}}
    with pytest.raises(cache.SchemaCacheError) as info:
        cache.read_bundle(data, tampered)
    assert str(info.value) == "schema bundle: catalog/postgresql.cnpg.io/pooler_v1.json does not match the lock"


def test_validate_offline_with_nothing_synced_uses_the_bundle(kubectl, cli, tmp_path):
    env = {"DSGEN_CACHE_DIR": str(tmp_path / "cache" / "schemas"), "DSGEN_SCHEMA_LOCATION": ""}
    out = tmp_path / "out"
    assert cli("render", "--all", "--profiles", str(ROOT / "tests/data/profiles-zookeeper"), "--out", str(out)).code == 0
    result = cli("validate", "--all", "--out", str(out), "--summary", env=env, cwd=tmp_path)
    assert (result.code, result.out) == (0, "Summary: 11 resources found in 1 overlays - Valid: 11, Invalid: 0, Errors: 0, Skipped: 0\n")
    [unpacked] = (tmp_path / "cache" / "bundle").iterdir()
    assert (unpacked / "strimzi-0.45" / "kafka.strimzi.io" / "kafka_v1beta2.json").is_file()


@pytest.mark.parametrize("source, code, message", [
    ("{tmp}/nope", 2, "--from {tmp}/nope: no such folder"),
    ("s3://bucket/crds", 2, "--from s3://bucket/crds: unsupported scheme s3://; give a folder, a file:// path or an http(s):// URL"),
    ("http://127.0.0.1:9/crds", 3, "--from http://127.0.0.1:9/crds: cannot reach it: [Errno 111] Connection refused (GET http://127.0.0.1:9/crds/catalog/"),
    ("{tmp}", 2, "--from {tmp}: holds none of the {count} locked schemas (expected sets catalog, strimzi-0.45, e.g. catalog/"),
])
def test_sync_names_the_real_cause_in_one_line(cli, tmp_path, source, code, message):
    count = sum(len(s["files"]) for s in cache.read_lock()["sets"].values())
    source, message = source.format(tmp=tmp_path), message.format(tmp=tmp_path, count=count)
    result = cli("schemas", "sync", "--from", source, env={"DSGEN_CACHE_DIR": str(tmp_path / "cache")})
    assert result.code == code
    assert len(result.err.splitlines()) == 1 and result.err.startswith(message), result.err
