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
from tests.conftest import EXAMPLE, ROOT

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


def test_render_check_sync_and_validate_outside_the_checkout(installed, tmp_path, crds, kubectl):
    shutil.copytree(EXAMPLE, tmp_path / "profiles")
    dsgen = installed / "dsgen"
    rendered = _run([dsgen, "render", "--all"], tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    assert output.read_tree(tmp_path / "out") == output.read_tree(ROOT / "out")
    checked = _run([dsgen, "render", "--all", "--check"], tmp_path)
    assert (checked.returncode, checked.stdout) == (0, "out is up to date (dev, prod, staging)\n")

    cache = {"DSGEN_CACHE_DIR": str(tmp_path / "cache"), "DSGEN_KUBECTL": kubectl}
    synced = _run([dsgen, "schemas", "sync", "--from", crds], tmp_path, cache)
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.startswith("synced ")
    validated = _run([dsgen, "validate", "--all", "--summary"], tmp_path, cache)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Invalid: 0, Errors: 0" in validated.stdout
