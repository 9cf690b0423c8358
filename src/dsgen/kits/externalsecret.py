"""ExternalSecret (external-secrets.io/v1): a Secret filled from a secret store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from dsgen.kits.base import Owner

from dsgen.contract import Part


@dataclass(frozen=True)
class RemoteRef:
    """Where a value lives in the store: the secret's path and, optionally, one property."""

    key: str
    property: str | None = None

    def render(self) -> dict[str, str]:
        out = {"key": self.key}
        if self.property:
            out["property"] = self.property
        return out


GENERATORS = "generators.external-secrets.io/v1alpha1"


def vault_dynamic_secret(owner: Owner, name: str, *, path: str, provider: Mapping[str, Any],
                         namespace: str | None = None) -> Part:
    """External Secrets' VaultDynamicSecret generator: each time an
    ExternalSecret asks (every refresh), it reads ``path`` from OpenBao or
    Vault with GET and returns the response's data section (resultType
    Data), e.g. a new database user's username and password
    (external-secrets.io, "Vault Dynamic Secret"). ``provider`` is a vault
    provider as a SecretStore's."""
    return owner.part(name, "secret-generator", {
        "apiVersion": GENERATORS, "kind": "VaultDynamicSecret",
        "spec": {"path": "/" + path.lstrip("/"), "method": "GET", "provider": dict(provider)}}, namespace=namespace)


def generated_secret(owner: Owner, name: str, *, generator: str, refresh: str,
                     namespace: str | None = None) -> Part:
    """A Secret ``name`` filled by the VaultDynamicSecret ``generator`` every
    ``refresh`` (each refresh gets new values: generators keep no state)."""
    return owner.part(name, "secret", {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "spec": {
        "refreshInterval": refresh, "target": {"name": name, "creationPolicy": "Owner"},
        "dataFrom": [{"sourceRef": {"generatorRef": {
            "apiVersion": GENERATORS, "kind": "VaultDynamicSecret", "name": generator}}}]}}, namespace=namespace)


def external_secret(owner: Owner, name: str, *, store: str, data: Mapping[str, RemoteRef],
                    store_kind: str = "SecretStore", target: str | None = None,
                    refresh: str = "1h", secret_type: str | None = None,
                    creation: str = "Owner", literal: Mapping[str, str] | None = None,
                    namespace: str | None = None) -> Part:
    """A Secret ``target`` (default ``name``) whose keys come from ``data``.

    ``secret_type`` sets the Secret's type (e.g. ``kubernetes.io/basic-auth``,
    which CloudNativePG expects for role passwords). ``literal`` keys get a
    fixed value: the Secret is then written from a template holding them and
    each fetched key (External Secrets' template data, where ``{{ .key }}`` is
    a fetched value).
    """
    if not data:
        raise ValueError(f"ExternalSecret {name}: give at least one key")
    target_spec: dict[str, Any] = {"name": target or name, "creationPolicy": creation}
    template: dict[str, Any] = {}
    if secret_type:
        template["type"] = secret_type
    if literal:
        template["data"] = {**{key: value for key, value in literal.items()},
                            **{key: "{{ ." + key + " }}" for key in data}}
    if template:
        target_spec["template"] = template
    spec = {
        "refreshInterval": refresh,
        "secretStoreRef": {"name": store, "kind": store_kind},
        "target": target_spec,
        "data": [{"secretKey": key, "remoteRef": ref.render()} for key, ref in data.items()],
    }
    return owner.part(name, "secret", {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
                                       "spec": spec}, namespace=namespace)
