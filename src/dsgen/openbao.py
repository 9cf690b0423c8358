"""Credentials from OpenBao: which Secrets come from where, and the OpenBao
side of it (``out/openbao/<environment>/``).

The services' operators read Secrets (each component says which, with the
keys it reads: ``Component.secrets_read``); the profile's
``secrets.credentials`` says where each one's keys live in OpenBao's KV
version 2 mount. dsgen writes an ExternalSecret for each, and for OpenBao a
policy that grants read on exactly those paths, the Kubernetes auth role that
binds the store's service account to it, and the KV layout to seed.

External Secrets' vault provider reads a remoteRef ``key`` below the store's
``path`` as ``<mount>/data/<key>`` for KV version 2 (pkg/provider/vault,
client_get.go buildPath), so the policy grants ``<mount>/data/<path>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from dsgen.components.base import SecretNeed


@dataclass(frozen=True)
class Wanted:
    """One Secret to bring from OpenBao: what reads it and where it lives."""

    need: SecretNeed
    path: str
    properties: dict[str, str]  # Secret key -> property


def needs(profile: Any) -> Iterator[SecretNeed]:
    """Every Secret the profile's services make their operators read."""
    from dsgen.components import COMPONENTS

    for component in COMPONENTS.values():
        section = component.section(profile)
        if section is not None and component.secrets_read:
            yield from component.secrets_read(section)


def wanted(profile: Any) -> list[Wanted]:
    """The Secrets that come from OpenBao, each once, in the order the services read them."""
    if profile.secrets is None:
        return []
    found: dict[str, Wanted] = {}
    for need in needs(profile):
        credential = profile.secrets.credentials.get(need.name)
        if credential is None or need.name in found:
            continue
        properties = {key: credential.properties.get(key, key) for key in need.fetched}
        found[need.name] = Wanted(need, credential.path, properties)
    return list(found.values())


def role_name(profile: Any, environment: str) -> str:
    return profile.secrets.openbao.role or f"{profile.platform}-{environment}"


def policy_name(profile: Any, environment: str) -> str:
    return f"{profile.platform}-{environment}-data"


def files(profile: Any, environment: str, header: list[str]) -> dict[str, str]:
    """``openbao/<environment>/``: policy.hcl, kubernetes-role.json, kv.json."""
    items = wanted(profile)
    if not items:
        return {}
    openbao = profile.secrets.openbao
    root = f"openbao/{environment}"
    paths = sorted({f"{openbao.kvMount}/data/{item.path}" for item in items})
    policy = [f"# {line}" for line in header] + [
        f"# Read access to exactly the credentials the {environment} ExternalSecrets read.", ""]
    for path in paths:
        policy += [f'path "{path}" {{', '  capabilities = ["read"]', "}", ""]
    role = {
        # auth/<authMount>/role/<role>: the store's service account, in the data namespace.
        "bound_service_account_names": [openbao.serviceAccount],
        "bound_service_account_namespaces": [profile.namespace],
        "token_policies": [policy_name(profile, environment)],
        "token_ttl": "1h",
    }
    layout: dict[str, list[str]] = {}
    for item in items:
        layout.setdefault(item.path, [])
        layout[item.path] += [p for p in item.properties.values() if p not in layout[item.path]]
    return {
        f"{root}/policy.hcl": "\n".join(policy).rstrip("\n") + "\n",
        f"{root}/kubernetes-role.json": json.dumps({
            "mount": openbao.authMount, "role": role_name(profile, environment), "policy": policy_name(
                profile, environment), "body": role}, indent=2) + "\n",
        f"{root}/kv.json": json.dumps({"mount": openbao.kvMount, "paths": layout}, indent=2, sort_keys=True) + "\n",
    }
