"""What the environment as a whole renders, in a pass after the services:
the namespace's default-deny ingress (and egress), the credentials brought
from OpenBao for what the enabled services read, the CA certificates their
clients verify with, and the encrypted StorageClass."""

from __future__ import annotations

from typing import Any, Iterator

from dsgen import kits
from dsgen.components.base import Sections
from dsgen.contract import Context, Part
from dsgen.kits import Allow, Owner, Peer, RemoteRef
from dsgen.platform import openbao, trust

DEFAULT_DENY = "default-deny-ingress"
DEFAULT_DENY_EGRESS = "default-deny-egress"
DNS_PORT = 53


def plan(ctx: Context, profile: Any, sections: Sections) -> Iterator[Part]:
    if ctx.network:
        # Selects every pod of the namespace and allows nothing: what reaches a
        # pod is what another policy selecting it allows (policies add up).
        yield kits.network_policy(Owner("data-services", ctx.platform), DEFAULT_DENY, select={}, ingress=[])
        egress = ctx.network["egress"]
        if egress:
            # Every pod may ask the cluster's DNS (UDP, and TCP for long answers);
            # the workloads' own policies add the rest.
            dns = [Peer(namespace=egress["dns"]["namespace"], pods=egress["dns"]["pods"])]
            yield kits.network_policy(Owner("data-services", ctx.platform), DEFAULT_DENY_EGRESS, select={}, egress=[
                Allow(dns, [DNS_PORT], "UDP"), Allow(dns, [DNS_PORT], "TCP")])
    if profile.secrets is not None:
        yield from credentials(ctx, profile, sections)
        yield from ca_certificates(ctx, profile, sections)
    if profile.storageClass is not None:
        yield storage_class(ctx, profile.storageClass)


def operators(profile: Any) -> tuple[str, ...]:
    """The operators the platform's own resources need, by profile.operators
    key: External Secrets for the credentials."""
    return ("externalSecrets",) if profile.secrets else ()


def storage_class(ctx: Context, settings: Any) -> Part:
    """An EBS CSI StorageClass (provisioner ebs.csi.aws.com; type, encrypted,
    kmsKeyId and csi.storage.k8s.io/fstype from aws-ebs-csi-driver
    docs/parameters.md). allowVolumeExpansion lets CloudNativePG and Strimzi
    grow volumes; WaitForFirstConsumer creates each volume in its pod's zone."""
    parameters = {"type": settings.type, "encrypted": "true" if settings.encrypted else "false",
                  "csi.storage.k8s.io/fstype": settings.fsType}
    if settings.kmsKeyId:
        parameters["kmsKeyId"] = settings.kmsKeyId
    return Owner("data-services", ctx.platform).part(settings.name, "storage-class", {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner": "ebs.csi.aws.com",
        "parameters": parameters, "reclaimPolicy": settings.reclaimPolicy, "allowVolumeExpansion": True,
        "volumeBindingMode": "WaitForFirstConsumer"}, namespaced=False)


def credentials(ctx: Context, profile: Any, sections: Sections) -> Iterator[Part]:
    """For each namespace with credentials (the data namespace, and each one
    the profile delivers credentials to): a SecretStore for OpenBao (the vault
    provider: KV version 2, Kubernetes auth as a service account of that
    namespace; no token in git), the service account, and an ExternalSecret
    for each of its Secrets; and for each Secret an OpenBao engine issues
    there, a VaultDynamicSecret generator logging in the same way and an
    ExternalSecret asking it for new values every refresh.

    With storeKind ClusterSecretStore, one ClusterSecretStore logs in as the
    data namespace's service account (serviceAccountRef.namespace: External
    Secrets reads it there for a ClusterSecretStore, providers/v1/vault
    auth_kubernetes.go) and is limited to those namespaces
    (spec.conditions); a namespace writes a service account only for its
    generators."""
    settings = profile.secrets.openbao
    cluster = settings.storeKind == "ClusterSecretStore"
    found = openbao.stores(profile, ctx.environment, sections)

    def login(role: str, namespace: str | None = None) -> dict[str, Any]:
        account = {"name": settings.serviceAccount, **({"namespace": namespace} if namespace else {})}
        return {"server": settings.server,
                "auth": {"kubernetes": {"mountPath": settings.authMount, "role": role, "serviceAccountRef": account}}}

    owner = Owner("openbao", settings.storeName)
    if cluster and found:
        [data] = [store for store in found if store.namespace == ctx.namespace]
        yield owner.part(settings.storeName, "secret-store", namespaced=False, body={
            "apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
            "spec": {"provider": {"vault": {**login(data.role, ctx.namespace), "path": settings.kvMount,
                                            "version": "v2"}},
                     "conditions": [{"namespaces": [store.namespace for store in found if store.items]}]},
        })
    for store in found:
        namespace = None if store.namespace == ctx.namespace else store.namespace
        if store.paths:
            yield owner.part(settings.serviceAccount, "secret-store", namespace=namespace, body={
                "apiVersion": "v1", "kind": "ServiceAccount", "automountServiceAccountToken": False})
        if not cluster:
            yield owner.part(settings.storeName, "secret-store", namespace=namespace, body={
                "apiVersion": "external-secrets.io/v1", "kind": "SecretStore",
                "spec": {"provider": {"vault": {**login(store.role), "path": settings.kvMount, "version": "v2"}}},
            })
        for item in store.items:
            yield kits.external_secret(
                Owner("openbao", item.need.name), item.need.name, store=settings.storeName,
                store_kind=settings.storeKind, refresh=settings.refreshInterval, secret_type=item.need.type,
                literal=dict(item.need.fixed),
                data={key: RemoteRef(item.path, prop) for key, prop in item.properties.items()},
                namespace=namespace)
        for secret in store.issued:
            yield kits.vault_dynamic_secret(Owner("openbao", secret.name), secret.name, path=secret.engine_path,
                                            provider=login(store.role), namespace=namespace)
            yield kits.generated_secret(Owner("openbao", secret.name), secret.name, generator=secret.name,
                                        refresh=secret.refresh, namespace=namespace)


