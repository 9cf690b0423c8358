"""Credentials from OpenBao: which Secrets come from where, and the OpenBao
side of it (``out/openbao/<environment>/``).

The services' operators read Secrets (each component says which, with the
keys it reads: ``Component.secrets_read``); the profile's
``secrets.credentials`` says where each one's keys live in OpenBao's KV
version 2 mount. dsgen writes an ExternalSecret for each, and for OpenBao a
policy that grants read on exactly those paths, the Kubernetes auth role that
binds the store's service account to it, and the KV layout to seed.

Some Secrets are issued anew by an OpenBao secrets engine each time they are
read (``Component.dynamic_secrets``: database users). Those go only to the
namespaces ``secrets.deliver`` names, through a VaultDynamicSecret generator
there; the policy of that namespace may read the engine path, and
``<engine>.json`` holds what configures the engine.

External Secrets' vault provider reads a remoteRef ``key`` below the store's
``path`` as ``<mount>/data/<key>`` for KV version 2 (pkg/provider/vault,
client_get.go buildPath), so the policy grants ``<mount>/data/<path>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from dsgen.components.base import Sections
from dsgen.contract import Context, DynamicSecret, SecretNeed


@dataclass(frozen=True)
class Wanted:
    """One Secret to bring from OpenBao: what reads it and where it lives."""

    need: SecretNeed
    path: str
    properties: dict[str, str]  # Secret key -> property


def needs(sections: Sections) -> Iterator[SecretNeed]:
    """Every Secret the enabled services make their operators read."""
    for component, section in sections:
        if component.secrets_read:
            yield from component.secrets_read(section)


def wanted(profile: Any, sections: Sections) -> list[Wanted]:
    """The Secrets that come from OpenBao, each once, in the order the services read them."""
    if profile.secrets is None:
        return []
    found: dict[str, Wanted] = {}
    for need in needs(sections):
        credential = profile.secrets.credentials.get(need.name)
        if credential is None or need.name in found:
            continue
        properties = {key: credential.properties.get(key, key) for key in need.fetched}
        found[need.name] = Wanted(need, credential.path, properties)
    return list(found.values())


def dynamic(profile: Any, environment: str, sections: Sections) -> list[DynamicSecret]:
    """Every Secret an OpenBao engine issues for the enabled services."""
    if profile.secrets is None:
        return []
    ctx = Context.of(profile, environment)
    out: list[DynamicSecret] = []
    for component, section in sections:
        if component.dynamic_secrets:
            out += component.dynamic_secrets(section, ctx)
    return out


@dataclass(frozen=True)
class Store:
    """The credentials of one namespace: the ExternalSecrets written there
    (``items``), the Secrets issued there (``issued``), and the OpenBao role
    its service account logs in as, whose policy reads ``paths`` (none: the
    namespace has no login of its own)."""

    namespace: str
    role: str
    policy: str
    items: tuple[Wanted, ...]
    issued: tuple[DynamicSecret, ...] = ()
    paths: tuple[str, ...] = ()


def stores(profile: Any, environment: str, sections: Sections) -> list[Store]:
    """The data namespace's (the services' Secrets), then one per namespace
    the profile delivers credentials to.

    With SecretStores (the default) each namespace logs in as its own role
    and reads only its own credentials. With one ClusterSecretStore every
    namespace's ExternalSecrets log in as the data namespace's role, whose
    policy then reads them all; a namespace keeps a login of its own only for
    the Secrets issued there (External Secrets' generators log in as a
    service account of their own namespace: generators/v1/vault, the vault
    provider's NewGeneratorClient with no store kind)."""
    items, issued = wanted(profile, sections), dynamic(profile, environment, sections)
    if not items and not issued:
        return []
    secrets = profile.secrets
    kv = secrets.openbao.kvMount
    name = f"{profile.platform}-{environment}"
    by_name = {item.need.name: item for item in items}
    by_issued = {secret.name: secret for secret in issued}
    delivered: list[tuple[str, tuple[Wanted, ...], tuple[DynamicSecret, ...]]] = []
    for namespace, names in secrets.deliver.items():
        if namespace == profile.namespace:
            continue  # DSG331: the services' namespace has every credential already
        names = list(dict.fromkeys(names))
        here = (tuple(by_name[n] for n in names if n in by_name),  # DSG331 names the rest
                tuple(by_issued[n] for n in names if n in by_issued))
        if any(here):
            delivered.append((namespace, *here))
    cluster = secrets.openbao.storeKind == "ClusterSecretStore"

    def kv_paths(found: tuple[Wanted, ...]) -> tuple[str, ...]:
        return tuple(sorted({f"{kv}/data/{item.path}" for item in found}))

    served = tuple(items) + tuple(item for _, found, _ in delivered for item in found) if cluster else tuple(items)
    out = [Store(profile.namespace, secrets.openbao.role or name, f"{name}-data", tuple(items),
                 paths=kv_paths(served))] if items or cluster else []
    for namespace, found, here in delivered:
        paths = tuple(sorted(secret.engine_path for secret in here))
        if not cluster:
            paths = tuple(sorted(set(paths) | set(kv_paths(found))))
        out.append(Store(namespace, f"{name}-{namespace}", f"{name}-{namespace}", found, here, paths))
    return out


def files(profile: Any, environment: str, header: list[str], sections: Sections) -> dict[str, str]:
    """``openbao/<environment>/``: for each namespace with a store, its policy
    (read on exactly the paths its ExternalSecrets read) and Kubernetes auth
    role; and ``kv.json``, the paths and properties to seed."""
    found = stores(profile, environment, sections)
    if not found:
        return {}
    openbao = profile.secrets.openbao
    root = f"openbao/{environment}"
    out: dict[str, str] = {}
    layout: dict[str, list[str]] = {}
    for store in found:
        for item in store.items:
            layout.setdefault(item.path, [])
            layout[item.path] += [p for p in item.properties.values() if p not in layout[item.path]]
        if not store.paths:
            continue
        whose = ("of every namespace (through the ClusterSecretStore)"
                 if openbao.storeKind == "ClusterSecretStore" and store.namespace == profile.namespace
                 else f"of namespace {store.namespace}")
        policy = [f"# {line}" for line in header] + [
            f"# Read access to exactly the credentials the {environment} ExternalSecrets {whose} read.", ""]
        for path in store.paths:
            policy += [f'path "{path}" {{', '  capabilities = ["read"]', "}", ""]
        out[f"{root}/{store.namespace}/policy.hcl"] = "\n".join(policy).rstrip("\n") + "\n"
        out[f"{root}/{store.namespace}/kubernetes-role.json"] = json.dumps({
            "mount": openbao.authMount, "role": store.role, "policy": store.policy,
            # auth/<authMount>/role/<role>: the store's service account, in its namespace.
            "body": {"bound_service_account_names": [openbao.serviceAccount],
                     "bound_service_account_namespaces": [store.namespace],
                     "token_policies": [store.policy], "token_ttl": "1h"},
        }, indent=2) + "\n"
    out[f"{root}/kv.json"] = json.dumps({"mount": openbao.kvMount, "paths": layout}, indent=2, sort_keys=True) + "\n"
    out.update(_engines(profile, dynamic(profile, environment, sections), root))
    return out


def _engines(profile: Any, issued: list[DynamicSecret], root: str) -> dict[str, str]:
    """``<engine>.json`` for each engine the issued Secrets use: its mount and
    the writes that configure it, in order (a connection before its roles).
    A body key listed in ``fromKv`` is absent: its value is read at apply
    time from the KV path and property named there."""
    engines: dict[str, dict[str, Any]] = {}
    for secret in issued:
        engine = engines.setdefault(secret.engine, {"type": secret.engine, "mount": secret.mount, "writes": {}})
        for path, body, from_kv in secret.setup:
            write: dict[str, Any] = {"path": path, "body": dict(body)}
            if from_kv:
                write["fromKv"] = {key: {"mount": profile.secrets.openbao.kvMount, "path": kv_path,
                                         "property": prop} for key, (kv_path, prop) in from_kv.items()}
            engine["writes"].setdefault(path, write)
    return {f"{root}/{name}.json": json.dumps({**engine, "writes": list(engine["writes"].values())}, indent=2) + "\n"
            for name, engine in engines.items()}
