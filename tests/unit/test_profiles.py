"""Loading profiles: extends, merging, and where problems are reported."""

from __future__ import annotations

import pytest

from dsgen.errors import ProfileError, UsageError
from dsgen.profiles import ProfileStore
from tests.conftest import PROFILES

MINIMAL = """\
namespace: data
postgres:
  storage: {size: 10Gi}
"""


def store(tmp_path, **files: str) -> ProfileStore:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    return ProfileStore(tmp_path, "p")


def errors(tmp_path, env="dev", **files) -> list[str]:
    with pytest.raises(ProfileError) as info:
        store(tmp_path, **files).load(env)
    return info.value.lines()


def test_bundled_profiles_load():
    profiles = ProfileStore(PROFILES)
    assert profiles.environments() == ["dev", "prod", "staging"]
    prod = profiles.load("prod")
    assert prod.sources == ("profiles/base.yaml", "profiles/prod.yaml")
    assert set(prod.profile.postgres.poolers) == {"postgres-cluster-pooler-rw", "postgres-cluster-pooler-ro"}


def test_extends_merges_maps_replaces_lists_and_null_removes(tmp_path):
    s = store(
        tmp_path,
        base=MINIMAL + "  parameters: {work_mem: 4MB, max_connections: '100'}\n"
        "kafka:\n  version: 4.1.1\n  brokers: {replicas: 3, storage: {size: 1Gi}}\n"
        "  listeners: [{name: plain, port: 9092}, {name: tls, port: 9093, tls: true}]\n"
        "  access: {namespaces: [app]}\n",
        dev="extends: base\npostgres:\n  parameters: {work_mem: null, max_connections: '50'}\n"
        "kafka:\n  listeners: [{name: plain, port: 9092}]\n",
    )
    profile = s.load("dev").profile
    assert profile.postgres.parameters == {"max_connections": "50"}
    assert [listener.name for listener in profile.kafka.listeners] == ["plain"]
    assert profile.postgres.storage.size == "10Gi"


def test_extends_cycle(tmp_path):
    assert errors(tmp_path, base=MINIMAL, dev="extends: qa\n", qa="extends: dev\n") == [
        "p/qa.yaml:1:1: extends: extends forms a cycle: dev.yaml -> qa.yaml -> dev.yaml"]


def test_extends_missing_parent(tmp_path):
    assert errors(tmp_path, base=MINIMAL, dev="# comment\nextends: nope\n") == [
        "p/dev.yaml:2:1: extends: parent profile p/nope.yaml does not exist"]


def test_extends_cannot_leave_the_folder(tmp_path):
    assert errors(tmp_path, base=MINIMAL, dev="extends: ../etc/passwd\n") == [
        "p/dev.yaml:1:1: extends: '../etc/passwd' is not a profile in this folder (write a name such as base)"]


def test_problem_is_reported_in_the_file_that_wrote_the_key(tmp_path):
    assert errors(
        tmp_path,
        base=MINIMAL + "  instances: 0\n",
        dev="extends: base\npostgres:\n  name: Bad_Name\n",
    ) == [
        "p/base.yaml:4:3: postgres.instances: must be at least 1, not 0",
        "p/dev.yaml:3:3: postgres.name: 'Bad_Name' is not a valid Kubernetes name: use lower-case "
        "letters, digits and '-', starting and ending with a letter or digit",
    ]


def test_missing_required_key_points_at_its_parent(tmp_path):
    assert errors(tmp_path, dev="postgres:\n  instances: 2\n") == [
        "p/dev.yaml:1:1: postgres.storage: required key is missing"]


def test_wrong_types(tmp_path):
    assert errors(tmp_path, dev=MINIMAL + "  instances: three\n  parameters: {work_mem: 1.5}\n") == [
        "p/dev.yaml:4:3: postgres.instances: must be a whole number, not the string 'three'",
        "p/dev.yaml:5:16: postgres.parameters.work_mem: must be a string or a whole number, not a number; quote it, e.g. \"1.5\"",
    ]


def test_unquoted_version_is_explained(tmp_path):
    assert errors(tmp_path, dev=MINIMAL + "kubernetesVersion: 1.30\n") == [
        'p/dev.yaml:4:1: kubernetesVersion: write the version 1.3 in quotes, e.g. "1.3"']


def test_unknown_environment_and_base(tmp_path):
    s = store(tmp_path, dev=MINIMAL)
    with pytest.raises(UsageError) as info:
        s.load("qa")
    assert str(info.value) == "unknown environment 'qa': no p/qa.yaml (known: dev)"
    with pytest.raises(UsageError) as info:
        s.load("base")
    assert str(info.value) == "p/base.yaml: missing; it is rendered as out/base, the tree's base"


