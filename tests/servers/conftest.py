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
from tests.conftest import PROFILES, _missing


@pytest.fixture(scope="session")
def prod_cluster() -> dict:
    rendered = pipeline.render_env(ProfileStore(PROFILES), "prod")
    [cluster] = [r.doc for r in rendered.resources if r.doc["kind"] == "Cluster"]
    return cluster


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        _missing("PostgreSQL", "no /usr/lib/postgresql/*/bin/postgres (apt-get install postgresql-15)")
    if not shutil.which("openssl"):
        _missing("openssl", "needed to make a throw-away server certificate")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(prod_cluster):
    bindir = _bindir()
    user_lines = prod_cluster["spec"]["postgresql"]["pg_hba"]
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # A folder the postgres user can reach (pytest's own is private to root).
    work = Path(tempfile.mkdtemp(prefix="dsgen-pg-"))
    if as_user:
        shutil.chown(work, "postgres")
    data = work / "data"
    subprocess.run([*as_user, bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-locale"], check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=postgres-cluster-rw", "-keyout", data / "server.key", "-out", data / "server.crt"],
                   check=True, capture_output=True)
    for name in ("server.key", "server.crt"):
        os.chmod(data / name, 0o600)
        if as_user:
            shutil.chown(data / name, "postgres")
    (data / "pg_hba.conf").write_text("\n".join([
        "local all all trust",  # stands for CloudNativePG's fixed local rules
        *user_lines,
        "host all all all scram-sha-256",  # CloudNativePG's default rule
    ]) + "\n")
    port = _free_port()
    process = subprocess.Popen([*as_user, bindir / "postgres", "-D", data, "-k", work, "-p", str(port),
                                "-c", "listen_addresses=127.0.0.1", "-c", "ssl=on",
                                "-c", "ssl_min_protocol_version=TLSv1.3",  # CloudNativePG's default
                                "-c", "password_encryption=scram-sha-256"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    psql = [*as_user, bindir / "psql", "-h", str(work), "-p", str(port), "-U", "postgres", "-d", "postgres", "-Atc"]
    for _ in range(100):
        if subprocess.run([*psql, "SELECT 1"], capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail("the PostgreSQL server did not start")
    subprocess.run([*psql, "CREATE ROLE app LOGIN PASSWORD 'app-secret'"], check=True, capture_output=True)
    yield bindir, port, psql
    process.terminate()
    process.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)


