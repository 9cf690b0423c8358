"""The design document's values, read back from the built prod overlay.

Expected values are copied from ../shared/seed/data-services-design.md, not
from the profiles, so a change of profile or template that loses one fails.
"""

from __future__ import annotations

import pytest

from dsgen import pipeline, yamlio
from dsgen.formats import kustomize
from tests.conftest import EXAMPLE, ZK_PROFILES

SEED_PG_PARAMETERS = {
    "max_connections": "200", "shared_buffers": "256MB", "effective_cache_size": "1GB",
    "maintenance_work_mem": "64MB", "checkpoint_completion_target": "0.9", "wal_buffers": "16MB",
    "default_statistics_target": "100", "random_page_cost": "1.1",
    "effective_io_concurrency": "200", "work_mem": "4MB", "min_wal_size": "1GB",
    "max_wal_size": "4GB",
}
SEED_KAFKA_CONFIG = {
    "offsets.topic.replication.factor": 3, "transaction.state.log.replication.factor": 3,
    "transaction.state.log.min.isr": 2, "default.replication.factor": 3,
    "min.insync.replicas": 2, "log.retention.hours": 168, "log.segment.bytes": 1073741824,
    "log.retention.check.interval.ms": 300000, "num.network.threads": 8, "num.io.threads": 8,
    "socket.send.buffer.bytes": 102400, "socket.receive.buffer.bytes": 102400,
    "socket.request.max.bytes": 104857600, "num.partitions": 3,
    "num.recovery.threads.per.data.dir": 1, "log.flush.interval.messages": 10000,
    "log.flush.interval.ms": 1000,
}
SEED_TOPICS = {
    "user-events": (6, 604800000, 86400000),
    "order-events": (12, 2592000000, 86400000),
    "payment-events": (6, 7776000000, 86400000),
    "notification-events": (3, 259200000, 3600000),
}
RECOMMENDED_LABELS = {
    "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
    "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by",
}


def built(profiles, env, tmp_path_factory) -> dict[tuple[str, str], dict]:
    out = tmp_path_factory.mktemp(env) / "out"
    pipeline.write(out, pipeline.render(profiles, out, all_envs=True))
    documents = yamlio.load_documents(kustomize.build(out / "overlays" / env), env)
    return {(d["kind"], d["metadata"]["name"]): d for d in documents}


@pytest.fixture(scope="module")
def prod(tmp_path_factory, kubectl):
    return built(EXAMPLE, "prod", tmp_path_factory)


@pytest.fixture(scope="module")
def staging(tmp_path_factory, kubectl):
    return built(EXAMPLE, "staging", tmp_path_factory)


@pytest.fixture(scope="module")
def seed(tmp_path_factory, kubectl):
    return built(ZK_PROFILES, "seed", tmp_path_factory)


def test_everything_is_in_namespace_data_with_recommended_labels(prod):
    for (kind, name), doc in prod.items():
        # the StorageClass is cluster-scoped; credentials for the applications live in theirs
        namespace = doc["metadata"].get("namespace")
        assert namespace == "data" or (kind, namespace) in {("StorageClass", None), ("ExternalSecret", "ecotrack"),
                                                             ("SecretStore", "ecotrack"),
                                                             ("ServiceAccount", "ecotrack"),
                                                             ("VaultDynamicSecret", "ecotrack")}, (kind, name)
        assert RECOMMENDED_LABELS <= set(doc["metadata"]["labels"]), (kind, name)
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "ecotrack"


def test_postgres_cluster(prod):
    spec = prod[("Cluster", "postgres-cluster")]["spec"]
    assert spec["instances"] == 3
    assert spec["primaryUpdateStrategy"] == "unsupervised"
    # the design's postgresql.conf, and its authentication and encryption_in_transit written down
    # and the design's query logs (monitoring: slow queries over 1000ms, connections, lock waits)
    assert spec["postgresql"]["parameters"] == {**SEED_PG_PARAMETERS, "password_encryption": "scram-sha-256",
                                                "ssl_min_protocol_version": "TLSv1.3",
                                                "log_min_duration_statement": "1000", "log_connections": "on",
                                                "log_disconnections": "on", "log_lock_waits": "on"}
    # The design's ssl_mode: require and scram-sha-256, enforced by the server
    # (tests/servers/test_postgres_transport.py runs these lines on a real one).
    assert spec["postgresql"]["pg_hba"] == ["hostnossl all all all reject", "hostssl all all all scram-sha-256"]
    initdb = spec["bootstrap"]["initdb"]
    assert (initdb["database"], initdb["owner"], initdb["secret"]["name"]) == (
        "ecotrack", "ecotrack", "postgres-credentials")
    assert initdb["encoding"] == "UTF8"
    assert initdb["localeCollate"] == initdb["localeCType"] == "en_US.UTF-8"
    assert spec["storage"] == {"size": "100Gi", "storageClass": "gp3", "resizeInUseVolumes": True}
    assert spec["resources"] == {"requests": {"memory": "1Gi", "cpu": "500m"},
                                 "limits": {"memory": "2Gi", "cpu": "1000m"}}