def test_no_pydantic_wording_reaches_the_user(tmp_path):
    """Every wrong type at every kind of key is said in dsgen's words."""
    from pydantic import ValidationError

    from dsgen.models import Profile
    from dsgen.profiles import _plain

    wrong = [None, "text", 3, 2.5, True, [1], {"a": 1}]
    sections = {"postgres": {"storage": {"size": "1Gi"}}, "kafka": {"version": "4.1.1", "brokers": {"storage": {}}}}
    paths = [("platform",), ("externalSecrets",), ("operators",), ("postgres",), ("postgres", "instances"),
             ("postgres", "enabled"), ("postgres", "parameters"), ("postgres", "primaryUpdateStrategy"),
             ("postgres", "pod"), ("postgres", "pod", "tolerations"), ("postgres", "poolers"),
             ("postgres", "backup"), ("kafka", "listeners"), ("kafka", "config"), ("kafka", "users"),
             ("postgres", "patches"), ("postgres", "storage", "size")]
    messages = set()
    for path in paths:
        for value in wrong:
            data = json_copy(sections)
            node = data
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value
            try:
                Profile.model_validate(data)
            except ValidationError as exc:
                messages.update(_plain(e) for e in exc.errors() if e["type"] not in ("extra_forbidden", "missing"))
    assert messages
    for text in messages:
        for pydantic_words in ("Input should", "instance of", "NoneType", "dictionary", "String should", "Value error"):
            assert pydantic_words not in text, text


def json_copy(value):
    import json

    return json.loads(json.dumps(value))


@pytest.mark.parametrize("name, message", [
    ("Prod.yaml", "{p}/Prod.yaml: 'Prod' is not an environment name: use lower-case letters, digits, '-' and '_' (rename the file)"),
    ("prod-EU.yaml", "{p}/prod-EU.yaml: 'prod-EU' is not an environment name: use lower-case letters, digits, '-' and '_' (rename the file)"),
    ("prod.yml", "{p}/prod.yml: profiles end in .yaml; rename it to prod.yaml"),
])
def test_a_profile_file_that_would_be_skipped_is_an_error(profiles_copy, tmp_path, name, message):
    from dsgen import pipeline
    from dsgen.errors import UsageError

    (profiles_copy / name).write_text("extends: base\n")
    with pytest.raises(UsageError) as info:
        pipeline.render(profiles_copy, tmp_path / "out", all_envs=True)
    assert str(info.value) == message.format(p="profiles")


@pytest.mark.parametrize("text, message", [
    ("kafka:\n  topics:\n    user-event: {replicas: 1}\n",
     "qa.yaml:4:5: kafka.topics.user-event: adds a new topic that sets only some of the keys of the "
     "inherited 'user-events'; did you mean user-events? (a new topic needs a name further from the others)"),
    ("postgres:\n  poolers:\n    postgres-cluster-pooler-rx: {instances: 1}\n",
     "qa.yaml:4:5: postgres.poolers.postgres-cluster-pooler-rx: adds a new pooler that sets only some of "
     "the keys of the inherited 'postgres-cluster-pooler-rw'; did you mean postgres-cluster-pooler-rw? "
     "(a new pooler needs a name further from the others)"),
])
def test_a_near_miss_of_an_inherited_name_is_refused(profiles_copy, tmp_path, text, message):
    from dsgen import pipeline

    (profiles_copy / "qa.yaml").write_text("extends: base\n" + text)
    with pytest.raises(ProfileError) as info:
        pipeline.render(profiles_copy, tmp_path / "out", all_envs=True)
    assert str(info.value) == "profiles/" + message


def test_a_new_entry_of_its_own_may_have_a_close_name(profiles_copy, tmp_path):
    """prod's read-only pooler (-ro) is one edit from base's -rw, and complete."""
    from dsgen import pipeline

    result = pipeline.render(profiles_copy, tmp_path / "out", env="prod")
    assert any("pooler-postgres-cluster-pooler-ro.yaml" in f for f in result.files)


def test_a_problem_between_two_files_names_both_places(profiles_copy, tmp_path):
    from dsgen import pipeline

    dev = (profiles_copy / "dev.yaml").read_text()
    (profiles_copy / "dev.yaml").write_text(dev.replace("redis:\n  redis:\n", "redis:\n  redis:\n    resources:\n      limits: {memory: 256Mi}\n", 1))
    line = dev.splitlines().index("  redis:") + 3
    maxmemory = (profiles_copy / "base.yaml").read_text().splitlines().index("      maxmemory: 400mb") + 1
    with pytest.raises(ProfileError) as info:
        pipeline.render(profiles_copy, tmp_path / "out", all_envs=True)
    assert str(info.value) == (
        f"profiles/dev.yaml:{line}:16: redis.redis.resources.limits.memory: 400mb is not below the memory limit "
        f"256Mi; Redis would be killed before evicting keys (with redis.redis.config.maxmemory at "
        f"profiles/base.yaml:{maxmemory}:7) [DSG305]")
