"""The bundled prod's Redis on OT-Container-Kit's operator, run for real:
Debian's redis-server on loopback, one master, one replica and three
sentinels, each started from the config file the operator's pods would
write (operators/opstree.py follows internal/agent/bootstrap at v0.26.0)
for the rendered RedisReplication and RedisSentinel, with the rendered
ConfigMap included last, the same password, and TLS from a throw-away CA.

Two lines differ from a pod's, because the servers share one host: ``bind``
(loopback only) and ``pidfile`` (one each). The replica is pointed at the
master with REPLICAOF, which is what the operator does once the pods run.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from dsgen import pipeline
from dsgen.operators import opstree
from dsgen.profiles import ProfileStore
from tests.conftest import EXAMPLE, _missing

pytestmark = pytest.mark.slow

PASSWORD = "redis-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def rendered() -> dict:
    docs = [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]
    found = {d["kind"]: d for d in docs if d["kind"] in ("RedisReplication", "RedisSentinel")}
    [config] = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"]
                == found["RedisReplication"]["spec"]["redisConfig"]["additionalRedisConfig"]]
    found["ConfigMap"] = config
    return found


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, str]:
    """A throw-away CA and a certificate it signs for the loopback address,
    laid out as the TLS section names the files (ca.crt, tls.crt, tls.key)."""
    if not shutil.which("openssl"):
        _missing("openssl", "needed to make a throw-away CA")
    root = tmp_path_factory.mktemp("tls")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=root)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=redis-cluster", "-keyout", "tls.key", "-out", "tls.csr")
    (root / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
        "-extfile", "san.ext", "-out", "tls.crt")
    return {"ca": str(root / "ca.crt"), "cert": str(root / "tls.crt"), "key": str(root / "tls.key")}


def _localise(lines: list[str], name: str, work: Path) -> str:
    out = []
    for line in lines:
        if line.startswith("bind "):
            line = "bind 127.0.0.1"
        elif line.startswith("pidfile "):
            line = f"pidfile {work / name}.pid"
        out.append(line)
    return "\n".join(out) + "\n"


def _wait(check, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def cluster(rendered, certificates, tmp_path_factory):
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        _missing("redis-server", "apt-get install redis-server")
    work = tmp_path_factory.mktemp("redis")
    replication, sentinel = rendered["RedisReplication"]["spec"], rendered["RedisSentinel"]["spec"]
    tls = certificates if replication.get("TLS") else None
    extra = work / opstree.REDIS_CONFIG_KEY
    extra.write_text(rendered["ConfigMap"]["data"][opstree.REDIS_CONFIG_KEY])
    ports = {"master": _free_port(), "replica": _free_port()}
    processes: list[subprocess.Popen] = []

    def start(name: str, text: str, *extra_args: str) -> None:
        conf = work / f"{name}.conf"
        conf.write_text(text)
        (work / name).mkdir(exist_ok=True)
        processes.append(subprocess.Popen(["redis-server", str(conf), *extra_args], cwd=work / name,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    for name, port in ports.items():
        lines = opstree.redis_conf(password=PASSWORD, tls=tls, persistence="storage" in replication,
                                   include=str(extra), port=port, data_dir=str(work / name))
        start(name, _localise(lines, name, work))

    def cli(port: int, *args: str, password: str | None = PASSWORD, use_tls: bool = True):
        command = ["redis-cli", "-h", "127.0.0.1", "-p", str(port)]
        if use_tls and tls:
            command += ["--tls", "--cacert", tls["ca"]]
        if password:
            command += ["--no-auth-warning", "-a", password]
        return subprocess.run([*command, *args], capture_output=True, text=True, timeout=20)

    _wait(lambda: cli(ports["master"], "PING").stdout.strip() == "PONG", 20, "the master")
    _wait(lambda: cli(ports["replica"], "PING").stdout.strip() == "PONG", 20, "the replica")
    assert cli(ports["replica"], "REPLICAOF", "127.0.0.1", str(ports["master"])).stdout.strip() == "OK"
    _wait(lambda: "master_link_status:up" in cli(ports["replica"], "INFO", "replication").stdout, 30,
          "replication")

    config = sentinel["redisSentinelConfig"]
    settings = {field: config[key] for field, key in opstree.SENTINEL_FIELDS.items() if key in config}
    sentinels = [_free_port() for _ in range(sentinel["clusterSize"])]
    for index, port in enumerate(sentinels):
        lines = opstree.sentinel_conf(password=PASSWORD, master_ip="127.0.0.1", master_port=ports["master"],
                                      quorum=int(config["quorum"]), settings=settings, tls=tls, port=port)
        start(f"sentinel-{index}", _localise(lines, f"sentinel-{index}", work), "--sentinel")
    for port in sentinels:
        _wait(lambda p=port: cli(p, "PING").stdout.strip() == "PONG", 20, "a sentinel")
    _wait(lambda: all(cli(p, "SENTINEL", "master", opstree.MASTER_GROUP).stdout.count("\n") > 10
                      and _field(cli(p, "SENTINEL", "master", opstree.MASTER_GROUP).stdout, "num-other-sentinels")
                      == str(len(sentinels) - 1) for p in sentinels), 60, "the sentinels to find each other")
    yield {"ports": ports, "sentinels": sentinels, "cli": cli, "processes": processes, "settings": settings}
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def _field(reply: str, name: str) -> str | None:
    items = reply.strip().splitlines()
    for key, value in zip(items[::2], items[1::2]):
        if key == name:
            return value
    return None


def test_clients_must_use_tls_and_the_password(cluster):
    cli, master = cluster["cli"], cluster["ports"]["master"]
    plain = cli(master, "PING", use_tls=False)
    assert "PONG" not in plain.stdout
    anonymous = cli(master, "PING", password=None)
    assert "NOAUTH" in anonymous.stdout + anonymous.stderr
    assert cli(master, "PING").stdout.strip() == "PONG"
    sentinel = cluster["sentinels"][0]
    anonymous = cli(sentinel, "SENTINEL", "get-master-addr-by-name", opstree.MASTER_GROUP, password=None)
    assert "NOAUTH" in anonymous.stdout + anonymous.stderr  # the sentinels require the password too


def test_the_profile_settings_hold_from_start_up(cluster):
    cli, master = cluster["cli"], cluster["ports"]["master"]

    def get(key: str) -> str:
        return cli(master, "CONFIG", "GET", key).stdout.splitlines()[1]

    assert get("appendonly") == "yes"
    assert get("maxmemory") == str(400 * 1024 * 1024)  # 400mb
    assert get("maxmemory-policy") == "allkeys-lru"
    assert get("save") == "900 1 300 10 60 10000"  # the profile's points, not added to the operator's
    assert get("tcp-keepalive") == "300"  # the included file comes after the operator's 60
    assert get("requirepass") == PASSWORD


def test_the_sentinels_promote_the_replica_when_the_master_dies(cluster):
    cli, ports = cluster["cli"], cluster["ports"]
    assert cli(ports["master"], "SET", "greeting", "hello").stdout.strip() == "OK"
    _wait(lambda: cli(ports["replica"], "GET", "greeting").stdout.strip() == "hello", 10, "the key to replicate")
    cluster["processes"][0].kill()  # the master
    cluster["processes"][0].wait(timeout=10)
    timeout = (int(cluster["settings"].get("down-after-milliseconds", 30000))
               + int(cluster["settings"].get("failover-timeout", 180000))) / 1000 + 20
    _wait(lambda: cli(cluster["sentinels"][0], "SENTINEL", "get-master-addr-by-name",
                      opstree.MASTER_GROUP).stdout.split() == ["127.0.0.1", str(ports["replica"])], timeout,
          "the sentinels to promote the replica")
    assert "role:master" in cli(ports["replica"], "INFO", "replication").stdout
    assert cli(ports["replica"], "GET", "greeting").stdout.strip() == "hello"
