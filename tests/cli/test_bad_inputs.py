"""Every bad input gets one line per problem naming file, line, column and key,
a non-zero exit, no traceback, and out/ byte-for-byte unchanged."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

from dsgen import cli, pipeline
from tests.conftest import PROFILES

P = "{p}/prod.yaml"  # the profile each case writes, with the case's text
B = "{p}/base.yaml"


def line_of(text: str, needle: str) -> int:
    return 1 + text.splitlines().index(needle)


CASES: list[tuple[str, str | bytes, str]] = [
    # --- YAML itself
    ("yaml-syntax", "postgres: [1, 2\n", f"{P}:1:11: this '[' is never closed (found end of file at 2:1)"),
    ("yaml-unclosed-quote", 'postgres:\n  name: "abc\n', f"{P}:2:9: this quoted string is never closed (found end of file at 3:1)"),
    ("yaml-bad-indent", "postgres:\n  instances: 3\n name: x\n", f"{P}:3:2: did not find expected key: this line's indentation does not line up with the mapping that starts at 1:1"),
    ("tabs", "postgres:\n\tinstances: 3\n", f"{P}:2:1: tabs are not allowed in YAML indentation; use spaces"),
    ("duplicate-top-key", "extends: base\nextends: base\n", f"{P}:2:1: duplicate key 'extends'"),
    ("duplicate-nested-key", "extends: base\nkafka:\n  version: 4.1.1\n  version: 4.1.0\n", f"{P}:4:3: duplicate key 'version'"),
    ("empty-file", "", f"{P}: is empty; a profile is a YAML mapping"),
    ("only-comments", "# nothing here\n", f"{P}: is empty; a profile is a YAML mapping"),
    ("a-list", "- extends\n- base\n", f"{P}:1:1: must be a YAML mapping, not a list"),
    ("a-string", "just words\n", f"{P}:1:1: must be a YAML mapping, not a string"),
    ("a-number", "42\n", f"{P}:1:1: must be a YAML mapping, not a number"),
    ("several-documents", "extends: base\n---\nextends: base\n", f"{P}:3:1: holds several YAML documents; a profile is exactly one mapping"),
    ("not-utf8", b"extends: base\nplatform: caf\xe9\n", f"{P}:2:14: is not valid UTF-8 (byte 0xe9)"),
    ("latin1-bom-like", b"\xff\xfeextends: base\n", f"{P}:1:1: is not valid UTF-8 (byte 0xff)"),
    ("alias-bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]\n" for i in range(1, 9)),
     f"{P}: expands to more than 200000 values (anchor/alias expansion?)"),
    ("non-string-key", "extends: base\n1: x\n", f"{P}:2:1: keys must be strings, not a number 1"),
    # --- extends
    ("extends-missing-parent", "extends: nothere\n", f"{P}:1:1: extends: parent profile {{p}}/nothere.yaml does not exist"),
    ("extends-self", "extends: prod\n", f"{P}:1:1: extends: extends forms a cycle: prod.yaml -> prod.yaml"),
    ("extends-escape", "extends: ../../etc/passwd\n", f"{P}:1:1: extends: '../../etc/passwd' is not a profile in this folder (write a name such as base)"),
    ("extends-absolute", "extends: /etc/passwd\n", f"{P}:1:1: extends: '/etc/passwd' is not a profile in this folder (write a name such as base)"),
    ("extends-not-a-string", "extends: [base]\n", f"{P}:1:1: extends: extends names a profile, e.g. base"),
    ("kms-placeholder", "extends: base\nstorageClass:\n  kmsKeyId: arn:aws:kms:us-east-1:ACCOUNT:key/KEY-ID\n",
     f"{P}:3:3: storageClass.kmsKeyId: must be a KMS key's full ARN, arn:aws:kms:REGION:ACCOUNT-NUMBER:key/KEY-ID "
     "(12 digits of account), not the string 'arn:aws:kms:us-east-1:ACCOUNT:key/KEY-ID'"),
    ("credential-path", "extends: base\nsecrets:\n  credentials:\n    redis-auth: {path: /secret/data/redis}\n",
     f"{P}:4:18: secrets.credentials.redis-auth.path: must be a path in the KV mount such as redis/auth, "
     "not the string '/secret/data/redis'"),
    # --- unknown keys at each level
    ("unknown-top", "extends: base\npostgress: {}\n", f"{P}:2:1: postgress: unknown key; did you mean postgres? (expected one of: extends, platform, namespace, kubernetesVersion, operators, network, monitoring, storageClass, secrets, externalSecrets, resources, postgres, redis, kafka, delivery)"),
    ("unknown-operators", "extends: base\noperators:\n  strimzy: '0.49.1'\n", f"{P}:3:3: operators.strimzy: unknown key; did you mean strimzi? (expected one of: cloudnativepg, redisOperator, otRedisOperator, strimzi, barmanCloud, externalSecrets, certManager)"),
    ("unknown-postgres", "extends: base\npostgres:\n  replicas: 3\n", f"{P}:3:3: postgres.replicas: unknown key; did you mean replica? (expected one of: enabled, name, instances, imageName, primaryUpdateStrategy, primaryUpdateMethod, parameters, synchronous, bootstrap, storage, walStorage, enablePDB, resources, spread, pod, backup, replica, roles, certificates, dynamicCredentials, poolers, access, patches)"),
    ("unknown-bootstrap", "extends: base\npostgres:\n  bootstrap:\n    db: x\n", f"{P}:4:5: postgres.bootstrap.db: unknown key; expected one of: database, owner, secret, encoding, locale"),
    ("unknown-pooler", "extends: base\npostgres:\n  poolers:\n    postgres-cluster-pooler-rw:\n      mode: session\n", f"{P}:5:7: postgres.poolers.postgres-cluster-pooler-rw.mode: unknown key; expected one of: type, instances, poolMode, parameters, resources, spread, pod"),
    ("unknown-resources", "extends: base\npostgres:\n  resources:\n    limit: {cpu: 1}\n", f"{P}:4:5: postgres.resources.limit: unknown key; did you mean limits? (expected one of: requests, limits)"),
    ("unknown-resource-name", "extends: base\nredis:\n  redis:\n    resources:\n      limits: {gpu: 1}\n", f"{P}:5:16: redis.redis.resources.limits.gpu: unknown key; did you mean cpu? (expected one of: cpu, memory)"),
    ("unknown-sentinel", "extends: base\nredis:\n  sentinel:\n    quorum: 2\n", f"{P}:4:5: redis.sentinel.quorum: unknown key; expected one of: replicas, image, resources, config, spread, pod"),
    ("unknown-kafka", "extends: base\nkafka:\n  zookeeperMode: true\n", f"{P}:3:3: kafka.zookeeperMode: unknown key; did you mean zookeeper? (expected one of: enabled, name, version, metadataVersion, mode, brokers, controllers, zookeeper, rack, listeners, authorization, config, topics, users, access, backup, mirror, patches)"),
    ("unknown-topic", "extends: base\nkafka:\n  topics:\n    user-events: {retention: 1}\n", f"{P}:4:19: kafka.topics.user-events.retention: unknown key; expected one of: topicName, partitions, replicas, config"),
    ("unknown-acl", "extends: base\nkafka:\n  users:\n    ecotrack-producer:\n      acls:\n        - {resource: {type: topic, name: user-events}, operation: Read}\n", f"{P}:6:11: kafka.users.ecotrack-producer.acls[0].operations: required key is missing\n"
     f"{P}:6:56: kafka.users.ecotrack-producer.acls[0].operation: unknown key; did you mean operations? (expected one of: resource, operations, host, type)"),
    # --- wrong types
    ("instances-string", "extends: base\npostgres:\n  instances: three\n", f"{P}:3:3: postgres.instances: must be a whole number, not the string 'three'"),
    ("instances-float", "extends: base\npostgres:\n  instances: 2.5\n", f"{P}:3:3: postgres.instances: must be a whole number, not the number 2.5"),
    ("enabled-string", "extends: base\nredis:\n  enabled: nope\n", f"{P}:3:3: redis.enabled: must be true or false, not the string 'nope'"),
    ("parameters-list", "extends: base\npostgres:\n  parameters: [work_mem]\n", f"{P}:3:3: postgres.parameters: must be a mapping of keys, not a list"),
    ("parameter-float", "extends: base\npostgres:\n  parameters: {random_page_cost: 1.1}\n", f"{P}:3:16: postgres.parameters.random_page_cost: must be a string or a whole number, not a number; quote it, e.g. \"1.1\""),
    ("parameter-bool", "extends: base\nredis:\n  redis:\n    config: {appendonly: true}\n", f"{P}:4:14: redis.redis.config.appendonly: must be a string or a whole number, not a boolean; quote it, e.g. \"true\""),
    ("kafka-config-map", "extends: base\nkafka:\n  config: {num.partitions: {a: 1}}\n", f"{P}:3:12: kafka.config[num.partitions]: must be a string, number or boolean, not dict"),
    ("version-float", "extends: base\nkubernetesVersion: 1.34\n", f"{P}:2:1: kubernetesVersion: write the version 1.34 in quotes, e.g. \"1.34\""),
    ("version-text", "extends: base\noperators: {strimzi: latest}\n", f"{P}:2:13: operators.strimzi: 'latest' is not a version like 1.2 or 1.2.3"),
    # --- out of range and enums
    ("instances-zero", "extends: base\npostgres:\n  instances: 0\n", f"{P}:3:3: postgres.instances: must be at least 1, not 0"),
    ("partitions-zero", "extends: base\nkafka:\n  topics:\n    user-events: {partitions: 0}\n", f"{P}:4:19: kafka.topics.user-events.partitions: must be at least 1, not 0"),
    ("port-low", "extends: base\nkafka:\n  listeners:\n    - {name: plain, port: 80}\n", f"{P}:4:21: kafka.listeners[0].port: must be at least 9092, not 80"),
    ("pool-mode", "extends: base\npostgres:\n  poolers:\n    postgres-cluster-pooler-rw: {poolMode: statement}\n", f"{P}:4:34: postgres.poolers.postgres-cluster-pooler-rw.poolMode: must be one of session or transaction, not the string 'statement'"),
    ("kafka-mode", "extends: base\nkafka:\n  mode: zk\n", f"{P}:3:3: kafka.mode: must be one of kraft or zookeeper, not the string 'zk'"),
    # --- quantities
    ("quantity-unit", "extends: base\npostgres:\n  storage: {size: 100GB}\n", f"{P}:3:13: postgres.storage.size: '100GB' has an unknown unit 'GB'; use one of n u m k M G T P E Ki Mi Gi Ti Pi Ei"),
    ("quantity-text", "extends: base\nredis:\n  redis:\n    resources:\n      limits: {memory: lots}\n", f"{P}:5:16: redis.redis.resources.limits.memory: 'lots' is not a Kubernetes quantity (e.g. 500m, 1Gi, 2)"),
    ("quantity-negative", "extends: base\nkafka:\n  brokers:\n    storage: {size: -5Gi}\n", f"{P}:4:15: kafka.brokers.storage.size: '-5Gi' must not be negative"),
    ("quantity-bool", "extends: base\npostgres:\n  resources:\n    requests: {cpu: true}\n", f"{P}:4:16: postgres.resources.requests.cpu: a quantity is a number or a string like 500m or 1Gi, not a boolean"),
    # --- cron
    ("cron-fields", "extends: base\npostgres:\n  backup:\n    schedule: '0 2 * *'\n", f"{P}:4:5: postgres.backup.schedule: '0 2 * *' must have 5 fields (minute hour day-of-month month day-of-week), not 4"),
    ("cron-range", "extends: base\npostgres:\n  backup:\n    schedule: '0 25 * * *'\n", f"{P}:4:5: postgres.backup.schedule: '0 25 * * *': hour 25 is outside 0-23"),
    ("cron-name", "extends: base\npostgres:\n  backup:\n    schedule: '0 2 * * funday'\n", f"{P}:4:5: postgres.backup.schedule: '0 2 * * funday': 'funday' is not a valid day of week"),
    ("backup-region", "extends: base\npostgres:\n  backup:\n    s3: {region: US East}\n",
     f"{P}:4:10: postgres.backup.s3.region: must be an AWS region such as us-east-1, not the string 'US East'"),
    ("backup-destination", "extends: base\npostgres:\n  backup:\n    destinationPath: /local/dir\n",
     f"{P}:4:5: postgres.backup.destinationPath: must be an S3 folder, s3://bucket/path, not the string '/local/dir'"),
    ("backup-no-credentials", "extends: base\npostgres:\n  backup:\n    s3: {credentialsSecret: null}\n",
     f"{P}:4:5: postgres.backup.s3: needs credentialsSecret or inheritFromIAMRole: true [DSG302]"),
    # --- Kubernetes names
    ("name-upper", "extends: base\npostgres:\n  name: Postgres\n", f"{P}:3:3: postgres.name: 'Postgres' is not a valid Kubernetes name: use lower-case letters, digits and '-', starting and ending with a letter or digit"),
    ("name-underscore", "extends: base\nnamespace: data_services\n", f"{P}:2:1: namespace: 'data_services' is not a valid Kubernetes name: use lower-case letters, digits and '-', starting and ending with a letter or digit"),
    ("name-too-long", "extends: base\nredis:\n  name: " + "r" * 64 + "\n", f"{P}:3:3: redis.name: '{'r' * 64}' is longer than 63 characters"),
    ("topic-name", "extends: base\nkafka:\n  topics:\n    Bad_Topic: {partitions: 1}\n", f"{P}:4:5: kafka.topics.Bad_Topic: 'Bad_Topic' is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"),
    ("secret-name", "extends: base\nexternalSecrets: ['a b']\n", f"{P}:2:19: externalSecrets[0]: 'a b' is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"),
    ("pg-identifier", "extends: base\npostgres:\n  bootstrap: {database: 1app}\n", f"{P}:3:15: postgres.bootstrap.database: '1app' is not a plain PostgreSQL identifier: lower-case letters, digits and '_', at most 63 characters, not starting with a digit"),
    # --- values that would change meaning in a server's config
    ("newline-in-setting", "extends: base\nredis:\n  redis:\n    config: {maxclients: \"10\\nrequirepass x\"}\n", f"{P}:4:14: redis.redis.config.maxclients: must be a single line (no line breaks or control characters)"),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pristine") / "out"
    pipeline.write(out, pipeline.render(PROFILES, out, all_envs=True))
    return out


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    old = sys.argv
    sys.argv = ["dsgen", *argv]
    try:
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_the_corpus_is_large_enough():
    assert len(CASES) + len(USAGE_CASES) >= 50


@pytest.mark.parametrize("name,text,message", CASES, ids=[c[0] for c in CASES])
def test_bad_profile(name, text, message, tmp_path, pristine, capsys):
    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILES, profiles)
    out = tmp_path / "out"
    shutil.copytree(pristine, out)
    before = tree_hash(out)
    target = profiles / "prod.yaml"
    target.write_bytes(text if isinstance(text, bytes) else text.encode())
    code, stdout, stderr = run(["render", "--env", "prod", "--profiles", str(profiles), "--out", str(out)], capsys)
    assert (code, stdout) == (2, "")
    assert stderr == message.format(p=profiles) + "\n"
    assert "Traceback" not in stderr
    assert tree_hash(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "profiles"]  # no temporary left


USAGE_CASES = [
    ("unknown-env", ["render", "--env", "qa"], "unknown environment 'qa': no {p}/qa.yaml (known: dev, prod, staging)"),
    ("env-dotdot", ["render", "--env", "../x"], "'../x' is not an environment name: use lower-case letters, digits, '-' and '_'"),
    ("env-absolute", ["render", "--env", "/tmp/x"], "'/tmp/x' is not an environment name: use lower-case letters, digits, '-' and '_'"),
    ("env-base", ["render", "--env", "base"], "base is the tree's base, not an environment; name an environment"),
    ("no-env", ["render"], "say which environment: --env NAME or --all"),
    ("unknown-skip", ["validate", "--env", "prod", "--skip", "DSG999"], "--skip DSG999: no such rule (see `dsgen rules`)"),
    ("bad-engine", ["validate", "--env", "prod", "--engine", "fast"], "--engine fast: choose one of auto, builtin, kubeconform"),
]


@pytest.mark.parametrize("name,argv,message", USAGE_CASES, ids=[c[0] for c in USAGE_CASES])
def test_bad_usage(name, argv, message, tmp_path, pristine, capsys):
    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILES, profiles)
    out = tmp_path / "out"
    shutil.copytree(pristine, out)
    before = tree_hash(out)
    code, stdout, stderr = run([*argv, "--out", str(out), *(["--profiles", str(profiles)] if argv[0] == "render" else [])], capsys)
    assert (code, stdout, stderr) == (2, "", message.format(p=profiles) + "\n")
    assert tree_hash(out) == before


def test_unreadable_profiles_folder(tmp_path, capsys):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every folder; permission errors cannot be produced")
    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILES, profiles)
    profiles.chmod(0)
    try:
        code, _, stderr = run(["render", "--all", "--profiles", str(profiles), "--out", str(tmp_path / "out")], capsys)
    finally:
        profiles.chmod(0o755)
    assert (code, stderr) == (2, f"{profiles}: cannot be read: permission denied\n")


def test_profiles_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "profiles"
    target.write_text("postgres: {}\n")
    code, _, stderr = run(["render", "--all", "--profiles", str(target), "--out", str(tmp_path / "out")], capsys)
    assert (code, stderr) == (2, f"{target}: is not a folder of profiles\n")


def test_profile_that_is_a_folder_is_no_environment(tmp_path, capsys):
    profiles = tmp_path / "profiles"
    shutil.copytree(PROFILES, profiles)
    (profiles / "qa.yaml").mkdir()
    code, _, stderr = run(["render", "--env", "qa", "--profiles", str(profiles), "--out", str(tmp_path / "out")], capsys)
    assert (code, stderr) == (2, f"unknown environment 'qa': no {profiles}/qa.yaml (known: dev, prod, staging)\n")


def test_out_in_a_missing_folder(tmp_path, capsys):
    out = tmp_path / "missing" / "out"
    code, _, stderr = run(["render", "--env", "prod", "--out", str(out)], capsys)
    assert (code, stderr) == (2, f"{out}: parent folder {out.parent} does not exist\n")


def test_out_where_nothing_can_be_written(capsys):
    """/proc takes no new folders, even from root."""
    code, _, stderr = run(["render", "--env", "prod", "--out", "/proc/dsgen-out"], capsys)
    assert (code, stderr) == (2, "/proc/dsgen-out: cannot write: No such file or directory\n")


def test_project_config_with_an_unknown_key(tmp_path, capsys, monkeypatch):
    (tmp_path / "dsgen.yaml").write_text("schemaLocation: [x]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DSGEN_SCHEMA_LOCATION", raising=False)
    code, _, stderr = run(["validate", "--all", "--out", str(tmp_path / "out")], capsys)
    assert (code, stderr) == (2, "dsgen.yaml:1:1: schemaLocation: unknown key; expected one of: profiles, out, schemaLocations\n")


def test_out_in_a_read_only_folder(tmp_path, capsys):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes everywhere; a read-only folder cannot be produced")
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        code, _, stderr = run(["render", "--env", "prod", "--out", str(parent / "out")], capsys)
    finally:
        parent.chmod(0o755)
    assert (code, stderr) == (2, f"{parent / 'out'}: parent folder {parent} is not writable\n")
