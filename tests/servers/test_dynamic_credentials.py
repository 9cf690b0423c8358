"""The design's dynamic database credentials, end to end with real servers:
OpenBao's database engine (`bao server -dev`) set up from the
``database.json`` dsgen writes, on a real PostgreSQL prepared the way
CloudNativePG prepares it from the rendered Cluster (its postInitSQL, then
its managed roles). With a token of the application namespace's policy,
``database/creds/ecotrack-app`` issues a user that logs in and reads and
writes the data but creates nothing; OpenBao's own role cannot read the data;
revoking the lease drops the user.

Two servers, one per path PostgreSQL takes: Debian's PostgreSQL 15 (CREATEROLE
is enough; TLS and pg_hba as rendered) and the PostgreSQL 16 that PyPI's
pgserver ships (the ADMIN option granted at bootstrap; that build has no
TLS, so pg_hba allows scram-sha-256 without it and OpenBao connects with
sslmode=disable).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from dsgen import pipeline, registry
from dsgen.platform import openbao
from dsgen.profiles import ProfileStore
from tests.conftest import EXAMPLE, _missing
from tests.servers.conftest import _bindir, start_postgres
from tests.servers.test_openbao import _apply
from tests.servers.test_postgres_roles import create_role

pytestmark = pytest.mark.slow

IMAGES = {15: "ghcr.io/cloudnative-pg/postgresql:15.14-standard-bookworm",
          16: "ghcr.io/cloudnative-pg/postgresql:16.10-standard-bookworm"}
PASSWORD = "openbao-admin-secret"


def _pgserver_bindir() -> Path:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        _missing("PostgreSQL 16", "pip install --no-deps pgserver (PostgreSQL 16 binaries)")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


@pytest.fixture(scope="module", params=[15, 16], ids=["postgresql-15", "postgresql-16"])
def rendered(request, tmp_path_factory):
    """The bundled prod with the image of that major: its Cluster, profile and OpenBao files."""
    major = request.param
    profiles = tmp_path_factory.mktemp(f"profiles{major}")
    for path in EXAMPLE.glob("*.yaml"):
        (profiles / path.name).write_text(path.read_text())
    (profiles / "pgtest.yaml").write_text(f"extends: prod\npostgres:\n  imageName: {IMAGES[major]}\n")
    result = pipeline.render_env(ProfileStore(profiles), "pgtest")
    [cluster] = [r.doc for r in result.resources if r.doc["kind"] == "Cluster"]
    files = openbao.files(result.loaded.profile, "pgtest", [], registry.sections(result.loaded.profile))
    return major, cluster, files


@pytest.fixture(scope="module")
def postgres(rendered):
    major, cluster, _ = rendered
    if major == 15:
        found = _bindir()
        if "/15/" not in str(found):
            pytest.skip(f"the Debian server here is {found}, not 15")
        started = start_postgres(found, [*cluster["spec"]["postgresql"]["pg_hba"], "host all all all scram-sha-256"],
                                 ssl=True)
    else:
        started = start_postgres(_pgserver_bindir(), ["host all all 127.0.0.1/32 scram-sha-256"], ssl=False)
    bindir, port, psql = next(started)
    yield bindir, port, psql
    started.close()


def _sql(psql: list, statement: str, database: str = "postgres") -> None:
    done = subprocess.run([*psql[:-3], "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", statement],
                          capture_output=True, text=True)
    assert done.returncode == 0, (statement, done.stderr)


def _cnpg_bootstrap(psql: list, cluster: dict) -> None:
    """What CloudNativePG does with the Cluster: initdb's database and owner,
    postInitSQL as the superuser, then each managed role created (or, when
    postInitSQL made it, altered) and its missing memberships granted
    (internal/management/controller/roles/postgres.go Create, Update,
    UpdateMembership)."""
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    _sql(psql, f'CREATE ROLE "{initdb["owner"]}" LOGIN')
    _sql(psql, f'CREATE DATABASE "{initdb["database"]}" OWNER "{initdb["owner"]}"')
    for statement in initdb.get("postInitSQL") or []:
        _sql(psql, statement)
    existing = set(subprocess.run([*psql, "SELECT rolname FROM pg_roles"], capture_output=True, text=True)
                   .stdout.split())
    for role in cluster["spec"]["managed"]["roles"]:
        password = PASSWORD if role["name"] == "openbao" else f"{role['name']}-secret"
        if role["name"] not in existing:
            statement = create_role(role, password)
            if role.get("disablePassword"):
                statement = statement.rsplit(" PASSWORD ", 1)[0]
            _sql(psql, statement)
            continue
        flags = {"BYPASSRLS": role["bypassrls"], "CREATEDB": role["createdb"], "CREATEROLE": role["createrole"],
                 "INHERIT": role["inherit"], "LOGIN": role["login"], "REPLICATION": role["replication"]}
        options = " ".join(f"{'' if on else 'NO'}{flag}" for flag, on in flags.items())
        secret = "NULL" if role.get("disablePassword") else f"'{password}'"
        _sql(psql, f'ALTER ROLE "{role["name"]}" WITH {options} PASSWORD {secret}')
        members = subprocess.run([*psql, "SELECT b.rolname FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member "
                                         f"JOIN pg_roles b ON b.oid = m.roleid WHERE a.rolname = '{role['name']}'"],
                                 capture_output=True, text=True).stdout.split()
        for parent in role.get("inRoles") or []:
            if parent not in members:
                _sql(psql, f'GRANT "{parent}" TO "{role["name"]}"')
    owner = f'SET ROLE "{initdb["owner"]}"; CREATE TABLE readings (id int); INSERT INTO readings VALUES (1)'
    _sql(psql, owner, initdb["database"])


def _connect(server, user: str, password: str, database: str, sql: str, sslmode: str):
    bindir, port, _ = server
    env = {**os.environ, "PGPASSWORD": password, "PGSSLMODE": sslmode, "PGCONNECT_TIMEOUT": "10"}
    return subprocess.run([bindir / "psql", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", database,
                           "-v", "ON_ERROR_STOP=1", "-Atc", sql], capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture(scope="module")
def engine(rendered, postgres, bao):
    """OpenBao set up as database.json says, against that server; the KV value
    of the admin password seeded first, as an operator would."""
    major, cluster, files = rendered
    _cnpg_bootstrap(postgres[2], cluster)
    setup = json.loads(files["openbao/pgtest/database.json"])
    bao("secrets", "disable", setup["mount"])  # the other server's run left its own
    assert bao("secrets", "enable", f"-path={setup['mount']}", setup["type"]).returncode == 0
    for write in setup["writes"]:
        for key, source in (write.get("fromKv") or {}).items():
            assert bao("kv", "put", f"-mount={source['mount']}", source["path"],
                       f"{source['property']}={PASSWORD}").returncode == 0
            got = bao("kv", "get", f"-mount={source['mount']}", f"-field={source['property']}", source["path"])
            write["body"][key] = got.stdout
        body = dict(write["body"])
        if "connection_url" in body:
            # the in-cluster service stands for the loopback server
            url = re.sub(r"@[^/]+/", f"@127.0.0.1:{postgres[1]}/", body["connection_url"])
            body["connection_url"] = url if major == 15 else url.replace("sslmode=require", "sslmode=disable")
        done = bao("write", write["path"], "-", stdin=json.dumps(body))
        assert done.returncode == 0, (write["path"], done.stderr)
    return cluster, files


def _token(bao, files: dict, namespace: str, tmp_path: Path) -> str:
    """A token of the policy dsgen wrote for a namespace's store."""
    root = tmp_path / namespace
    root.mkdir()
    for name in ("policy.hcl", "kubernetes-role.json"):
        (root / name).write_text(files[f"openbao/pgtest/{namespace}/{name}"])
    return _apply(bao, root)


