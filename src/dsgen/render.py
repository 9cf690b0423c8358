"""Rendering: a validated profile -> a list of Kubernetes resources.

Each registered component plans :class:`~dsgen.components.base.Part` values
from its section; a part is laid out by a template of the component
(``templates/<component>/<kind>.yaml.j2``, shipped inside the package) or
comes as a body a kit built. The renderer then stamps what every resource
shares: ``metadata`` with the name, the namespace and the recommended
labels. Templates write no metadata.

Templates only lay out structure: every ``{{ expression }}`` is emitted as a
JSON literal (valid YAML), so a profile value can never change the
document's shape or its type, whatever quotes, colons or ``{{ }}`` it holds.
Profile values are data and are never evaluated as templates: the
environment is sandboxed and undefined names are errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources as package_files
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from dsgen import yamlio
from dsgen.components.base import Component, enabled
from dsgen.contract import WAVE, Context, Part, recommended_labels, wave
from dsgen.platform import NAME as PLATFORM
from dsgen.platform.plan import plan as platform_plan
from dsgen.registry import COMPONENTS
from dsgen.errors import EXIT_INTERNAL, DsgenError


def packaged_templates() -> Path:
    """The templates folder that ships inside the package."""
    return Path(str(package_files.files("dsgen") / "templates"))


class PatchProblem(DsgenError):
    """A profile's patch matches nothing or cannot apply; ``path`` is the key
    of the profile it is about, for the loader to place at file:line."""

    def __init__(self, path: tuple, message: str):
        self.path, self.message = path, message
        super().__init__(f"{'.'.join(str(p) for p in path)}: {message}")


class TemplateProblem(DsgenError):
    """A template is missing or broken: a bug in dsgen's templates, not the profile."""

    exit_code = EXIT_INTERNAL


@dataclass(frozen=True)
class Resource:
    """One rendered Kubernetes object and the component it belongs to."""

    service: str
    doc: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.doc["kind"]

    @property
    def name(self) -> str:
        return self.doc["metadata"]["name"]

    @property
    def namespace(self) -> str:
        return self.doc["metadata"].get("namespace", "")

    @property
    def api_version(self) -> str:
        return self.doc["apiVersion"]

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What kustomize matches resources by: apiVersion, kind, namespace, name.
        A resource whose API version differs between base and an environment is
        deleted and added again rather than patched."""
        return (self.api_version, self.kind, self.namespace, self.name)


def _json_literal(value: Any) -> str:
    """Every template expression becomes a JSON literal, which is valid YAML."""
    if not isinstance(value, (dict, list, tuple, str, int, float, bool)) and value is not None:
        raise TypeError(f"cannot place a {type(value).__name__} into a manifest")
    text = json.dumps(value, ensure_ascii=False)
    # JSON leaves some characters raw that YAML forbids or reads as line breaks.
    return yamlio.NEEDS_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _bytecode_cache():
    """Compiled templates kept between runs (jinja2 keys them by the template's
    source checksum), so a render does not compile every template again;
    none when the cache folder cannot be made."""
    import os

    from jinja2 import FileSystemBytecodeCache

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dsgen" / "templates"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(base))


def _environment(folder: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(folder)),
        undefined=StrictUndefined,
        finalize=_json_literal,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )


class Renderer:
    """Renders profiles with the registered components (or the ones given)."""

    def __init__(self, components: dict[str, Component] | None = None):
        self.components = COMPONENTS if components is None else components
        self._environments: dict[Path, SandboxedEnvironment] = {}

    def _template_folder(self, component: Component) -> Path:
        folder = Path(component.templates) if component.templates else packaged_templates() / component.name
        if not folder.is_dir():
            raise TemplateProblem(f"{folder}: templates folder of component {component.name} does not exist")
        return folder

    def _layout(self, component: Component, part: Part, labels: dict[str, str]) -> dict[str, Any]:
        shown = f"templates/{component.name}/{part.template}"
        folder = self._template_folder(component)
        if folder not in self._environments:
            self._environments[folder] = _environment(folder)
        try:
            template = self._environments[folder].get_template(part.template)
            text = template.render(**part.values, name=part.name, labels=labels)
        except TemplateError as exc:
            raise TemplateProblem(f"{shown}: {exc}") from exc
        documents = yamlio.load_documents(text, shown)
        if len(documents) != 1 or not isinstance(documents[0], dict):
            raise TemplateProblem(f"{shown}: must render exactly one mapping")
        return documents[0]

    def document(self, ctx: Context, component: Component | None, part: Part) -> dict[str, Any]:
        """One part as a manifest: laid out, pruned of nulls, metadata stamped.
        ``component`` None: a part of the platform pass, always a kit's body."""
        labels = recommended_labels(ctx, part)
        if part.body is not None:
            body = dict(part.body)
        elif component is None:
            raise TemplateProblem(f"{PLATFORM}: part {part.name} must give a body")
        else:
            body = self._layout(component, part, labels)
        owner = component.name if component is not None else PLATFORM
        where = f"templates/{owner}/{part.template}" if part.template else f"component {owner}"
        if "metadata" in body or "apiVersion" not in body or "kind" not in body:
            raise TemplateProblem(f"{where}: must give apiVersion and kind and no metadata "
                                  "(the renderer stamps it)")
        metadata: dict[str, Any] = {"name": part.name, "namespace": part.namespace or ctx.namespace,
                                    "labels": labels}
        if not part.namespaced:
            del metadata["namespace"]
        if part.annotations:
            metadata["annotations"] = dict(part.annotations)
        if ctx.sync_waves:
            metadata["annotations"] = {**metadata.get("annotations", {}),
                                       WAVE: str(wave(body["apiVersion"], body["kind"], part.role))}
        api_version, kind = body.pop("apiVersion"), body.pop("kind")
        return _prune({"apiVersion": api_version, "kind": kind, "metadata": metadata, **body})

    def render(self, profile: Any, environment: str = "base") -> list[Resource]:
        """The resources of one environment (or of ``base``, the tree's base)."""
        ctx = Context.of(profile, environment)
        sections = enabled(self.components, profile)
        # The platform pass reads what the enabled services declare; its
        # resources come first in the tree.
        resources = [Resource(_folder(PLATFORM, part), self.document(ctx, None, part))
                     for part in platform_plan(ctx, profile, sections)]
        for component, section in sections:
            own = [Resource(_folder(component.name, part), self.document(ctx, component, part))
                   for part in component.parts(ctx, section)]
            resources.extend(patched(component.name, own, getattr(section, "patches", ())))
        check_unique(resources)
        return resources


