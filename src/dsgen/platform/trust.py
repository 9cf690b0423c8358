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

from dsgen.components.base import Sections


def certificates(sections: Sections) -> list[tuple[str, str]]:
    """(Secret, key) of every CA certificate the enabled services' clients verify with."""
    out: list[tuple[str, str]] = []
    for component, section in sections:
        if component.client_ca:
            out += component.client_ca(section)
    return out
