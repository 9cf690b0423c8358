"""Shared fixtures: the repository, ../shared/crds, the real kubectl, the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The tool's tests use these fixtures; the bundled profiles/ are the example,
# checked only by their own tests (seed values, the committed out/).
PROFILES = ROOT / "tests" / "data" / "profiles"
EXAMPLE = ROOT / "profiles"
ZK_PROFILES = ROOT / "tests" / "data" / "profiles-zookeeper"
SHARED_CRDS = Path(os.environ.get("DSGEN_SHARED_CRDS", ROOT.parent / "shared" / "crds"))
CATALOG = SHARED_CRDS / "catalog"
STRIMZI_045 = SHARED_CRDS / "strimzi-0.45"
IN_CI = bool(os.environ.get("CI"))


def _missing(what: str, reason: str):
    """Locally a missing tool skips with the reason; in CI it is a failure."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI: {reason}")
    pytest.skip(f"{what} not available: {reason}")


def installed_tool(name: str, hint: str) -> str:
    """A program installed beside the test interpreter (pip and make tools put
    them there) or on PATH; missing, it skips (fails in CI) with ``hint``."""
    import shutil
    import sys

    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        _missing(name, hint)
    return found


@pytest.fixture(scope="session")
def crds() -> Path:
    if not (CATALOG / "postgresql.cnpg.io" / "cluster_v1.json").is_file():
        _missing("../shared/crds", f"no CRD schemas under {SHARED_CRDS}")
    return SHARED_CRDS


@pytest.fixture(scope="session")
def kubectl() -> str:
    from dsgen.formats import kustomize
    from dsgen.errors import ToolError

    try:
        path = kustomize.kubectl()
    except ToolError as exc:
        _missing("kubectl", str(exc))
    if not shutil.which(path) and not Path(path).is_file():
        _missing("kubectl", path)
    return path


def key_paths(value, path=()):
    """Every path (keys and indexes) into a plain document, the root first."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from key_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from key_paths(item, (*path, index))


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> CliResult:
    """Run ``python -m dsgen`` in a subprocess: real exit codes, real streams."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("DSGEN_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "dsgen", *args], cwd=cwd or ROOT, capture_output=True,
        text=True, env=full_env, timeout=300,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def profiles_copy(tmp_path: Path) -> Path:
    """A writable copy of the test profiles."""
    target = tmp_path / "profiles"
    shutil.copytree(PROFILES, target)
    return target
