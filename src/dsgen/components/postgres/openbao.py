"""Users OpenBao issues: the PostgreSQL side of ``postgres.dynamicCredentials``.

OpenBao's database secrets engine (its PostgreSQL plugin,
openbao.org/docs/secrets/databases/postgresql) connects as ``adminRole`` and,
for each read of ``<mount>/creds/<role>``, runs the role's creation
statements with a new name, password and expiry (``{{name}}``,
``{{password}}``, ``{{expiration}}``); when the lease ends it runs the
revocation statements.

What the admin role needs, by PostgreSQL release (``CREATE ROLE`` and
``GRANT`` pages, "Notes"):

- up to 15, CREATEROLE lets a role grant membership in any role but a
  superuser: CloudNativePG's managed role with ``createrole`` is enough;
- from 16, granting membership in a role needs the ADMIN option on it, which
  CloudNativePG's managed roles cannot give (their ``inRoles`` run a plain
  ``GRANT role TO member``, internal/management/controller/roles/postgres.go
  UpdateMembership). dsgen grants it once at bootstrap through
  ``bootstrap.initdb.postInitSQL`` ("executed as a superuser in the postgres
  database right after the cluster has been created", api/v1
  cluster_types.go), without INHERIT or SET so that the admin role cannot use
  the privileges it hands out; and lists the roles in the admin's ``inRoles``
  so that CloudNativePG keeps the membership rather than revoking it (it
  revokes memberships that ``inRoles`` does not list,
  GetRoleMembershipDiff). A cluster bootstrapped before needs the GRANT run
  once by hand (README, "Dynamic database credentials").
"""

from __future__ import annotations

from typing import Any, Iterator

from dsgen.contract import Context, DynamicSecret
from dsgen.components.postgres.rules import admin_secret
from dsgen.operators import cloudnativepg as cnpg
from dsgen.units import duration_seconds

# PostgreSQL 16 moved "grant membership" from CREATEROLE to the ADMIN option.
ADMIN_OPTION_MAJOR = 16


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def needs_admin_option(major: int | None) -> bool:
    return major is None or major >= ADMIN_OPTION_MAJOR


def admin_role(pg: Any, major: int | None, secret: str) -> dict[str, Any]:
    """The managed role OpenBao connects as: logs in, creates roles, inherits
    nothing; on 16+ a member (with ADMIN, granted at bootstrap) of the roles it
    hands out."""
    dynamic = pg.dynamicCredentials
    granted = sorted({name for role in dynamic.roles.values() for name in role.memberOf})
    return {
        "name": dynamic.adminRole, "ensure": "present", "login": True, "superuser": False, "createdb": False,
        "createrole": True, "inherit": False, "replication": False, "bypassrls": False, "connectionLimit": -1,
        "inRoles": granted if needs_admin_option(major) else None, "passwordSecret": {"name": secret},
    }


def post_init_sql(pg: Any, major: int | None) -> list[str]:
    """On 16+: create the roles handed out and the admin role, and give the
    admin the ADMIN option on each (CloudNativePG then sets their attributes
    and passwords as the managed roles say)."""
    dynamic = pg.dynamicCredentials
    if dynamic is None or not needs_admin_option(major):
        return []
    granted = sorted({name for role in dynamic.roles.values() for name in role.memberOf})
    admin = _quote(dynamic.adminRole)
    out = [f"CREATE ROLE {_quote(name)} NOLOGIN" for name in granted]
    out.append(f"CREATE ROLE {admin} NOLOGIN NOINHERIT CREATEROLE")
    out += [f"GRANT {_quote(name)} TO {admin} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE" for name in granted]
    return out


def _half(duration: str) -> str:
    """Half a duration such as 24h (External Secrets asks for new users before
    the old ones expire)."""
    seconds = duration_seconds(duration) // 2
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 1)}s"


def dynamic_secrets(pg: Any, ctx: Context) -> Iterator[DynamicSecret]:
    """For each OpenBao role: its Secret, and the engine's setup (the
    connection, with the admin password read from the KV mount; the role)."""
    dynamic = pg.dynamicCredentials
    if dynamic is None or ctx.secrets is None:
        return  # DSG332 asks for a secrets section
    openbao = ctx.secrets["openbao"]
    mount = openbao["databaseMount"]
    credential = ctx.secrets["credentials"].get(admin_secret(pg)) or {}
    password = credential.get("properties", {}).get("password", "password")
    # pgx's sslmode: require encrypts (the server's certificate comes from its own CA).
    sslmode = "require" if pg.access.requireTls else "prefer"
    host = f"{pg.name}{cnpg.RW_SUFFIX}.{ctx.namespace}.svc:{cnpg.POSTGRES_PORT}"
    connection = (f"{mount}/config/{pg.name}", {
        "plugin_name": "postgresql-database-plugin",
        "connection_url": f"postgresql://{{{{username}}}}:{{{{password}}}}@{host}/{pg.bootstrap.database}"
                          f"?sslmode={sslmode}",
        "username": dynamic.adminRole,
        "password_authentication": "scram-sha-256",
        "allowed_roles": sorted(dynamic.roles),
    }, {"password": (credential.get("path", ""), password)})
    for name, role in dynamic.roles.items():
        creation = (f"CREATE ROLE \"{{{{name}}}}\" WITH LOGIN PASSWORD '{{{{password}}}}' "
                    f"VALID UNTIL '{{{{expiration}}}}' IN ROLE {', '.join(_quote(r) for r in role.memberOf)};")
        setup = (f"{mount}/roles/{name}", {
            "db_name": pg.name,
            "creation_statements": [creation],
            # The users own nothing (the roles they join cannot create), so dropping them is enough.
            "revocation_statements": ['DROP ROLE IF EXISTS "{{name}}";'],
            "default_ttl": role.ttl,
            "max_ttl": role.maxTtl,
        }, {})
        yield DynamicSecret(("postgres", "dynamicCredentials", "roles", name, "secret"), role.secret,
                            f"{mount}/creds/{name}", _half(role.ttl), "database", mount, (connection, setup))