def _folder(owner: str, part: Part) -> str:
    """A part for another namespace gets a folder of its own, so that its
    file names cannot meet those of the profile's namespace."""
    return f"{owner}-{part.namespace}" if part.namespace else owner


_IDENTITY = (("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"))


def patched(service: str, resources: list[Resource], patches, kind_wide: bool = False) -> list[Resource]:
    """The section's resources with its profile ``patches`` applied in order;
    ``kind_wide``: only the patches that target every resource of a kind
    these resources have (resources made apart from the section's own, such
    as a restored cluster, which named targets do not mean)."""
    from dsgen import patching

    for number, patch in enumerate(patches):
        where = (service, "patches", number)
        target = patch.target
        if kind_wide and (target.name is not None or not any(r.kind == target.kind for r in resources)):
            continue
        hits = [i for i, r in enumerate(resources)
                if r.kind == target.kind and (target.name is None or r.name == target.name)]
        if not hits:
            present = sorted({f"{r.kind}/{r.name}" for r in resources})
            raise PatchProblem((*where, "target"), f"matches no rendered resource "
                               f"(kind {target.kind}{', name ' + target.name if target.name else ''}); "
                               f"{service} renders: {', '.join(present) or 'nothing'}")
        for index in hits:
            before = resources[index].doc
            try:
                if isinstance(patch.patch, list):
                    after = patching.json_patch(before, patch.patch)
                else:
                    after = patching.merge_patch(before, patch.patch)
            except patching.PatchFailed as exc:
                raise PatchProblem((*where, "patch"), f"cannot apply to {before['kind']}/"
                                   f"{before['metadata']['name']}: {exc}") from None
            for path in _IDENTITY:
                old, new = _dig(before, path), _dig(after, path)
                if old != new:
                    raise PatchProblem((*where, "patch"), f"changes {'.'.join(path)} of {before['kind']}/"
                                       f"{before['metadata']['name']}; a patch changes a resource, "
                                       "it does not rename or move it")
            resources[index] = Resource(service, after)
    return resources


def _dig(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


def _prune(value: Any) -> Any:
    """Drop keys whose value is null: templates write optional fields as ``key: {{ value }}``."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def check_unique(resources: list[Resource]) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for resource in resources:
        key = (resource.group, resource.kind, resource.namespace, resource.name)
        if key in seen:
            raise DsgenError(
                f"two resources are both {resource.kind} {resource.namespace}/{resource.name}: "
                "rename one in the profile"
            )
        seen.add(key)
