"""A local, verified cache of CRD schemas, so validation runs offline.

``schemas/lock.json`` (shipped inside the package) names schema sets (a
folder each, in kubeconform's layout), the operator releases each covers,
and the sha256 of every file.
``dsgen schemas sync --from DIR|URL`` copies the locked files into the cache
and refuses any whose hash differs. ``dsgen validate`` without
``--schema-location`` then uses the cache, choosing sets by the operator
versions each overlay's profile pins.

The locked files also ship inside the package as one compressed bundle
(``schemas/crds.tar.xz``, written by ``scripts/schema_bundle.py`` from the
same source and verified against the lock), so validation works offline
with nothing synced: the bundle is unpacked, verified, once per bundle into
``~/.cache/dsgen/bundle/<sha256>/``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from importlib import resources as package_files
from pathlib import Path

from dsgen.errors import EXIT_TOOL, DsgenError, UsageError
from dsgen.operators import SCHEMA_SETS as SETS
from dsgen.operators import strimzi


BUNDLE = "crds.tar.xz"


def packaged_lock() -> Path:
    """The lock file that ships inside the package."""
    return Path(str(package_files.files("dsgen") / "schemas" / "lock.json"))


def packaged_bundle() -> Path:
    """The compressed set of every locked schema that ships inside the package."""
    return Path(str(package_files.files("dsgen") / "schemas" / BUNDLE))


class SchemaCacheError(DsgenError):
    pass


class SourceUnreachable(DsgenError):
    """A network failure: exit 3, like any tool or network failure."""

    exit_code = EXIT_TOOL


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


_SCHEMES = ("http://", "https://", "file://")


def _source(source: str) -> str:
    """The source as a URL base or a folder, refusing what cannot be one."""
    if "://" in source and not source.startswith(_SCHEMES):
        scheme = source.split("://", 1)[0]
        raise UsageError(f"--from {source}: unsupported scheme {scheme}://; "
                         "give a folder, a file:// path or an http(s):// URL")
    if source.startswith("file://"):
        source = source[len("file://"):]
    if source.startswith(("http://", "https://")):
        return source.rstrip("/")
    if not Path(source).exists():
        raise UsageError(f"--from {source}: no such folder")
    if not Path(source).is_dir():
        raise UsageError(f"--from {source}: not a folder of schema sets")
    return source


def _fetch(source: str, relative: str) -> bytes | None:
    """A locked file's bytes; None when the source does not have it. A source
    that cannot be reached at all is a ToolError (exit 3), raised at once."""
    if source.startswith(("http://", "https://")):
        url = f"{source}/{relative}"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise SourceUnreachable(f"--from {source}: GET {url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise SourceUnreachable(f"--from {source}: cannot reach it: {reason} (GET {url})") from None
    path = Path(source) / relative
    return path.read_bytes() if path.is_file() else None


def sync(source: str, lock: dict, target: Path | None = None) -> int:
    """Copy every locked file from ``source`` into the cache, verifying hashes."""
    target = target or cache_dir()
    base = _source(source)
    problems, fetched = [], {}
    for set_name, entry in sorted(lock["sets"].items()):
        for relative, expected in sorted(entry["files"].items()):
            name = f"{set_name}/{relative}"
            data = _fetch(base, name)
            if data is None:
                problems.append(f"{name}: missing in {source}")
            elif _sha256(data) != expected:
                problems.append(f"{name}: sha256 {_sha256(data)} does not match the lock ({expected})")
            else:
                fetched[name] = data
    if not fetched and problems:
        raise SchemaCacheError(f"--from {source}: holds none of the {len(problems)} locked schemas "
                               f"(expected sets {', '.join(sorted(lock['sets']))}, e.g. {problems[0].split(':')[0]})")
    if problems:
        raise SchemaCacheError("\n".join(problems))
    for name, data in fetched.items():
        _write(target / name, data)
    return len(fetched)


def _write(destination: Path, data: bytes) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_suffix(".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, destination)


# ---------------------------------------------------------------- the bundle


def build_bundle(source: Path, lock: dict) -> bytes:
    """Every locked file of ``source`` as one xz-compressed tar, byte for byte
    the same for the same files (sorted, no owners, no times). A file missing
    or differing from the lock is refused."""
    buffer = io.BytesIO()
    problems = []
    with tarfile.open(fileobj=buffer, mode="w:xz", format=tarfile.PAX_FORMAT) as archive:
        for set_name, entry in sorted(lock["sets"].items()):
            for relative, expected in sorted(entry["files"].items()):
                path = source / set_name / relative
                data = path.read_bytes() if path.is_file() else None
                if data is None or _sha256(data) != expected:
                    problems.append(f"{set_name}/{relative}: {'missing' if data is None else 'differs from the lock'}")
                    continue
                info = tarfile.TarInfo(f"{set_name}/{relative}")
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                archive.addfile(info, io.BytesIO(data))
    if problems:
        raise SchemaCacheError("\n".join(problems))
    return buffer.getvalue()


def read_bundle(data: bytes, lock: dict) -> dict[str, bytes]:
    """The bundle's files by ``set/path``, each checked against the lock."""
    expected = {f"{s}/{r}": h for s, entry in lock["sets"].items() for r, h in entry["files"].items()}
    found = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or member.name not in expected:
                raise SchemaCacheError(f"schema bundle: {member.name} is not in the lock")
            content = archive.extractfile(member).read()
            if _sha256(content) != expected[member.name]:
                raise SchemaCacheError(f"schema bundle: {member.name} does not match the lock")
            found[member.name] = content
    missing = sorted(set(expected) - set(found))
    if missing:
        raise SchemaCacheError(f"schema bundle: lacks {len(missing)} locked schemas, e.g. {missing[0]}")
    return found


def bundled_dir() -> Path | None:
    """The packaged bundle, unpacked and verified once; None when the package
    has no bundle. Unpacks into the cache, or a temporary folder when the cache
    cannot be written."""
    bundle = packaged_bundle()
    if not bundle.is_file():
        return None
    data = bundle.read_bytes()
    digest = _sha256(data)[:16]
    for root in (cache_dir().parent / "bundle", Path(tempfile.gettempdir()) / f"dsgen-{os.getuid()}-bundle"):
        folder = root / digest
        if (folder / ".complete").is_file():
            return folder
        try:
            root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root))
        except OSError:
            continue
        for name, content in read_bundle(data, read_lock()).items():
            _write(staging / name, content)
        (staging / ".complete").write_text(digest + "\n", encoding="utf-8")
        try:
            os.replace(staging, folder)
        except OSError:  # another process unpacked it first
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
        return folder
    return None


def locations_for(operators: dict[str, str], target: Path | None = None) -> list[str]:
    """Synced sets that fit the pinned operators, most specific first; without
    a synced cache, the sets of the bundle that ships with dsgen."""
    if target is None:
        target = cache_dir()
        if not (target / "catalog").is_dir():
            target = bundled_dir() or target
    chosen = []
    pinned = operators.get("strimzi")
    special = strimzi.release(pinned)["schemaSet"] if pinned else None
    if special and (target / special).is_dir():
        chosen.append(str(target / special))
    if (target / "catalog").is_dir():
        chosen.append(str(target / "catalog"))
    return chosen
