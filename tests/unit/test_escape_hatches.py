"""What the profile does not model: a service's `patches:` and a profile's extra
`resources:`, rendered into the tree as ordinary differences and validated
like the rest."""

from __future__ import annotations

import pytest

from dsgen import pipeline, yamlio
from dsgen.errors import ProfileError
from dsgen.formats import kustomize
from dsgen.patching import PatchFailed, json_patch, merge_patch
from dsgen.validate import api

POSTGRES_PATCHES = """postgres:
  patches:
    - target: {kind: Cluster}
      patch:
        spec:
          enableSuperuserAccess: false
          inheritedMetadata: {annotations: {team: data}}
    - target: {kind: Pooler, name: postgres-cluster-pooler-rw}
      patch:
        - {op: add, path: /spec/pgbouncer/parameters/server_idle_timeout, value: "600"}
"""


def with_prod(profiles_copy, text: str, replace: str = "postgres:\n"):
    path = profiles_copy / "prod.yaml"
    path.write_text(path.read_text().replace(replace, text, 1))
    return profiles_copy


def built(profiles, tmp_path, env="prod") -> dict[tuple[str, str], dict]:
    out = tmp_path / "out"
    result = pipeline.render(profiles, out, all_envs=True)
    pipeline.write(out, result)
    docs = kustomize.Kustomize().documents(out, env)
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def error_of(profiles, tmp_path) -> str:
    with pytest.raises(ProfileError) as info:
        pipeline.render(profiles, tmp_path / "out", all_envs=True)
    return str(info.value)


def test_patches_show_in_the_environment_only_as_overlay_differences(profiles_copy, tmp_path):
    docs = built(with_prod(profiles_copy, POSTGRES_PATCHES), tmp_path)
    cluster = docs[("Cluster", "postgres-cluster")]
    assert cluster["spec"]["enableSuperuserAccess"] is False
    assert cluster["spec"]["inheritedMetadata"] == {"annotations": {"team": "data"}}
    assert cluster["spec"]["instances"] == 3  # merged, not replaced
    pooler = docs[("Pooler", "postgres-cluster-pooler-rw")]
    assert pooler["spec"]["pgbouncer"]["parameters"]["server_idle_timeout"] == "600"
    assert pooler["spec"]["pgbouncer"]["parameters"]["max_client_conn"] == "100"
    ops = yamlio.load_documents(
        (tmp_path / "out/overlays/prod/postgres/patch-pooler-postgres-cluster-pooler-rw.yaml").read_text(), "x")[0]
    assert {"op": "add", "path": "/spec/pgbouncer/parameters/server_idle_timeout", "value": "600"} in ops
    base = yamlio.load_documents((tmp_path / "out/base/postgres/cluster-postgres-cluster.yaml").read_text(), "x")[0]
    assert "enableSuperuserAccess" not in base["spec"]


def test_a_target_that_matches_nothing_names_file_line_and_what_there_is(profiles_copy, tmp_path):
    with_prod(profiles_copy, "postgres:\n  patches:\n    - target: {kind: Clustr}\n      patch: {spec: {}}\n")
    assert error_of(profiles_copy, tmp_path) == (
        "profiles/prod.yaml:10:7: postgres.patches[0].target: matches no rendered resource (kind Clustr); "
        "postgres renders: Cluster/postgres-cluster, NetworkPolicy/postgres-cluster-ingress, "
        "NetworkPolicy/postgres-cluster-pooler-ro-ingress, NetworkPolicy/postgres-cluster-pooler-rw-ingress, "
        "ObjectStore/postgres-cluster-s3, "
        "Pooler/postgres-cluster-pooler-ro, Pooler/postgres-cluster-pooler-rw, "
        "ScheduledBackup/postgres-backup")


def test_a_patch_may_not_rename(profiles_copy, tmp_path):
    with_prod(profiles_copy, "redis:\n  patches:\n    - target: {kind: RedisFailover}\n"
                             "      patch: {metadata: {name: other}}\n", "redis:\n")
    assert error_of(profiles_copy, tmp_path).startswith(
        "profiles/prod.yaml:33:7: redis.patches[0].patch: changes metadata.name of RedisFailover/redis-cluster; "
        "a patch changes a resource, it does not rename or move it")


def test_an_operation_that_cannot_apply_says_which_and_why(profiles_copy, tmp_path):
    with_prod(profiles_copy, "kafka:\n  patches:\n    - target: {kind: KafkaTopic, name: user-events}\n"
                             "      patch: [{op: replace, path: /spec/nothing, value: 1}]\n", "kafka:\n")
    assert error_of(profiles_copy, tmp_path) == (
        "profiles/prod.yaml:39:7: kafka.patches[0].patch: cannot apply to KafkaTopic/user-events: "
        "operation 0 (replace /spec/nothing): /spec/nothing: no such key")


@pytest.mark.parametrize("patch, message", [
    ("[]", "must be a strategic-merge mapping, or a list of RFC 6902 operations ({op, path, value})"),
    ("[{op: frob, path: /a}]", "operation 0 must be a mapping with op (add, remove, replace, move, copy, test) and path"),
])
def test_a_malformed_patch_is_refused_when_loading(profiles_copy, tmp_path, patch, message):
    with_prod(profiles_copy, f"postgres:\n  patches:\n    - target: {{kind: Cluster}}\n      patch: {patch}\n")
    assert error_of(profiles_copy, tmp_path) == f"profiles/prod.yaml:11:7: postgres.patches[0].patch: {message}"


