"""The installed package works on its own: a wheel built from this checkout,
installed into a clean virtual environment, renders, checks drift, syncs
schemas from its own lock and validates, from a folder that is not the
checkout, with none of the checkout on the path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsgen import output
from tests.conftest import ROOT, _missing

pytestmark = pytest.mark.slow


def _run(command: list, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DSGEN_SCHEMA_LOCATION")}
    return subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                          env={**clean, **(env or {})}, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a fresh venv with only the wheel (and its dependencies)."""
    work = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", work / "dist", ROOT], work)
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("dsgen-*.whl")
    venv = work / "venv"
    assert _run([sys.executable, "-m", "venv", venv], work).returncode == 0
    done = _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], work)
    assert done.returncode == 0, done.stderr
    return venv / "bin"


def test_the_wheel_imports_from_the_venv_not_the_checkout(installed, tmp_path):
    done = _run([installed / "python", "-c", "import dsgen; print(dsgen.__file__)"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(installed.parent)


def test_init_render_check_and_validate_offline_with_only_the_wheel(installed, tmp_path, kubectl):
    """A team's first commands: the schemas ship in the wheel, nothing is synced."""
    dsgen = installed / "dsgen"
    # No network: every proxy points at a closed port.
    offline = {name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
    env = {"DSGEN_CACHE_DIR": str(tmp_path / "cache" / "schemas"), "DSGEN_KUBECTL": kubectl, **offline}
    created = _run([dsgen, "init", "repo"], tmp_path, env)
    assert created.returncode == 0, created.stderr
    repo = tmp_path / "repo"
    rendered = _run([dsgen, "render", "--all"], repo, env)
    assert rendered.returncode == 0, rendered.stderr
    assert output.read_tree(repo / "out") == output.read_tree(ROOT / "out")
    checked = _run([dsgen, "render", "--all", "--check"], repo, env)
    assert (checked.returncode, checked.stdout) == (0, "out is up to date (dev, prod, prod-dr, staging)\n")
    validated = _run([dsgen, "validate", "--all", "--summary", "--output", "junit"], repo, env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert 'failures="0"' in validated.stdout and 'errors="0"' in validated.stdout


def test_sync_then_validate_from_the_cache(installed, tmp_path, crds, kubectl):
    dsgen = installed / "dsgen"
    cache = {"DSGEN_CACHE_DIR": str(tmp_path / "cache"), "DSGEN_KUBECTL": kubectl}
    assert _run([dsgen, "init", "repo", "--example", "minimal"], tmp_path, cache).returncode == 0
    repo = tmp_path / "repo"
    assert _run([dsgen, "render", "--all"], repo, cache).returncode == 0
    synced = _run([dsgen, "schemas", "sync", "--from", crds], repo, cache)
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.startswith("synced ")
    validated = _run([dsgen, "validate", "--all", "--summary"], repo, cache)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Invalid: 0, Errors: 0" in validated.stdout


def test_the_scaffolds_pre_commit_hooks_run_the_checks(installed, tmp_path, kubectl):
    """pre-commit, as a team runs it: passes on a fresh render, fails on drift."""
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).is_file():
        _missing("pre-commit", "pip install -e '.[dev]'")
    env = {"PATH": f"{installed}{os.pathsep}{os.environ['PATH']}", "DSGEN_KUBECTL": kubectl,
           "DSGEN_CACHE_DIR": str(tmp_path / "cache" / "schemas"), "PRE_COMMIT_HOME": str(tmp_path / "pc"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    assert _run([installed / "dsgen", "init", "repo", "--example", "minimal"], tmp_path, env).returncode == 0
    repo = tmp_path / "repo"
    assert _run(["git", "init", "-q"], repo, env).returncode == 0
    assert _run([installed / "dsgen", "render", "--all"], repo, env).returncode == 0
    assert _run(["git", "add", "-A"], repo, env).returncode == 0
    passed = _run([pre_commit, "run", "--all-files"], repo, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "dsgen drift check" in passed.stdout and "dsgen validate" in passed.stdout
    base = repo / "profiles" / "base.yaml"
    base.write_text(base.read_text().replace("size: 10Gi", "size: 20Gi"))
    failed = _run([pre_commit, "run", "--all-files"], repo, env)
    assert failed.returncode == 1
    assert "out is out of date" in failed.stdout
