"""``dsgen validate``: build each overlay with kustomize, check every document."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from dsgen import kustomize, yamlio
from dsgen.errors import UsageError
from dsgen.tree import MARKER, read_marker
from dsgen.validate.results import WRITERS, Report, Result, Status
from dsgen.validate.schemas import SchemaStore

DEFAULT_KUBERNETES = "1.34"
_MESSAGE_LIMIT = 300


def default_locations() -> list[str]:
    """``$DSGEN_SCHEMA_LOCATION`` (several separated by the OS path separator)."""
    value = os.environ.get("DSGEN_SCHEMA_LOCATION", "")
    return [part for part in value.split(os.pathsep) if part]


def overlays(out: Path, env: str | None, all_envs: bool) -> list[str]:
    folder = out / "overlays"
    if not out.is_dir():
        raise UsageError(f"{out}: no rendered tree here; run `dsgen render` first")
    present = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    if all_envs:
        if not present:
            raise UsageError(f"{folder}: no overlays to validate; run `dsgen render --all`")
        return present
    if env is None:
        raise UsageError("say which overlay: --env NAME or --all")
    if env not in present:
        listing = ", ".join(present) or "none"
        raise UsageError(f"{folder / env}: no such overlay (rendered: {listing}); run `dsgen render --env {env}`")
    return [env]


def validate_tree(out: Path, env: str | None, all_envs: bool, locations: list[str],
                  kubernetes: str | None = None) -> Report:
    envs = overlays(out, env, all_envs)
    marker = out / MARKER
    meta = read_marker(marker.read_text(encoding="utf-8")) if marker.is_file() else {}
    with ThreadPoolExecutor(max_workers=min(4, len(envs))) as pool:
        built = list(pool.map(lambda e: kustomize.build(out / "overlays" / e), envs))
    report = Report()
    stores: dict[str, SchemaStore] = {}
    for name, text in zip(envs, built):
        version = kubernetes or str(meta.get(name, {}).get("kubernetesVersion") or DEFAULT_KUBERNETES)
        store = stores.setdefault(version, SchemaStore(locations, version))
        source = str(out / "overlays" / name)
        documents = yamlio.load_documents(text, source)
        report.results.extend(validate_documents(documents, source, store))
    return report


def validate_documents(documents: list[Any], source: str, store: SchemaStore) -> list[Result]:
    results: list[Result] = []
    for doc in documents:
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            results.append(Result(Status.ERROR, source, message="document has no apiVersion or kind"))
            continue
        api_version, kind = str(doc["apiVersion"]), str(doc["kind"])
        name = str((doc.get("metadata") or {}).get("name", ""))
        validator, where = store.validator(api_version, kind)
        if validator is None:
            results.append(Result(Status.ERROR, source, kind, name, api_version,
                                  f"no schema for {api_version} {kind} (looked in {where})"))
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
        if not errors:
            results.append(Result(Status.VALID, source, kind, name, api_version))
        for error in errors:
            path = "".join(f"/{p}" for p in error.absolute_path)
            message = error.message
            if len(message) > _MESSAGE_LIMIT:
                message = message[: _MESSAGE_LIMIT - 3] + "..."
            results.append(Result(Status.INVALID, source, kind, name, api_version, message, path or "/"))
    return results


def format_report(report: Report, output_format: str, summary: bool, color: bool = False) -> str:
    if output_format not in WRITERS:
        raise UsageError(f"--output {output_format}: choose one of {', '.join(WRITERS)}")
    if output_format == "text":
        return WRITERS["text"](report, summary, color)
    return WRITERS[output_format](report, summary)