QUOTA = """apiVersion: v1
kind: ResourceQuota
metadata:
  name: data-quota
spec:
  hard:
    requests.storage: 2Ti
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: data-critical
value: 1000000
"""


def test_extra_resources_join_the_tree_with_the_namespace_they_need(profiles_copy, tmp_path):
    (profiles_copy / "extra").mkdir()
    (profiles_copy / "extra" / "quota.yaml").write_text(QUOTA)
    (profiles_copy / "prod.yaml").write_text((profiles_copy / "prod.yaml").read_text() + "resources: [extra/quota.yaml]\n")
    docs = built(profiles_copy, tmp_path)
    assert docs[("ResourceQuota", "data-quota")]["metadata"] == {"name": "data-quota", "namespace": "data"}
    assert docs[("PriorityClass", "data-critical")]["metadata"] == {"name": "data-critical"}
    assert sorted(p.name for p in (tmp_path / "out/overlays/prod/extra").iterdir()) == [
        "kustomization.yaml", "priorityclass-data-critical.yaml", "resourcequota-data-quota.yaml"]
    assert not (tmp_path / "out/overlays/dev/extra").exists()


@pytest.mark.parametrize("entry, content, message", [
    ("extra/none.yaml", None, "profiles/prod.yaml:{line}:13: resources[0]: profiles/extra/none.yaml does not exist"),
    ("/etc/x.yaml", None, "profiles/prod.yaml:{line}:13: resources[0]: '/etc/x.yaml': give a .yaml file, relative to the profiles folder"),
    ("extra/bad.yaml", "kind: ConfigMap\n", "profiles/extra/bad.yaml: document 1 is not a Kubernetes object (apiVersion, kind and metadata.name)"),
    ("extra/bad.yaml", "a: [1\n", "profiles/extra/bad.yaml:1:4: this '[' is never closed (found end of file at 2:1)"),
])
def test_extra_resources_that_cannot_be_used(profiles_copy, tmp_path, entry, content, message):
    (profiles_copy / "extra").mkdir()
    if content is not None:
        (profiles_copy / entry).write_text(content)
    text = (profiles_copy / "prod.yaml").read_text()
    (profiles_copy / "prod.yaml").write_text(text + f"resources: [{entry}]\n")
    line = len(text.splitlines()) + 1
    assert error_of(profiles_copy, tmp_path).startswith(message.format(line=line))


def test_validate_names_the_overlay_patch_that_wrote_a_wrong_value(profiles_copy, tmp_path, kubectl, crds):
    with_prod(profiles_copy, "postgres:\n  patches:\n    - target: {kind: Cluster}\n      patch: {spec: {instances: three}}\n")
    out = tmp_path / "out"
    pipeline.write(out, pipeline.render(profiles_copy, out, all_envs=True))
    report = api.validate_tree(out, "prod", False, [str(crds / "catalog")])
    [wrong] = [r for r in report.results if r.status.name == "INVALID"]
    assert (wrong.path, wrong.file) == ("/spec/instances", str(out / "overlays/prod/postgres/patch-cluster-postgres-cluster.yaml"))


# ---------------------------------------------------------------- the patch functions


def test_json_patch_is_rfc_6902():
    doc = {"a": {"b": [1, 2]}, "c": 1}
    assert json_patch(doc, [{"op": "add", "path": "/a/b/-", "value": 3}, {"op": "add", "path": "/a/b/0", "value": 0},
                            {"op": "move", "from": "/c", "path": "/d"}, {"op": "copy", "from": "/d", "path": "/e"},
                            {"op": "test", "path": "/e", "value": 1}, {"op": "remove", "path": "/a/b/1"},
                            {"op": "replace", "path": "/a/b/0", "value": 9}]) == {"a": {"b": [9, 2, 3]}, "d": 1, "e": 1}
    assert doc == {"a": {"b": [1, 2]}, "c": 1}
    for ops, message in [
        ([{"op": "replace", "path": "/x", "value": 1}], "operation 0 (replace /x): /x: no such key"),
        ([{"op": "remove", "path": "/a/b/5"}], "operation 0 (remove /a/b/5): /a/b/5: index 5 is past the end of a list of 2"),
        ([{"op": "test", "path": "/c", "value": 2}], "operation 0 (test /c): /c: test failed, the value is 1"),
        ([{"op": "add", "path": "/a/b/01", "value": 2}], "operation 0 (add /a/b/01): /a/b/01: '01' is not a list index"),
        ([{"op": "move", "from": "/a", "path": "/a/x"}], "operation 0 (move /a/x): cannot move /a into itself"),
    ]:
        with pytest.raises(PatchFailed) as info:
            json_patch(doc, ops)
        assert str(info.value) == message


def test_merge_patch_merges_named_lists_and_deletes_with_null():
    doc = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b"}], "args": ["1", "2"], "x": 1}}
    patch = {"spec": {"containers": [{"name": "a", "image": "y"}, {"name": "c"}], "args": ["3"], "x": None}}
    assert merge_patch(doc, patch) == {"spec": {"containers": [{"name": "a", "image": "y"}, {"name": "b"}, {"name": "c"}],
                                                "args": ["3"]}}