CA_READER = "ca-certificate-reader"
CA_STORE = "data-services-ca"
CA_COPY_SUFFIX = "-crt"


def ca_certificates(ctx: Context, profile: Any, sections: Sections) -> Iterator[Part]:
    """The services' CA certificates, ca.crt alone, in each namespace of
    secrets.caCertificatesTo, in two steps with External Secrets' kubernetes
    provider (the API server at its default address, verified with the
    kube-root-ca.crt ConfigMap every namespace has; dsgen.trust):

    - in the data namespace, a store reads the Secrets that hold each CA (they
      also hold a private key: CloudNativePG's <cluster>-ca its CA's key,
      cert-manager's its certificate's) and an ExternalSecret copies ca.crt
      alone into <Secret>-crt;
    - in each application namespace, a store may read only those copies, and
      an ExternalSecret brings each one in under the original name.

    A Role lets each step's service account get exactly its Secrets, so that
    no pod of an application namespace can read a private key through it."""
    namespaces = [n for n in profile.secrets.caCertificatesTo if n != ctx.namespace]  # DSG331 names the rest
    found = trust.certificates(sections)
    if not namespaces or not found:
        return
    owner = Owner("external-secrets", CA_STORE)
    refresh = profile.secrets.openbao.refreshInterval

    def reader(name: str, secrets: list[str], subjects: list[str]) -> Iterator[Part]:
        yield owner.part(name, "ca-certificates", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": secrets}]})
        yield owner.part(name, "ca-certificates", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": CA_READER, "namespace": n} for n in subjects]})

    def store(namespace: str | None) -> Iterator[Part]:
        yield owner.part(CA_READER, "ca-certificates", namespace=namespace, body={
            "apiVersion": "v1", "kind": "ServiceAccount", "automountServiceAccountToken": False})
        yield owner.part(CA_STORE, "ca-certificates", namespace=namespace, body={
            "apiVersion": "external-secrets.io/v1", "kind": "SecretStore",
            "spec": {"provider": {"kubernetes": {
                "remoteNamespace": ctx.namespace,
                "server": {"caProvider": {"type": "ConfigMap", "name": "kube-root-ca.crt", "key": "ca.crt"}},
                "auth": {"serviceAccount": {"name": CA_READER}}}}}})

    sources = sorted({name for name, _ in found})
    yield from reader(f"{CA_READER}-sources", sources, [ctx.namespace])
    yield from reader(CA_READER, [name + CA_COPY_SUFFIX for name in sources], namespaces)
    yield from store(None)
    for name, key in found:
        yield kits.external_secret(Owner("external-secrets", name), name + CA_COPY_SUFFIX, store=CA_STORE,
                                   refresh=refresh, data={key: RemoteRef(name, key)})
    for namespace in namespaces:
        yield from store(namespace)
        for name, key in found:
            yield kits.external_secret(Owner("external-secrets", name), name, store=CA_STORE, refresh=refresh,
                                       data={key: RemoteRef(name + CA_COPY_SUFFIX, key)}, namespace=namespace)
