"""The ``postgres`` section -> a CloudNativePG Cluster, its backup objects and poolers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from dsgen import kits
from dsgen.components.base import HOSTNAME, merge_affinity, pod_anti_affinity, pod_metadata, pod_spec, resources, zone_spread
from dsgen.contract import Part
from dsgen.components.postgres import archive, monitoring, openbao
from dsgen.components.postgres.rules import (admin_secret, pdb_enabled, postgres_major,
                                             role_secret, server_tls_secret)
from dsgen.kits import Allow, Owner, Peer
from dsgen.operators import cloudnativepg as cnpg

if TYPE_CHECKING:
    from dsgen.contract import Context
    from dsgen.components.postgres.model import Postgres


# Pod labels (pkg/utils/labels_annotations.go): instances carry cnpg.io/cluster
# and cnpg.io/podRole: instance; pooler pods carry cnpg.io/poolerName.


def plan(ctx: Context, pg: Postgres, source: archive.Source | None = None) -> Iterator[Part]:
    """The cluster's parts; ``source``: bootstrap it from that archive instead
    of initdb (``dsgen recover``), else from ``postgres.replica`` if set."""
    backup = None
    method = cnpg.backup_method(ctx.operators["cloudnativepg"], pg.backup.method if pg.backup else "auto")
    if pg.backup:
        backup = {
            "method": method,
            "store": f"{pg.name}-s3",
            "plugin": cnpg.BARMAN_CLOUD_PLUGIN,
            "configuration": archive.own_configuration(ctx, pg),
        }
    source = source or archive.replica_source(pg)
    instances = cnpg.instance_pods(pg.name)
    pod = pod_spec(pg.pod, None, zone_spread(pg.spread.zones, instances))
    major = postgres_major(pg.imageName, ctx.operators["cloudnativepg"])
    yield Part(pg.name, "postgresql", "database", pg.name, "cluster.yaml.j2", {
        "pg": pg, "resources": resources(pg.resources), "backup": backup,
        "parameters": {**monitoring.log_parameters(ctx), **pg.parameters},
        "custom_queries": [monitoring.custom_queries_ref(pg)] if ctx.monitoring else None,
        "affinity": cluster_affinity(pg.spread.nodes, pg.pod),
        "zones": pod.get("topologySpreadConstraints"),
        "pod": pod,
        # CloudNativePG has no pod-only metadata: inheritedMetadata goes on every
        # object of the cluster (api/v1 cluster_types.go, InheritedMetadata).
        "inherited": pod_metadata(pg.pod),
        "synchronous": pg.synchronous.model_dump() if pg.synchronous else None,
        # written when it differs from the operator's default (true) or was asked for
        "enable_pdb": None if pg.enablePDB is None and pdb_enabled(pg) else pdb_enabled(pg),
        "pg_hba": list(cnpg.REQUIRE_TLS_HBA) if pg.access.requireTls else None,
        "roles": managed_roles(pg, major) or None,
        "bootstrap": source.bootstrap(pg) if source else initdb(pg, major),
        "source": {"external_clusters": source.external_clusters(method, pg),
                   "replica": {"enabled": source.replica, "source": archive.ORIGIN}
                   if source.replica is not None else None} if source else None,
        "certificates": {"serverTLSSecret": server_tls_secret(pg), "serverCASecret": server_tls_secret(pg)}
        if pg.certificates else None,
    })
    if pg.certificates:
        yield server_certificate(ctx, pg)
    if backup and backup["method"] == "plugin":
        yield Part(backup["store"], "postgresql", "backup-store", pg.name, "objectstore.yaml.j2",
                   {"configuration": backup["configuration"], "retention": pg.backup.retentionPolicy})
    if source and method == "plugin":
        yield Part(source.store(pg), "postgresql", "backup-source", pg.name, "objectstore.yaml.j2",
                   {"configuration": source.configuration, "retention": None})
    for name, schedule, immediate in archive.scheduled_backups(pg) if backup else ():
        yield Part(name, "postgresql", "backup", pg.name, "scheduledbackup.yaml.j2",
                   {"pg": pg, "backup": backup, "schedule": schedule, "immediate": immediate})
    for name, pooler in pg.poolers.items():
        pods = cnpg.pooler_pods(pg.name, name)
        anti = pod_anti_affinity(pooler.spread.nodes, pods)
        affinity = merge_affinity({"podAntiAffinity": anti} if anti else None, pooler.pod)
        # The Pooler's template is a whole core/v1 PodTemplateSpec (api/v1 pooler_types.go).
        parameters = dict(pooler.parameters)
        if pg.access.requireTls and cnpg.poolers_can_require_tls(ctx.operators["cloudnativepg"]):
            parameters.setdefault("client_tls_sslmode", "require")  # DSG202 refuses requireTls where it is not
        yield Part(name, "pgbouncer", "connection-pooler", name, "pooler.yaml.j2", {
            "pg": pg, "pooler": pooler, "parameters": parameters, "resources": resources(pooler.resources),
            "pod_spec": pod_spec(pooler.pod, affinity, zone_spread(pooler.spread.zones, pods)),
        })
    if ctx.network:
        yield from network_policies(ctx, pg)
    if ctx.monitoring:
        yield from monitoring.parts(ctx, pg)


def initdb(pg: Postgres, major: int | None) -> dict[str, Any]:
    """bootstrap.initdb: a new, empty cluster with the application database."""
    boot = pg.bootstrap
    return {"initdb": {"database": boot.database, "owner": boot.owner,
                       "secret": {"name": boot.secret} if boot.secret else None,
                       "encoding": boot.encoding, "localeCollate": boot.locale, "localeCType": boot.locale,
                       "postInitSQL": openbao.post_init_sql(pg, major) or None}}


def server_certificate(ctx: Context, pg: Postgres) -> Part:
    """The servers' certificate from cert-manager, as CloudNativePG's
    docs/src/certificates.md "Cert-manager example" writes it: for the -rw, -r
    and -ro services in their three forms, and the poolers' (PgBouncer serves
    clients with the cluster's server certificate unless told otherwise:
    api/v1 pooler_funcs.go GetClientTLSSecretNameOrDefault). The Secret
    carries cnpg.io/reload, so that instances reload it when it is renewed.
    It is both serverTLSSecret and serverCASecret (cert-manager writes
    ca.crt beside tls.crt and tls.key)."""
    services = [f"{pg.name}{suffix}" for suffix in ("-rw", "-r", "-ro")] + list(pg.poolers)
    names = [form for service in services
             for form in (service, f"{service}.{ctx.namespace}", f"{service}.{ctx.namespace}.svc")]
    certificates = pg.certificates
    return Owner("postgresql", pg.name).part(server_tls_secret(pg), "server-certificate", {
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "spec": {"secretName": server_tls_secret(pg), "usages": ["server auth"],
                 "dnsNames": names + [n for n in certificates.dnsNames if n not in names],
                 "issuerRef": {"name": certificates.issuer, "kind": certificates.issuerKind,
                               "group": "cert-manager.io"},
                 "secretTemplate": {"labels": {cnpg.RELOAD_LABEL: ""}}}})


def managed_roles(pg: Postgres, major: int | None) -> list[dict[str, Any]]:
    """spec.managed.roles (api/v1 cluster_types.go RoleConfiguration): every
    attribute written, so that the role is what the profile says and never a
    superuser, role creator or RLS bypasser; a role that cannot log in has no
    password. Then the role OpenBao connects as (postgres/openbao.py)."""
    out: list[dict[str, Any]] = [{
        "name": name, "ensure": "present", "login": role.login, "superuser": False, "createdb": role.createdb,
        "createrole": False, "inherit": True, "replication": role.replication, "bypassrls": False,
        "connectionLimit": role.connectionLimit, "inRoles": list(role.inRoles) or None,
        **({"passwordSecret": {"name": role_secret(pg, name)}} if role.login else {"disablePassword": True}),
    } for name, role in pg.roles.items()]
    if pg.dynamicCredentials and pg.dynamicCredentials.adminRole not in pg.roles:  # DSG332 names the clash
        out.append(openbao.admin_role(pg, major, admin_secret(pg)))
    return out


def network_policies(ctx: Context, pg: Postgres) -> Iterator[Part]:
    """Clients and poolers reach PostgreSQL; instances reach each other
    (replication, status); the operator reaches every instance on the status
    port and PostgreSQL's; OpenBao's namespace reaches PostgreSQL when it
    issues users; the monitoring namespace scrapes the exporters."""
    network = ctx.network
    instances = cnpg.instance_pods(pg.name)
    operator = Peer(network["operatorNamespaces"]["cloudnativepg"], cnpg.OPERATOR_POD)
    also = [Allow([operator, Peer(pods=instances)], [cnpg.STATUS_PORT, cnpg.POSTGRES_PORT])]
    if pg.poolers:
        also.append(Allow([Peer(pods=cnpg.pooler_pods(pg.name))], [cnpg.POSTGRES_PORT]))
    if pg.dynamicCredentials and ctx.secrets:
        also.append(Allow([Peer(namespace=ctx.secrets["openbao"]["namespace"])], [cnpg.POSTGRES_PORT]))
    yield kits.service_ingress(
        Owner("postgresql", pg.name), f"{pg.name}-ingress", instances, clients=pg.access.namespaces,
        ports=[cnpg.POSTGRES_PORT], metrics=[cnpg.METRICS_PORT], monitoring=network["monitoringNamespace"],
        also=also)
    for name in pg.poolers:
        yield kits.service_ingress(
            Owner("pgbouncer", name), f"{name}-ingress", cnpg.pooler_pods(pg.name, name),
            clients=pg.access.namespaces, ports=[cnpg.POSTGRES_PORT], metrics=[cnpg.PGBOUNCER_METRICS_PORT],
            monitoring=network["monitoringNamespace"])
    egress = network["egress"]
    if egress:
        # Instances stream and rewind from each other and answer each other's
        # status; their instance manager, and the Barman Cloud plugin's sidecar
        # beside it, watch the API server (internal/cmd/manager/instance/run/
        # cmd.go ctrl.NewManager); backups go to object storage over HTTPS.
        api = kits.to_blocks(egress["apiServer"], egress["apiServerPort"])
        allow = [Allow([Peer(pods=instances)], [cnpg.POSTGRES_PORT, cnpg.STATUS_PORT]), api]
        if pg.backup:
            allow.append(kits.to_blocks(egress["objectStorage"], cnpg.HTTPS_PORT))
        yield kits.network_policy(Owner("postgresql", pg.name), f"{pg.name}-egress", select=instances, egress=allow)
        if pg.poolers:
            # PgBouncer reaches the instances; its manager watches the Pooler
            # (internal/pgbouncer/management/controller/manager.go NewControllerRuntimeClient).
            yield kits.network_policy(Owner("pgbouncer", pg.name), f"{pg.name}-poolers-egress",
                                      select=cnpg.pooler_pods(pg.name),
                                      egress=[Allow([Peer(pods=instances)], [cnpg.POSTGRES_PORT]), api])


def cluster_affinity(nodes: str, pod: Any) -> dict | None:
    """CloudNativePG's AffinityConfiguration (api/v1): its own anti-affinity
    between instances, on and preferred unless told otherwise (so preferred
    writes nothing), then the pod settings it has fields for. Its
    pkg/specs/pods.go CreateAffinitySection adds additionalPodAntiAffinity's
    terms to the generated ones and takes nodeAffinity and additionalPodAffinity
    as given."""
    out: dict[str, Any] = {}
    if nodes == "required":
        out = {"enablePodAntiAffinity": True, "podAntiAffinityType": "required", "topologyKey": HOSTNAME}
    elif nodes == "none":
        out = {"enablePodAntiAffinity": False}
    if pod.nodeSelector:
        out["nodeSelector"] = dict(pod.nodeSelector)
    if pod.tolerations:
        out["tolerations"] = [t.model_dump(exclude_none=True) for t in pod.tolerations]
    user = pod.affinity.model_dump(exclude_none=True) if pod.affinity else {}
    for theirs, ours in (("nodeAffinity", "nodeAffinity"), ("podAffinity", "additionalPodAffinity"),
                         ("podAntiAffinity", "additionalPodAntiAffinity")):
        if theirs in user:
            out[ours] = user[theirs]
    return out or None
