"""The services' CA certificates, for the applications that verify them.

Each component names the Secret and key holding the CA its clients trust
(``Component.client_ca``: CloudNativePG's ``<cluster>-ca``, Strimzi's
``<cluster>-cluster-ca-cert``). For each namespace of
``secrets.caCertificatesTo`` dsgen writes a SecretStore with External
Secrets' kubernetes provider reading the data namespace as a service account
of that namespace, and an ExternalSecret per CA copying ``ca.crt`` alone; in
the data namespace a Role that may ``get`` only those Secrets, bound to those
service accounts. The provider reads a key with a ``get`` of the Secret
(providers/v1/kubernetes client.go GetSecret), and its store check accepts a
rule granting ``get`` on secrets (validate.go), so naming the Secrets in
``resourceNames`` is enough.
"""

from __future__ import annotations

from typing import Any


def certificates(profile: Any) -> list[tuple[str, str]]:
    """(Secret, key) of every CA certificate the profile's services' clients verify with."""
    from dsgen.components import COMPONENTS

    out: list[tuple[str, str]] = []
    for component in COMPONENTS.values():
        section = component.section(profile)
        if section is not None and component.client_ca:
            out += component.client_ca(section)
    return out