@pytest.mark.parametrize("name,kind", [("postgres-cluster-pooler-rw", "rw"), ("postgres-cluster-pooler-ro", "ro")])
def test_poolers(prod, name, kind):
    spec = prod[("Pooler", name)]["spec"]
    assert spec["cluster"]["name"] == "postgres-cluster"
    assert spec["type"] == kind
    assert spec["pgbouncer"]["poolMode"] == "transaction"
    # The design's pooler settings, and its ssl_mode: require for clients.
    assert spec["pgbouncer"]["parameters"] == {
        "max_client_conn": "100", "default_pool_size": "25", "reserve_pool_size": "5",
        "client_tls_sslmode": "require"}
    [container] = spec["template"]["spec"]["containers"]
    assert container["name"] == "pgbouncer"
    assert container["resources"] == {"requests": {"memory": "64Mi", "cpu": "50m"},
                                      "limits": {"memory": "128Mi", "cpu": "100m"}}


def test_redis_failover(staging):
    """Staging keeps the design's values on spotahome's operator (prod runs OT-Container-Kit's)."""
    spec = staging[("RedisFailover", "redis-cluster")]["spec"]
    assert spec["auth"] == {"secretPath": "redis-auth"}
    sentinel, redis = spec["sentinel"], spec["redis"]
    assert sentinel["replicas"] == 3 and redis["replicas"] == 2
    assert sentinel["resources"] == {"requests": {"memory": "128Mi", "cpu": "50m"},
                                     "limits": {"memory": "256Mi", "cpu": "100m"}}
    assert redis["resources"] == {"requests": {"memory": "256Mi", "cpu": "100m"},
                                  "limits": {"memory": "512Mi", "cpu": "200m"}}
    assert set(sentinel["customConfig"]) == {
        "down-after-milliseconds 5000", "failover-timeout 10000", "parallel-syncs 1"}
    expected = {
        "hash-max-ziplist-entries 512",
        "hash-max-ziplist-value 64", "list-max-ziplist-size -2", "list-compress-depth 0",
        "set-max-intset-entries 512", "zset-max-ziplist-entries 128",
        "zset-max-ziplist-value 64", "tcp-keepalive 300", "timeout 0", "maxclients 10000",
    }
    assert set(redis["customConfig"]) == expected
    # The operator CONFIG SETs customConfig only after a pod starts, and Redis
    # refuses CONFIG SET tcp-backlog: what a starting server must already know
    # is on its command line, after the operator's config file.
    assert redis["command"] == [
        "redis-server", "/redis/redis.conf", "--maxmemory", "400mb", "--maxmemory-policy", "allkeys-lru",
        "--save", "900", "1", "--save", "300", "10", "--save", "60", "10000", "--appendonly", "yes",
        "--appendfsync", "everysec", "--tcp-backlog", "511"]
    # Only part-of reaches the objects the operator creates.
    assert spec["labelWhitelist"] == ["^app\\.kubernetes\\.io/part-of$"]
    pvc = redis["storage"]["persistentVolumeClaim"]
    assert pvc["metadata"]["name"] == "redis-storage"
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert pvc["spec"]["storageClassName"] == "gp3"


