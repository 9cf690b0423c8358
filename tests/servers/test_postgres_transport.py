"""The pg_hba lines dsgen writes for access.requireTls, on a real PostgreSQL
(Debian's package) laid out as CloudNativePG lays out pg_hba.conf: its fixed
rules, then the Cluster's pg_hba lines, then its default "host all all all
scram-sha-256" (pkg/postgres/configuration.go, 1.29.2). A client without TLS is
refused by the server; with TLS and the password it gets in (tests/servers/conftest.py
starts the server)."""

from __future__ import annotations

import os
import subprocess

import pytest

pytestmark = pytest.mark.slow


def connect(server, sslmode: str, password: str = "app-secret") -> subprocess.CompletedProcess:
    bindir, port, _ = server
    env = {**os.environ, "PGPASSWORD": password, "PGSSLMODE": sslmode, "PGCONNECT_TIMEOUT": "10"}
    return subprocess.run([bindir / "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "app", "-d", "postgres",
                           "-Atc", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"],
                          capture_output=True, text=True, env=env, timeout=60)


def test_a_client_without_tls_is_refused_by_the_server(server):
    done = connect(server, "disable")
    assert done.returncode != 0
    assert 'pg_hba.conf rejects connection for host "127.0.0.1", user "app", database "postgres", no encryption' \
        in done.stderr


def test_a_client_with_tls_and_the_password_gets_in(server):
    done = connect(server, "require")
    assert (done.returncode, done.stdout.strip()) == (0, "t")
    wrong = connect(server, "require", password="guess")
    assert wrong.returncode != 0 and 'password authentication failed for user "app"' in wrong.stderr
