"""The roles dsgen asks CloudNativePG to manage, created on a real PostgreSQL
with the statement CloudNativePG builds for each (internal/management/
controller/roles/postgres.go Create, appendRoleOptions, appendInRoleOptions,
1.29.2), then used over TLS: each role can do what the design grants and no more."""

from __future__ import annotations

import os
import subprocess

import pytest

pytestmark = pytest.mark.slow


def create_role(role: dict, password: str) -> str:
    """CloudNativePG's CREATE ROLE for a spec.managed.roles entry (its
    password arrives SCRAM-encoded; PostgreSQL encodes a plain one the same way
    under password_encryption scram-sha-256)."""
    flags = [("BYPASSRLS", role.get("bypassrls")), ("CREATEDB", role.get("createdb")),
             ("CREATEROLE", role.get("createrole")), ("INHERIT", role.get("inherit", True)),
             ("LOGIN", role.get("login")), ("REPLICATION", role.get("replication")),
             ("SUPERUSER", role.get("superuser"))]
    query = f'CREATE ROLE "{role["name"]}"' + "".join(f" {'' if on else 'NO'}{flag}" for flag, on in flags)
    query += f" CONNECTION LIMIT {role.get('connectionLimit', -1)}"
    if role.get("inRoles"):
        query += " IN ROLE " + ",".join(f'"{name}"' for name in role["inRoles"])
    return query + f" PASSWORD '{password}'"


@pytest.fixture(scope="module")
def roles(server, prod_cluster) -> dict:
    _, _, psql = server
    managed = {role["name"]: role for role in prod_cluster["spec"]["managed"]["roles"]}
    owner = prod_cluster["spec"]["bootstrap"]["initdb"]["owner"]
    setup = [f'CREATE ROLE "{owner}" LOGIN', f'CREATE DATABASE app OWNER "{owner}"']
    setup += [create_role(role, f"{name}-secret") for name, role in managed.items()]
    for statement in setup:
        done = subprocess.run([*psql, statement], capture_output=True, text=True)
        assert done.returncode == 0, (statement, done.stderr)
    table = ["SET ROLE " + f'"{owner}"', "CREATE TABLE readings (id int)", "INSERT INTO readings VALUES (1)"]
    done = subprocess.run([*psql[:-3], "-d", "app", "-Atc", "; ".join(table)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return managed


def run_as(server, role: str, sql: str) -> subprocess.CompletedProcess:
    bindir, port, _ = server
    env = {**os.environ, "PGPASSWORD": f"{role}-secret", "PGSSLMODE": "require", "PGCONNECT_TIMEOUT": "10"}
    return subprocess.run([bindir / "psql", "-h", "127.0.0.1", "-p", str(port), "-U", role, "-d", "app",
                           "-v", "ON_ERROR_STOP=1", "-Atc", sql], capture_output=True, text=True, env=env,
                          timeout=60)


def allowed(server, role: str, sql: str) -> bool:
    done = run_as(server, role, sql)
    refused = ("permission denied", "must be owner")  # PostgreSQL's two words for "not yours"
    assert done.returncode == 0 or any(word in done.stderr for word in refused), done.stderr
    return done.returncode == 0


CAN = {
    # the design: ecotrack_app reads and writes tables; ecotrack_readonly reads;
    # ecotrack_backup reads (and streams WAL, below)
    "ecotrack_app": {"SELECT count(*) FROM readings": True, "INSERT INTO readings VALUES (2)": True,
                     "UPDATE readings SET id = 3 WHERE id = 2": True, "DELETE FROM readings WHERE id = 3": True,
                     "CREATE TABLE mine (id int)": False, "CREATE DATABASE other": False,
                     "CREATE ROLE other": False, "DROP TABLE readings": False},
    "ecotrack_readonly": {"SELECT count(*) FROM readings": True, "INSERT INTO readings VALUES (2)": False,
                          "DELETE FROM readings": False, "CREATE TABLE mine (id int)": False},
    "ecotrack_backup": {"SELECT count(*) FROM readings": True, "INSERT INTO readings VALUES (2)": False,
                        "CREATE TABLE mine (id int)": False},
}


@pytest.mark.parametrize("role", list(CAN))
def test_each_role_can_do_what_the_design_grants_and_no_more(server, roles, role):
    assert role in roles
    assert {sql: allowed(server, role, sql) for sql in CAN[role]} == CAN[role]


def test_no_role_is_a_superuser_and_only_the_backup_role_replicates(server, roles):
    done = run_as(server, "ecotrack_readonly", "SELECT rolname, rolsuper, rolreplication, rolcreaterole, rolbypassrls "
                  "FROM pg_roles WHERE rolname LIKE 'ecotrack\\_%' ORDER BY rolname")
    assert done.stdout.split() == ["ecotrack_app|f|f|f|f", "ecotrack_backup|f|t|f|f", "ecotrack_readonly|f|f|f|f"]