def test_prod_redis_meets_the_design_on_ot_container_kit(prod):
    """The design's Redis security: TLS (redis-tls: tls.crt, tls.key, ca.crt) and
    the password on Redis and the sentinels; its settings read at start-up."""
    replication = prod[("RedisReplication", "redis-cluster")]["spec"]
    sentinel = prod[("RedisSentinel", "redis-cluster")]["spec"]
    tls = {"ca": "ca.crt", "cert": "tls.crt", "key": "tls.key", "secret": {"secretName": "redis-tls"}}
    assert replication["TLS"] == tls and sentinel["TLS"] == tls
    assert prod[("Certificate", "redis-tls")]["spec"]["issuerRef"] == {
        "name": "data-services-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    secret = {"name": "redis-auth", "key": "password"}
    assert replication["kubernetesConfig"]["redisSecret"] == secret
    assert sentinel["kubernetesConfig"]["redisSecret"] == secret  # the sentinels require it too
    assert sentinel["redisSentinelConfig"] == {
        "redisReplicationName": "redis-cluster", "masterGroupName": "mymaster", "redisPort": "6379", "quorum": "2",
        "downAfterMilliseconds": "5000", "failoverTimeout": "10000", "parallelSyncs": "1",
        "redisReplicationPassword": {"secretKeyRef": secret}}
    assert replication["clusterSize"] == 3 and sentinel["clusterSize"] == 3
    for spec in (replication, sentinel):
        assert spec["redisExporter"]["enabled"] is True
        assert spec["podSecurityContext"]["runAsNonRoot"] is True
        assert spec["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert replication["kubernetesConfig"]["image"] == "quay.io/opstree/redis:v7.0.15"
    assert sentinel["kubernetesConfig"]["image"] == "quay.io/opstree/redis-sentinel:v7.0.15"
    config = prod[("ConfigMap", replication["redisConfig"]["additionalRedisConfig"])]["data"]["redis-additional.conf"]
    assert config.splitlines()[:4] == ["maxmemory 400mb", "maxmemory-policy allkeys-lru", 'save ""',
                                       "save 900 1 300 10 60 10000"]
    assert replication["storage"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] == "10Gi"


def _kafka_common(kafka, backup=False):
    spec = kafka["spec"]["kafka"]
    # The design's kafka_access: ecotrack and monitoring, as the peers Strimzi's
    # own NetworkPolicy admits on each listener; the metadata backup job's pods
    # on the TLS listener it connects through.
    peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
             for namespace in ("ecotrack", "monitoring")]
    job = [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "kafka-backup",
                                            "app.kubernetes.io/instance": "kafka-cluster"}}}] if backup else []
    assert spec["listeners"][:2] == [
        {"name": "plain", "port": 9092, "type": "internal", "tls": False,
         "authentication": {"type": "scram-sha-512"}, "networkPolicyPeers": peers},
        {"name": "tls", "port": 9093, "type": "internal", "tls": True,
         "authentication": {"type": "scram-sha-512"}, "networkPolicyPeers": peers + job},
    ]
    assert spec["authorization"]["type"] == "simple"
    assert kafka["spec"]["entityOperator"] == {"topicOperator": {}, "userOperator": {}}
    return spec


def test_kafka_kraft_on_current_strimzi(prod):
    kafka = prod[("Kafka", "kafka-cluster")]
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1"
    spec = _kafka_common(kafka, backup=True)
    # prod's third listener is for the DR region's MirrorMaker 2 (profiles/prod-dr.yaml): a load balancer
    # that only us-west-2's network reaches, keeping the clients' addresses for the NetworkPolicy.
    peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
             for namespace in ("ecotrack", "monitoring")]
    assert spec["listeners"][2:] == [
        {"name": "dr", "port": 9094, "type": "loadbalancer", "tls": True, "authentication": {"type": "scram-sha-512"},
         "networkPolicyPeers": peers + [{"ipBlock": {"cidr": "10.1.0.0/16"}}],
         "configuration": {"externalTrafficPolicy": "Local", "loadBalancerSourceRanges": ["10.1.0.0/16"]}}]
    assert spec["config"] == SEED_KAFKA_CONFIG
    assert "zookeeper" not in kafka["spec"]
    pools = {name: d for (kind, name), d in prod.items() if kind == "KafkaNodePool"}
    # production runs dedicated KRaft controllers apart from the design's 3 brokers
    assert {name: p["spec"]["roles"] for name, p in pools.items()} == {
        "broker": ["broker"], "controller": ["controller"]}
    broker = pools["broker"]["spec"]
    assert broker["replicas"] == 3
    assert broker["storage"] == {"type": "persistent-claim", "size": "50Gi", "class": "gp3", "deleteClaim": False}
    assert broker["resources"] == {"requests": {"memory": "1Gi", "cpu": "500m"},
                                   "limits": {"memory": "2Gi", "cpu": "1000m"}}
    assert pools["controller"]["spec"]["replicas"] == 3
    for pool in pools.values():
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == "kafka-cluster"
        affinity = pool["spec"]["template"]["pod"]["affinity"]["podAntiAffinity"]
        [term] = affinity["requiredDuringSchedulingIgnoredDuringExecution"]
        assert term["labelSelector"]["matchLabels"] == {
            "strimzi.io/cluster": "kafka-cluster", "strimzi.io/pool-name": pool["metadata"]["name"]}
    assert kafka["spec"]["kafka"]["rack"] == {"topologyKey": "topology.kubernetes.io/zone"}


