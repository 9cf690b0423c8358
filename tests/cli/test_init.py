"""dsgen init: a team's own repository that renders, checks and validates as
scaffolded; the editor schemas accept every profile dsgen accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from dsgen import scaffold, yamlio
from dsgen.explain import explain
from dsgen.errors import UsageError
from tests.cli.test_bad_inputs import run
from tests.conftest import EXAMPLE, ROOT

SCAFFOLD = [
    ".github/workflows/dsgen.yaml", ".gitignore", ".pre-commit-config.yaml", "README.md", "dsgen.yaml",
    "profiles/base.yaml", "profiles/dev.yaml", "profiles/prod.yaml", "profiles/staging.yaml",
    "schemas/profile-extends.schema.json", "schemas/profile.schema.json",
]
# The ecotrack example also has its disaster-recovery environment.
EXAMPLE_FILES = {"minimal": SCAFFOLD, "ecotrack": sorted([*SCAFFOLD, "profiles/prod-dr.yaml"])}


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("example", ["minimal", "ecotrack"])
def test_a_scaffolded_repository_renders_checks_and_validates(example, tmp_path, monkeypatch, capsys, kubectl):
    monkeypatch.delenv("DSGEN_SCHEMA_LOCATION", raising=False)
    monkeypatch.setenv("DSGEN_CACHE_DIR", str(tmp_path / "cache" / "schemas"))
    repo = tmp_path / "repo"
    code, out, err = run(["init", str(repo), "--example", example], capsys)
    assert (code, err) == (0, "")
    assert out == (f"created {len(EXAMPLE_FILES[example])} files in {repo} ({example} example); next:\n"
                   f"  cd {repo} && dsgen render --all && dsgen validate --all\n")
    assert files_under(repo) == EXAMPLE_FILES[example]
    monkeypatch.chdir(repo)
    assert run(["render", "--all"], capsys)[0] == 0
    code, out, _ = run(["render", "--all", "--check"], capsys)
    envs = "dev, prod, prod-dr, staging" if example == "ecotrack" else "dev, prod, staging"
    assert (code, out) == (0, f"out is up to date ({envs})\n")
    code, out, err = run(["validate", "--all", "--summary"], capsys)
    assert (code, err) == (0, ""), out
    assert re.search(r"Valid: \d+, Invalid: 0, Errors: 0, Skipped: 0\n$", out)


def test_the_ecotrack_example_is_the_bundled_profiles(tmp_path):
    files = scaffold.plan("ecotrack")
    for path in EXAMPLE.glob("*.yaml"):
        assert files[f"profiles/{path.name}"] == path.read_text()


def test_a_folder_that_is_not_empty_is_refused_unless_forced(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine\n")
    code, _, err = run(["init", str(tmp_path)], capsys)
    assert (code, err) == (2, f"{tmp_path}: not empty; choose an empty folder, or --force to write "
                              "the scaffold's files over what is there\n")
    assert files_under(tmp_path) == ["notes.txt"]
    assert run(["init", str(tmp_path), "--force"], capsys)[0] == 0
    assert files_under(tmp_path) == sorted([*EXAMPLE_FILES["ecotrack"], "notes.txt"])


def test_an_unknown_example_lists_the_choices(tmp_path, capsys):
    code, _, err = run(["init", str(tmp_path / "r"), "--example", "huge"], capsys)
    assert (code, err) == (2, "--example huge: no such example; choose one of ecotrack, minimal\n")
    with pytest.raises(UsageError, match="^--example huge: no such example; choose one of ecotrack, minimal$"):
        scaffold.plan("huge")


def test_published_hooks_are_the_hooks_of_the_scaffold():
    assert (ROOT / ".pre-commit-hooks.yaml").read_text() == scaffold.hooks_manifest()
    published = yamlio.load_documents((ROOT / ".pre-commit-hooks.yaml").read_text(), "hooks")[0]
    local = yamlio.load_documents(scaffold.pre_commit_config(None, None), "config")[0]
    remote = yamlio.load_documents(scaffold.pre_commit_config("https://git.example/dsgen", "v1"), "config")[0]
    assert [h["entry"] for h in local["repos"][0]["hooks"]] == [h["entry"] for h in published]
    assert remote["repos"] == [{"repo": "https://git.example/dsgen", "rev": "v1",
                                "hooks": [{"id": "dsgen-check"}, {"id": "dsgen-validate"}]}]


def _profiles() -> list[Path]:
    folders = [ROOT / "profiles", ROOT / "tests" / "data" / "profiles", ROOT / "src" / "dsgen" / "examples" / "minimal"]
    return sorted(p for folder in folders for p in folder.glob("*.yaml"))


@pytest.mark.parametrize("path", _profiles(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_profile_is_valid_against_the_schema_its_header_names(path):
    header = path.read_text().splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", header)
    assert match, header
    data = yamlio.load_documents(path.read_text(), str(path))[0]
    expected = "profile-extends.schema.json" if "extends" in data else "profile.schema.json"
    schema_path = (path.parent / match.group(1)).resolve()
    if path.is_relative_to(ROOT / "src"):  # the example's header names the scaffolded repo's schema
        schema_path = ROOT / "schemas" / Path(match.group(1)).name
    assert schema_path.name == expected
    errors = list(Draft202012Validator(json.loads(schema_path.read_text())).iter_errors(data))
    assert errors == []


def test_every_profile_key_has_a_description():
    schema = json.loads((ROOT / "schemas" / "profile.schema.json").read_text())
    missing = [f"{name}.{key}" for name, definition in [("Profile", schema), *schema["$defs"].items()]
               for key, value in (definition.get("properties") or {}).items() if not value.get("description")]
    assert missing == []


def test_explain_prints_type_default_and_meaning(capsys):
    code, out, _ = run(["explain", "postgres.poolers.rw.poolMode"], capsys)
    assert (code, out) == (0, "postgres.poolers.rw.poolMode: one of session, transaction (default: \"transaction\")\n"
                              "  session: a server connection per client session; transaction: per transaction.\n")
    assert explain("redis.sentinel").splitlines()[:3] == [
        "redis.sentinel: mapping",
        "  The sentinels that watch them and fail over.",
        "  replicas                 Sentinels (an odd number, 3 or more, for a quorum).",
    ]


def test_explain_an_unknown_key_suggests_the_near_one(capsys):
    code, _, err = run(["explain", "postgres.instnces"], capsys)
    assert code == 2
    assert err.startswith("postgres.instnces: no such key in postgres; did you mean instances? (keys: enabled, name,")


def test_explain_lists_the_keys_of_a_lists_items():
    assert explain("postgres.pod.tolerations").splitlines() == [
        "postgres.pod.tolerations: list of mapping (default: [])",
        "  Taints the pods tolerate, e.g. of nodes dedicated to data services.",
        "  key                      Taint key; empty with operator Exists tolerates every taint.",
        "  operator                 Equal: the taint's value must be `value`; Exists: any value.",
        "  value                    Taint value (with operator Equal).",
        "  effect                   Taint effect to tolerate; empty: every effect.",
        "  tolerationSeconds        With NoExecute: how long the pod stays once the taint appears.",
    ]
