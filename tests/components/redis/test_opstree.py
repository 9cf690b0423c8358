"""redis.operator: opstree, what dsgen refuses on it, and what only it can do."""

from __future__ import annotations

import pytest

from tests.components.harness import findings

OPSTREE = {"redis": {"operator": "opstree", "redis": {"image": "quay.io/opstree/redis:v7.0.15"},
                     "sentinel": {"image": "quay.io/opstree/redis-sentinel:v7.0.15"}}}


def _deep(change: dict) -> dict:
    from dsgen.profiles import _deep_merge

    return _deep_merge(OPSTREE, change)


def rules(change: dict, ids=("DSG330", "DSG334")) -> list[tuple]:
    return [f for f in findings(_deep(change)) if f[0] in ids]


def test_the_bundled_settings_are_accepted_on_opstree():
    assert rules({}) == []
    assert rules({"redis": {"tls": {"issuer": "ca"}, "access": {"requireTls": True}}}) == []


@pytest.mark.parametrize("change, expected", [
    ({"redis": {"redis": {"image": "redis:7.2.6-alpine"}}},
     [("DSG334", ("redis", "redis", "image"), "redis:7.2.6-alpine is not quay.io/opstree/redis: the operator relies "
       "on its images' entrypoints to write redis.conf; use quay.io/opstree/redis:<tag> "
       "(e.g. quay.io/opstree/redis:v7.0.15)")]),
    ({"redis": {"redis": {"config": {"port": "6380"}}}},
     [("DSG334", ("redis", "redis", "config", "port"),
       "the operator writes this itself (auth, TLS, port, data directory); the value would override it")]),
    ({"redis": {"sentinel": {"config": {"auth-pass": "x"}}}},
     [("DSG334", ("redis", "sentinel", "config", "auth-pass"), "the RedisSentinel has no field for it; use "
       "down-after-milliseconds, failover-timeout, parallel-syncs")]),
    ({"redis": {"redis": {"storage": {"claimName": "data"}}}},
     [("DSG334", ("redis", "redis", "storage", "claimName"),
       "spotahome only: OT-Container-Kit's redis-operator names the claims itself; remove it")]),
    ({"redis": {"name": "a-redis-with-a-name-long-enough-to-break-pods"}},
     [("DSG334", ("redis", "name"), "45 characters: the sentinels' StatefulSet "
       "a-redis-with-a-name-long-enough-to-break-pods-sentinel must be at most 52 (Kubernetes labels its pods "
       "<statefulset>-<hash>, at most 63); use at most 43")]),
    ({"redis": {"access": {"requireTls": True}}},
     [("DSG334", ("redis", "access", "requireTls"),
       "requireTls needs redis.tls: without it Redis and the sentinels serve plaintext only")]),
    ({"redis": {"sentinel": {"pod": {"annotations": {"a": "b"}}}}},
     [("DSG334", ("redis", "sentinel", "pod", "annotations"), "the RedisSentinel has no pod annotations "
       "(api/common/v1beta2: the operator copies the resource's own labels onto its pods); remove them")]),
], ids=["foreign-image", "managed-setting", "sentinel-setting", "claim-name", "long-name", "require-tls",
        "pod-annotations"])
def test_refused_on_opstree(change, expected):
    assert rules(change) == expected


def test_tls_is_refused_on_spotahome():
    found = [f for f in findings({"redis": {"tls": {"issuer": "ca"}}}) if f[0] == "DSG330"]
    assert found == [("DSG330", ("redis", "tls"), "spotahome's redis-operator 1.2 cannot serve TLS (its "
                      "RedisFailover has no TLS settings): use redis.operator: opstree, or leave it out")]


def test_tls_from_openbao_is_a_credential_like_the_others():
    found = [f for f in findings(_deep({"redis": {"tls": {}}})) if f[0] == "DSG331"]
    assert found == [("DSG331", ("redis", "tls", "secretName"), "Secret 'redis-tls' comes from nowhere: give it an "
                      "OpenBao path in secrets.credentials, or list it in externalSecrets if the cluster holds it")]


def test_tls_from_openbao_is_an_external_secret_of_type_tls(tmp_path):
    from dsgen import pipeline
    from dsgen.profiles import ProfileStore
    from tests.conftest import EXAMPLE

    for path in EXAMPLE.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "vault.yaml").write_text(
        "extends: prod\nredis:\n  tls: {secretName: redis-tls, issuer: null}\n"
        "secrets:\n  credentials:\n    redis-tls: {path: redis/tls}\n")
    docs = [r.doc for r in pipeline.render_env(ProfileStore(tmp_path), "vault").resources]
    assert not [d for d in docs if d["kind"] == "Certificate" and d["metadata"]["name"] == "redis-tls"]
    [secret] = [d for d in docs if d["kind"] == "ExternalSecret" and d["metadata"]["name"] == "redis-tls"
                and d["metadata"]["namespace"] == "data"]
    assert secret["spec"]["target"]["template"] == {"type": "kubernetes.io/tls"}
    assert [(item["secretKey"], item["remoteRef"]) for item in secret["spec"]["data"]] == [
        (key, {"key": "redis/tls", "property": key}) for key in ("tls.crt", "tls.key", "ca.crt")]
