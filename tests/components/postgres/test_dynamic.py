"""postgres.dynamicCredentials: what dsgen refuses, and what it renders for
each PostgreSQL release (the real round trip is tests/servers/test_dynamic_credentials.py)."""

from __future__ import annotations

import copy
import json

import pytest

from dsgen import registry
from dsgen.platform import openbao
from dsgen.contract import Context
from dsgen.components.postgres.plan import plan
from dsgen.models import Profile
from dsgen.profiles import _deep_merge
from tests.components.harness import BASE, findings

DELIVERED = ["redis-auth", "kafka-producer-credentials", "kafka-consumer-credentials", "postgres-app-credentials"]
DYNAMIC = {
    "postgres": {"roles": {"ecotrack_app": {"login": False}},
                 "dynamicCredentials": {"roles": {"ecotrack-app": {"secret": "postgres-app-credentials",
                                                                   "memberOf": ["ecotrack_app"]}}}},
    "secrets": {"credentials": {"postgres-cluster-openbao": {"path": "postgres/roles/openbao"}},
                "deliver": {"ecotrack": DELIVERED}},
}


def _without_app_credential(data: dict) -> dict:
    data = copy.deepcopy(data)
    del data["secrets"]["credentials"]["postgres-cluster-ecotrack-app"]
    return data


def profile(change: dict | None = None) -> Profile:
    return Profile.model_validate(_without_app_credential(_deep_merge(_deep_merge(BASE, DYNAMIC), change or {})))


def test_the_design_setup_is_accepted():
    assert [f for f in findings(DYNAMIC) if f[0] in ("DSG328", "DSG331", "DSG332")] == []


@pytest.mark.parametrize("change,expected", [
    ({"postgres": {"dynamicCredentials": {"roles": {"ecotrack-app": {"memberOf": ["ecotrack_writer"]}}}}},
     [("DSG332", ("postgres", "dynamicCredentials", "roles", "ecotrack-app", "memberOf", 0),
       "'ecotrack_writer' is not one of postgres.roles (ecotrack_app, ecotrack_backup, ecotrack_readonly): issued "
       "users join roles CloudNativePG manages")]),
    ({"postgres": {"dynamicCredentials": {"adminRole": "ecotrack_readonly"}}},
     [("DSG332", [("postgres", "dynamicCredentials", "adminRole"), ("postgres", "roles", "ecotrack_readonly")],
       "'ecotrack_readonly' is OpenBao's own role, which dsgen writes (login, createrole); remove it from "
       "postgres.roles or name another adminRole")]),
    ({"postgres": {"dynamicCredentials": {"adminRole": "cnpg_openbao"}}},
     [("DSG331", ("postgres", "dynamicCredentials", "adminRole"),
       "Secret 'postgres-cluster-cnpg-openbao' comes from nowhere: give it an OpenBao path in secrets.credentials, "
       "or list it in externalSecrets if the cluster holds it"),
      ("DSG332", ("postgres", "dynamicCredentials", "adminRole"),
       "is reserved for PostgreSQL or the operator: CloudNativePG's webhook refuses it; pick another name")]),
    ({"secrets": {"deliver": {"ecotrack": ["redis-auth"]}}},
     [("DSG332", ("postgres", "dynamicCredentials", "roles", "ecotrack-app", "secret"),
       "Secret 'postgres-app-credentials' is issued into no namespace: list it under secrets.deliver.<namespace> "
       "of the applications that connect with it")]),
    ({"postgres": {"dynamicCredentials": {"roles": {"ecotrack-app": {"ttl": "96h"}}}}},
     [("DSG332", ("postgres", "dynamicCredentials", "roles", "ecotrack-app", "ttl"),
       "96h is longer than maxTtl 72h; OpenBao refuses it")]),
    ({"postgres": {"roles": {"ecotrack_app": {"passwordSecret": "app-password"}}}},
     [("DSG328", ("postgres", "roles", "ecotrack_app", "passwordSecret"),
       "a role with login: false has no password; remove passwordSecret")]),
], ids=["unknown-role", "admin-is-a-managed-role", "admin-reserved", "delivered-nowhere", "ttl-over-max",
        "nologin-with-password"])
def test_refused(change, expected):
    found = [f for f in findings(_deep_merge(DYNAMIC, change)) if f[0] in ("DSG328", "DSG331", "DSG332")]
    assert found == expected


def test_without_openbao_there_is_nobody_to_issue_users():
    data = _deep_merge(BASE, DYNAMIC)
    data.pop("secrets")

    found = [(p.rule, p.path, p.message) for p in registry.run_profile(Profile.model_validate(data)) if p.rule == "DSG332"]
    assert found == [("DSG332", ("postgres", "dynamicCredentials"),
                      "OpenBao issues these users: add a secrets section (secrets.openbao) to the profile")]


def _cluster(image: str) -> dict:
    chosen = profile({"postgres": {"imageName": image}})
    [cluster] = [p for p in plan(Context.of(chosen, "prod"), chosen.postgres) if p.name == "postgres-cluster"]
    return dict(cluster.values)


def test_postgresql_16_and_later_get_the_admin_option_at_bootstrap():
    values = _cluster("ghcr.io/cloudnative-pg/postgresql:16.10-standard-bookworm")
    assert values["bootstrap"]["initdb"]["postInitSQL"] == [
        'CREATE ROLE "ecotrack_app" NOLOGIN',
        'CREATE ROLE "openbao" NOLOGIN NOINHERIT CREATEROLE',
        'GRANT "ecotrack_app" TO "openbao" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE']
    admin = values["roles"][-1]
    assert (admin["name"], admin["createrole"], admin["inherit"], admin["inRoles"]) == (
        "openbao", True, False, ["ecotrack_app"])
    app = values["roles"][0]
    assert (app["name"], app["login"], app.get("disablePassword"), "passwordSecret" in app) == (
        "ecotrack_app", False, True, False)


def test_postgresql_15_needs_only_createrole():
    values = _cluster("ghcr.io/cloudnative-pg/postgresql:15.14-standard-bookworm")
    assert values["bootstrap"]["initdb"]["postInitSQL"] is None
    assert (values["roles"][-1]["createrole"], values["roles"][-1]["inRoles"]) == (True, None)


def test_the_secret_is_issued_where_delivered_and_the_engine_is_configured():
    chosen = profile()
    [store] = [s for s in openbao.stores(chosen, "prod", registry.sections(chosen)) if s.namespace == "ecotrack"]
    assert [(s.name, s.engine_path, s.refresh) for s in store.issued] == [
        ("postgres-app-credentials", "database/creds/ecotrack-app", "12h")]
    files = openbao.files(chosen, "prod", [], registry.sections(chosen))
    assert 'path "database/creds/ecotrack-app"' in files["openbao/prod/ecotrack/policy.hcl"]
    assert "database/creds" not in files["openbao/prod/data/policy.hcl"]
    writes = json.loads(files["openbao/prod/database.json"])["writes"]
    assert [w["path"] for w in writes] == ["database/config/postgres-cluster", "database/roles/ecotrack-app"]
    assert writes[0]["body"]["connection_url"] == (
        "postgresql://{{username}}:{{password}}@postgres-cluster-rw.data.svc:5432/ecotrack?sslmode=require")
    assert writes[0]["fromKv"] == {"password": {"mount": "secret", "path": "postgres/roles/openbao",
                                                "property": "password"}}
    assert (writes[1]["body"]["default_ttl"], writes[1]["body"]["max_ttl"]) == ("24h", "72h")