def _issue(bao, token: str) -> dict:
    got = bao("read", "-format=json", "database/creds/ecotrack-app", token=token)
    assert got.returncode == 0, got.stderr
    return json.loads(got.stdout)


def test_the_application_store_gets_a_user_that_reads_and_writes_and_nothing_more(engine, rendered, postgres, bao,
                                                                                   tmp_path):
    major, cluster, files = rendered
    issued = _issue(bao, _token(bao, files, "ecotrack", tmp_path))
    user, password = issued["data"]["username"], issued["data"]["password"]
    assert issued["lease_duration"] == 24 * 3600
    database = cluster["spec"]["bootstrap"]["initdb"]["database"]
    sslmode = "require" if major == 15 else "disable"

    def can(sql: str) -> bool:
        done = _connect(postgres, user, password, database, sql, sslmode)
        assert done.returncode == 0 or "permission denied" in done.stderr, done.stderr
        return done.returncode == 0

    assert can("SELECT count(*) FROM readings")
    assert can("INSERT INTO readings VALUES (2)")
    assert can("UPDATE readings SET id = 3 WHERE id = 2")
    assert not can("CREATE TABLE mine (id int)")
    assert not can("CREATE ROLE other")
    # OpenBao's own role hands the membership out but cannot use it.
    admin = _connect(postgres, "openbao", PASSWORD, database, "SELECT count(*) FROM readings", sslmode)
    assert admin.returncode != 0 and "permission denied" in admin.stderr
    assert _connect(postgres, "openbao", PASSWORD, database, "SET ROLE ecotrack_app", sslmode).returncode != 0
    # The lease ends: the user is dropped.
    assert bao("lease", "revoke", issued["lease_id"]).returncode == 0
    roles = subprocess.run([*postgres[2], f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'"],
                           capture_output=True, text=True)
    assert roles.stdout.strip() == "0", roles.stderr
    # (PostgreSQL says "password authentication failed" or "role ... does not exist", by build and settings)
    assert _connect(postgres, user, password, database, "SELECT 1", sslmode).returncode != 0


def test_the_data_store_may_not_issue_users(engine, rendered, bao, tmp_path):
    denied = bao("read", "database/creds/ecotrack-app", token=_token(bao, rendered[2], "data", tmp_path))
    assert denied.returncode != 0 and "permission denied" in denied.stderr
