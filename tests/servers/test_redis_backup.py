"""The Redis backup job's snapshot step, run for real: Debian's redis-server
on loopback as a master and a replica with TLS and a password, a sentinel
that requires the password too (the bundled prod, on OT-Container-Kit's
operator), and the shell script of the rendered CronJob, with the
environment the CronJob gives it pointed at loopback. The snapshot must come
from the replica, and a fresh server started from it must hold the keys."""

from __future__ import annotations

import gzip
import shutil
import subprocess

import pytest

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from tests.conftest import EXAMPLE, _missing
from tests.servers import test_redis_opstree as opstree_test

pytestmark = pytest.mark.slow

PASSWORD = "redis-backup-secret"
certificates = opstree_test.certificates  # the throw-away CA fixture
_free_port, _wait = opstree_test._free_port, opstree_test._wait


@pytest.fixture(scope="module")
def job() -> dict:
    docs = [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]
    [cron] = [d for d in docs if d["kind"] == "CronJob" and d["metadata"]["name"] == "redis-cluster-backup-rdb"]
    [snapshot] = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"]
    return snapshot


def test_the_snapshot_step_takes_an_rdb_from_a_replica_that_restores(job, certificates, tmp_path):
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        _missing("redis-server", "apt-get install redis-server")
    tls = ["--tls-cert-file", certificates["cert"], "--tls-key-file", certificates["key"],
           "--tls-ca-cert-file", certificates["ca"], "--tls-auth-clients", "optional", "--tls-replication", "yes"]
    master, replica, sentinel, restored = (_free_port() for _ in range(4))
    processes = []

    def server(name: str, port: int, *extra: str) -> None:
        (tmp_path / name).mkdir()
        processes.append(subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", "0", "--tls-port", str(port), *tls,
             "--requirepass", PASSWORD, "--masterauth", PASSWORD, "--dir", str(tmp_path / name),
             "--appendonly", "no", "--save", "", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def cli(port: int, *args: str) -> str:
        return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--tls", "--cacert", certificates["ca"],
                               "--no-auth-warning", "-a", PASSWORD, *args],
                              capture_output=True, text=True, timeout=20).stdout.strip()

    try:
        server("master", master)
        server("replica", replica, "--replicaof", "127.0.0.1", str(master))
        conf = tmp_path / "sentinel.conf"
        conf.write_text("\n".join([
            "bind 127.0.0.1", "port 0", f"tls-port {sentinel}", f"tls-cert-file {certificates['cert']}",
            f"tls-key-file {certificates['key']}", f"tls-ca-cert-file {certificates['ca']}",
            "tls-auth-clients optional", "tls-replication yes", f"requirepass {PASSWORD}",
            f"sentinel monitor mymaster 127.0.0.1 {master} 1", f"sentinel auth-pass mymaster {PASSWORD}", ""]))
        processes.append(subprocess.Popen(["redis-server", str(conf), "--sentinel"], cwd=tmp_path,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait(lambda: cli(master, "PING") == "PONG", 20, "the master")
        for number in range(100):
            cli(master, "SET", f"order:{number}", f"value-{number}")
        _wait(lambda: "master_link_status:up" in cli(replica, "INFO", "replication"), 30, "replication")
        _wait(lambda: cli(replica, "GET", "order:99") == "value-99", 20, "the replica to have the keys")
        def replica_seen() -> bool:
            lines = cli(sentinel, "SENTINEL", "REPLICAS", "mymaster").splitlines()
            fields = dict(zip(lines[::2], lines[1::2]))
            return (fields.get("flags"), fields.get("port"), fields.get("master-link-status")) == (
                "slave", str(replica), "ok")

        _wait(replica_seen, 30, "the sentinel to see the replica up")

        env = {e["name"]: e.get("value") for e in job["env"]}
        # The rendered job asks the sentinels with the password and over TLS (opstree, redis.tls).
        assert {"REDIS_PASSWORD", "SENTINEL_PASSWORD", "REDIS_CA"} <= set(env)
        work = tmp_path / "work"
        work.mkdir()
        env.update({"WORK": str(work), "SENTINEL_HOST": "127.0.0.1", "SENTINEL_PORT": str(sentinel),
                    "REDIS_PASSWORD": PASSWORD, "SENTINEL_PASSWORD": PASSWORD, "REDIS_CA": certificates["ca"],
                    "PATH": "/usr/local/bin:/usr/bin:/bin"})
        assert job["command"][:2] == ["/bin/sh", "-c"]
        done = subprocess.run(job["command"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert f"snapshot of 127.0.0.1:{replica} taken" in done.stdout, (master, replica, done.stderr)  # not the master

        (tmp_path / "restored").mkdir()
        (tmp_path / "restored" / "dump.rdb").write_bytes(gzip.decompress((work / "dump.rdb.gz").read_bytes()))
        processes.append(subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(restored), "--dir", str(tmp_path / "restored"),
             "--dbfilename", "dump.rdb", "--appendonly", "no"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))

        def plain(*args: str) -> str:
            return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(restored), *args],
                                  capture_output=True, text=True, timeout=20).stdout.strip()

        _wait(lambda: plain("PING") == "PONG", 20, "the restored server")
        assert plain("DBSIZE") == "100"
        assert plain("GET", "order:42") == "value-42"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
