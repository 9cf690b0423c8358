"""The profile rules of every component together."""

from __future__ import annotations

import pytest

from tests.components.harness import findings
from tests.conftest import PROFILES


def test_bundled_base_is_clean():
    assert findings({}) == []


def test_environments_sharing_one_backup_archive_are_refused(profiles_copy, tmp_path):
    """Barman Cloud archives WAL only into an empty archive: two environments
    that archive as the same serverName into one destination cannot both work."""
    from dsgen import pipeline
    from dsgen.errors import ProfileError

    for env in ("dev", "staging"):
        text = (profiles_copy / f"{env}.yaml").read_text()
        (profiles_copy / f"{env}.yaml").write_text(
            text + "\n" if "\npostgres:\n" not in text else text.replace(
                "\npostgres:\n", "\npostgres:\n  backup:\n    environmentFolder: false\n", 1))
    with pytest.raises(ProfileError) as info:
        pipeline.render(profiles_copy, tmp_path / "out", env="prod")
    lines = str(info.value).splitlines()
    assert lines == [
        f"profiles/{env}.yaml:8:5: postgres.backup.environmentFolder: {env} archives into "
        "s3://eks-learning-lab-postgres-backups/postgres-cluster as serverName postgres-cluster, as "
        f"{other} does; Barman Cloud archives only into an empty archive: give each environment its own "
        "destination (backup.environmentFolder: true) (with postgres.backup.destinationPath at "
        "profiles/base.yaml:103:5) [DSG311]"
        for env, other in (("dev", "staging"), ("staging", "dev"))]


def test_each_environment_archives_into_its_own_folder(tmp_path):
    from dsgen import pipeline

    result = pipeline.render(PROFILES, tmp_path / "out", all_envs=True)
    paths = {env: result.files[f"overlays/{env}/postgres/patch-objectstore-postgres-cluster-s3.yaml"]
             for env in ("dev", "prod", "staging")}
    for env, text in paths.items():
        assert f"value: s3://eks-learning-lab-postgres-backups/postgres-cluster/{env}\n" in text


@pytest.mark.parametrize("change,expected", [
    ({"operators": {"cloudnativepg": "1.20.0"}},
     ("DSG321", ("operators", "cloudnativepg"), "dsgen supports CloudNativePG 1.24.0 to 1.30.x, not 1.20.0")),
    ({"operators": {"redisOperator": "1.3.0"}},
     ("DSG321", ("operators", "redisOperator"), "dsgen supports the redis-operator 1.2.0 to 1.2.x, not 1.3.0")),
    ({"operators": {"strimzi": "0.49.7"}},
     ("DSG321", ("operators", "strimzi"), "0.49.7 is not a Strimzi release dsgen knows (0.41.0 to 1.2.0)")),
    ({"kubernetesVersion": "1.20"},
     ("DSG321", ("kubernetesVersion",), "dsgen validates Kubernetes 1.25 to 1.37, not 1.20")),
])
def test_pinned_versions_outside_what_dsgen_supports(change, expected):
    assert expected in findings(change)
