"""dsgen.yaml: found by walking up from the working folder (render) or from the
tree being validated; its paths are relative to itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dsgen import config
from dsgen.errors import ProfileError
from dsgen.validate import cache
from tests.cli.test_bad_inputs import run
from tests.conftest import ZK_PROFILES


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.delenv("DSGEN_SCHEMA_LOCATION", raising=False)
    root = tmp_path / "repo"
    (root / "deep" / "er").mkdir(parents=True)
    shutil.copytree(ZK_PROFILES, root / "p")
    (root / "dsgen.yaml").write_text("profiles: p\nout: rendered\nschemaLocations: [crds, 'https://x/{{.Group}}.json']\n")
    return root


def test_found_from_a_folder_below_and_paths_relative_to_the_file(repo, monkeypatch):
    monkeypatch.chdir(repo / "deep" / "er")
    found = config.load(Path.cwd())
    assert found.path == repo / "dsgen.yaml"
    assert (found.profiles, found.out) == (Path("../../p"), Path("../../rendered"))
    assert found.schema_locations == ["../../crds", "https://x/{{.Group}}.json"]


def test_none_above_means_defaults(tmp_path):
    assert config.load(tmp_path) == config.Config()


def test_render_from_a_subfolder_uses_the_project_folders(repo, monkeypatch, capsys, kubectl):
    monkeypatch.chdir(repo / "deep")
    code, out, err = run(["render", "--all"], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("rendered 18 files into ../rendered for seed")
    assert (repo / "rendered" / "overlays" / "seed" / "kustomization.yaml").is_file()


def test_validate_finds_dsgen_yaml_from_the_tree_not_the_working_folder(repo, tmp_path, monkeypatch, capsys, kubectl):
    monkeypatch.chdir(repo)
    assert run(["render", "--all"], capsys)[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, err = run(["validate", "--all", "--out", "../repo/rendered"], capsys)
    assert (code, err) == (2, "schema location ../repo/crds: no such folder "
                              "(from --schema-location, $DSGEN_SCHEMA_LOCATION or dsgen.yaml)\n")


def test_no_schema_source_at_all_is_one_line(repo, monkeypatch, capsys, kubectl, tmp_path):
    (repo / "dsgen.yaml").write_text("out: rendered\n")
    monkeypatch.chdir(repo)
    assert run(["render", "--all", "--profiles", "p"], capsys)[0] == 0
    monkeypatch.setenv("DSGEN_CACHE_DIR", str(tmp_path / "empty" / "schemas"))
    monkeypatch.setattr(cache, "packaged_bundle", lambda: tmp_path / "no-bundle.tar.xz")
    code, out, err = run(["validate", "--all"], capsys)
    assert (code, out, err) == (2, "", "no CRD schemas: run `dsgen schemas sync --from DIR|URL`, "
                                      "or pass --schema-location DIR\n")


@pytest.mark.parametrize("text, message", [
    ("profile: p\n", "dsgen.yaml:1:1: profile: unknown key; expected one of: profiles, out, schemaLocations"),
    ("out: [a]\n", "dsgen.yaml:1:1: out: must be a folder, relative to dsgen.yaml"),
    ("schemaLocations: crds\n", "dsgen.yaml:1:1: schemaLocations: must be a list of folders, URLs or templates"),
])
def test_bad_settings_name_file_line_and_key(tmp_path, monkeypatch, text, message):
    (tmp_path / "dsgen.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProfileError) as info:
        config.load(tmp_path)
    assert str(info.value) == message