def test_production_shape(prod):
    """Synchronous replication, required anti-affinity by node and a zone spread for every workload."""
    cluster = prod[("Cluster", "postgres-cluster")]["spec"]
    assert cluster["postgresql"]["synchronous"] == {"method": "any", "number": 1, "dataDurability": "required"}
    assert cluster["affinity"] == {"enablePodAntiAffinity": True, "podAntiAffinityType": "required",
                                   "topologyKey": "kubernetes.io/hostname"}
    assert cluster["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"] == {
        "cnpg.io/cluster": "postgres-cluster", "cnpg.io/podRole": "instance"}
    assert cluster["imageName"] == "ghcr.io/cloudnative-pg/postgresql:18.6-standard-trixie"
    for name in ("postgres-cluster-pooler-rw", "postgres-cluster-pooler-ro"):
        pod = prod[("Pooler", name)]["spec"]["template"]["spec"]
        [term] = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        assert term["labelSelector"]["matchLabels"] == {"cnpg.io/poolerName": name}
    # OT-Container-Kit's pod labels (common/labels.go); it adds no affinity of its own
    for kind, labels in (("RedisReplication", {"app": "redis-cluster", "redis_setup_type": "replication",
                                               "role": "replication"}),
                         ("RedisSentinel", {"app": "redis-cluster-sentinel", "redis_setup_type": "sentinel",
                                            "role": "sentinel"})):
        redis = prod[(kind, "redis-cluster")]["spec"]
        [term] = redis["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        assert term["labelSelector"]["matchLabels"] == labels
        assert redis["topologySpreadConstraints"][0]["whenUnsatisfiable"] == "ScheduleAnyway"


def test_kafka_zookeeper_seed_literally(seed):
    kafka = seed[("Kafka", "kafka-cluster")]
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1beta2"
    spec = _kafka_common(kafka)
    assert spec["version"] == "3.6.0"
    assert spec["replicas"] == 3
    assert spec["config"] == {**SEED_KAFKA_CONFIG, "inter.broker.protocol.version": "3.6",
                              "log.message.format.version": "3.6"}
    assert spec["storage"] == {"type": "persistent-claim", "size": "50Gi", "class": "gp3",
                               "deleteClaim": False}
    zookeeper = kafka["spec"]["zookeeper"]
    assert zookeeper["replicas"] == 3
    assert zookeeper["config"] == {"tickTime": 2000, "initLimit": 5, "syncLimit": 2,
                                   "autopurge.snapRetainCount": 3, "autopurge.purgeInterval": 1}
    assert zookeeper["storage"] == {"type": "persistent-claim", "size": "10Gi", "class": "gp3",
                                    "deleteClaim": False}
    assert zookeeper["resources"] == {"requests": {"memory": "512Mi", "cpu": "250m"},
                                      "limits": {"memory": "1Gi", "cpu": "500m"}}
    assert not any(kind == "KafkaNodePool" for kind, _ in seed)


@pytest.mark.parametrize("tree", ["prod", "seed"])
def test_topics(request, tree):
    docs = request.getfixturevalue(tree)
    topics = {name: d for (kind, name), d in docs.items() if kind == "KafkaTopic"}
    assert set(topics) == set(SEED_TOPICS)
    for name, (partitions, retention, segment) in SEED_TOPICS.items():
        topic = topics[name]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "kafka-cluster"
        assert topic["spec"]["partitions"] == partitions
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"] == {"retention.ms": retention, "segment.ms": segment,
                                           "cleanup.policy": "delete"}


@pytest.mark.parametrize("tree", ["prod", "seed"])
def test_users(request, tree):
    docs = request.getfixturevalue(tree)
    users = {name: d for (kind, name), d in docs.items() if kind == "KafkaUser"}
    secrets = {"ecotrack-producer": "kafka-producer-credentials",
               "ecotrack-consumer": "kafka-consumer-credentials",
               "ecotrack-admin": "kafka-admin-credentials"}
    # The design's three users, and a producer for each service that publishes
    # the topics only the super user could write: Write on exactly its topic.
    # prod also has the metadata backup job's own user (kafka.backup), which may only describe, and
    # the user the DR region's MirrorMaker 2 reads as.
    backup = {"kafka-cluster-backup", "kafka-dr-mirror"} if tree == "prod" else set()
    assert set(users) == set(secrets) | {"ecotrack-payment-producer", "ecotrack-notification-producer"} | backup
    if backup:
        acls = users["kafka-cluster-backup"]["spec"]["authorization"]["acls"]
        assert {op for acl in acls for op in acl["operations"]} == {"Describe", "DescribeConfigs"}
    for name, topic in (("ecotrack-payment-producer", "payment-events"),
                        ("ecotrack-notification-producer", "notification-events")):
        spec = users[name]["spec"]
        assert "password" not in spec["authentication"]  # the User Operator generates it
        assert spec["authorization"]["acls"] == [
            {"resource": {"type": "topic", "name": topic, "patternType": "literal"},
             "operations": ["Write", "Describe"], "type": "allow"}]
    for name, secret in secrets.items():
        user = users[name]
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == "kafka-cluster"
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        assert user["spec"]["authentication"]["password"]["valueFrom"]["secretKeyRef"]["name"] == secret
    producer = users["ecotrack-producer"]["spec"]["authorization"]
    assert producer["type"] == "simple"
    granted = {(a["resource"]["type"], a["resource"]["name"], tuple(a["operations"]))
               for a in producer["acls"]}
    assert granted == {("topic", "user-events", ("Read", "Write")),
                       ("topic", "order-events", ("Read", "Write"))}


