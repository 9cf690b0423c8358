"""A local, verified cache of CRD schemas, so validation runs offline.

``schemas/lock.json`` (shipped inside the package) names schema sets (a
folder each, in kubeconform's layout), the operator releases each covers,
and the sha256 of every file.
``dsgen schemas sync --from DIR|URL`` copies the locked files into the cache
and refuses any whose hash differs. ``dsgen validate`` without
``--schema-location`` then uses the cache, choosing sets by the operator
versions each overlay's profile pins.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from importlib import resources as package_files
from pathlib import Path

from dsgen.errors import DsgenError, UsageError
from dsgen.operators import SCHEMA_SETS as SETS
from dsgen.operators import strimzi


def packaged_lock() -> Path:
    """The lock file that ships inside the package."""
    return Path(str(package_files.files("dsgen") / "schemas" / "lock.json"))


class SchemaCacheError(DsgenError):
    pass


def cache_dir() -> Path:
    if os.environ.get("DSGEN_CACHE_DIR"):
        return Path(os.environ["DSGEN_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dsgen" / "schemas"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_lock(source: Path) -> dict:
    """A lock of every schema under each known set of ``source``."""
    if not source.is_dir():
        raise UsageError(f"{source}: not a folder of schema sets")
    lock: dict = {"sets": {}}
    for name, operators in SETS.items():
        folder = source / name
        if not folder.is_dir():
            continue
        files = {p.relative_to(folder).as_posix(): _sha256(p.read_bytes())
                 for p in sorted(folder.rglob("*.json"))}
        lock["sets"][name] = {"operators": operators, "files": files}
    if not lock["sets"]:
        raise UsageError(f"{source}: holds none of the schema sets {', '.join(SETS)}")
    return lock


def read_lock(path: Path | None = None) -> dict:
    path = path or packaged_lock()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no lock file; create it with `dsgen schemas lock --from DIR`") from None
    except ValueError as exc:
        raise UsageError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data.get("sets"), dict):
        raise UsageError(f"{path}: has no 'sets'")
    return data


def _fetch(source: str, relative: str) -> bytes | None:
    if source.startswith(("http://", "https://")):
        url = f"{source.rstrip('/')}/{relative}"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
                return response.read()
        except OSError:
            return None
    path = Path(source) / relative
    return path.read_bytes() if path.is_file() else None


def sync(source: str, lock: dict, target: Path | None = None) -> int:
    """Copy every locked file from ``source`` into the cache, verifying hashes."""
    target = target or cache_dir()
    problems, written = [], 0
    for set_name, entry in sorted(lock["sets"].items()):
        for relative, expected in sorted(entry["files"].items()):
            data = _fetch(source, f"{set_name}/{relative}")
            if data is None:
                problems.append(f"{set_name}/{relative}: missing in {source}")
                continue
            actual = _sha256(data)
            if actual != expected:
                problems.append(f"{set_name}/{relative}: sha256 {actual} does not match the lock ({expected})")
                continue
            destination = target / set_name / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            temporary = destination.with_suffix(".tmp")
            temporary.write_bytes(data)
            os.replace(temporary, destination)
            written += 1
    if problems:
        raise SchemaCacheError("\n".join(problems))
    return written


def locations_for(operators: dict[str, str], target: Path | None = None) -> list[str]:
    """Synced sets that fit the pinned operators, most specific first."""
    target = target or cache_dir()
    chosen = []
    pinned = operators.get("strimzi")
    special = strimzi.release(pinned)["schemaSet"] if pinned else None
    if special and (target / special).is_dir():
        chosen.append(str(target / special))
    if (target / "catalog").is_dir():
        chosen.append(str(target / "catalog"))
    return chosen