def test_postgres_backups_to_s3(prod, staging):
    """Design: S3 bucket/path in us-east-1, AES256, gzip, immediate checkpoint.
    "Backup and Recovery Configuration": daily at 2 AM, 30d (the base, as staging
    has it); "Comprehensive Backup Strategy" (prod): a full backup on Sunday and
    one on each other day at 02:00, kept 12 weeks."""
    scheduled = staging[("ScheduledBackup", "postgres-backup")]["spec"]
    assert scheduled["cluster"]["name"] == "postgres-cluster"
    assert scheduled["schedule"] == "0 0 2 * * *"  # CloudNativePG counts seconds first
    assert scheduled["immediate"] is True
    assert scheduled["method"] == "plugin"
    assert staging[("ObjectStore", "postgres-cluster-s3")]["spec"]["retentionPolicy"] == "30d"
    assert ("ScheduledBackup", "postgres-backup") not in prod
    weekly = prod[("ScheduledBackup", "postgres-backup-weekly")]["spec"]
    daily = prod[("ScheduledBackup", "postgres-backup-daily")]["spec"]
    assert (weekly["schedule"], weekly["immediate"], weekly["cluster"]) == (
        "0 0 2 * * 0", True, {"name": "postgres-cluster"})
    assert (daily["schedule"], daily["immediate"], daily["method"]) == ("0 0 2 * * 1-6", False, "plugin")
    store = prod[("ObjectStore", "postgres-cluster-s3")]["spec"]
    assert store["retentionPolicy"] == "12w"
    conf = store["configuration"]
    # Each environment archives into a folder of its own.
    assert conf["destinationPath"] == "s3://eks-learning-lab-postgres-backups/postgres-cluster/prod"
    assert conf["endpointURL"] == "https://s3.us-east-1.amazonaws.com"
    assert conf["wal"] == {"compression": "gzip", "encryption": "AES256"}
    assert conf["data"] == {"compression": "gzip", "encryption": "AES256", "immediateCheckpoint": True}
    plugins = prod[("Cluster", "postgres-cluster")]["spec"]["plugins"]
    assert plugins == [{"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True,
                        "parameters": {"barmanObjectName": "postgres-cluster-s3"}}]


def test_volumes_are_encrypted_gp3(prod):
    """The design's encryption_at_rest on the gp3 class every volume names."""
    storage_class = prod[("StorageClass", "gp3")]
    assert "namespace" not in storage_class["metadata"]  # cluster-scoped
    assert storage_class["provisioner"] == "ebs.csi.aws.com"
    assert storage_class["parameters"] == {"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"}
    assert (storage_class["allowVolumeExpansion"], storage_class["volumeBindingMode"],
            storage_class["reclaimPolicy"]) == (True, "WaitForFirstConsumer", "Retain")
    assert prod[("Cluster", "postgres-cluster")]["spec"]["storage"]["storageClass"] == "gp3"


def test_prod_kafka_exports_the_metrics_its_alerts_use(prod):
    """metricsConfig points at the rules' ConfigMap (Strimzi's documented JMX
    exporter rules, lower-cased names), and the Kafka Exporter runs."""
    spec = prod[("Kafka", "kafka-cluster")]["spec"]
    ref = spec["kafka"]["metricsConfig"]["valueFrom"]["configMapKeyRef"]
    assert spec["kafka"]["metricsConfig"]["type"] == "jmxPrometheusExporter"
    config = prod[("ConfigMap", ref["name"])]["data"][ref["key"]]
    assert "lowercaseOutputName: true" in config
    assert "name: kafka_$1_$2_$3\n" in config  # kafka.controller:type=KafkaController,name=... -> kafka_controller_...
    assert spec["kafkaExporter"] == {"topicRegex": ".*", "groupRegex": ".*"}
