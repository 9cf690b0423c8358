"""Finding and compiling JSON schemas, once each.

Custom resources: schema locations in kubeconform's form, tried in order. A
location is a folder laid out as ``{group}/{kind}_{version}.json`` or a
template with ``{{.Group}}``, ``{{.ResourceKind}}``, ``{{.ResourceAPIVersion}}``
and ``{{.KubernetesVersion}}``.

Core kinds: the strict schemas that the ``kubernetes-validate`` package ships,
for the Kubernetes version the profile names (or the newest one not newer).

CRD schemas are written for Go's validators; loading normalises what Python's
``jsonschema`` reads differently: ``nullable: true``, and RE2 regexes with
inline flags in the middle (``^((?i)jan|feb)$``).
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from dsgen.errors import UsageError
from dsgen.operators import kubernetes as k8s
from dsgen.units import version_tuple
from dsgen.validate.cel import RULES_BELOW
from dsgen.validate.fastcheck import Check, compile_schema

_PLACEHOLDER = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")
CATALOG_LAYOUT = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"


def is_core(api_version: str) -> bool:
    """Core Kubernetes API groups: v1, apps/v1, networking.k8s.io/v1, ..."""
    group = api_version.rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


@dataclass(frozen=True)
class SchemaLocation:
    template: str

    @classmethod
    def parse(cls, spec: str) -> "SchemaLocation":
        if not spec.strip():
            raise UsageError("--schema-location must not be empty")
        if "{{" in spec:
            return cls(spec)
        return cls(spec.rstrip("/") + "/" + CATALOG_LAYOUT)

    def resolve(self, group: str, kind: str, version: str, kubernetes: str) -> str:
        values = {
            "Group": group,
            "ResourceKind": kind.lower(),
            "ResourceAPIVersion": version,
            "KubernetesVersion": kubernetes,
            "NormalizedKubernetesVersion": f"v{kubernetes}",
            "StrictSuffix": "-strict",
        }

        def fill(match: re.Match) -> str:
            if match.group(1) not in values:
                raise UsageError(f"--schema-location {self.template}: unknown placeholder {match.group(0)}")
            return values[match.group(1)]

        return _PLACEHOLDER.sub(fill, self.template)


def _read_schema(where: str) -> Any | None:
    """The schema at a path or URL; None when there is none."""
    if where.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(where, timeout=20) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError):
            return None
    path = Path(where[len("file://"):] if where.startswith("file://") else where)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{path}: not a JSON schema: {exc}") from None


# ---------------------------------------------------------------- quirks


def go_regex_to_python(pattern: str) -> str:
    """RE2 lets ``(?flags)`` start anywhere and last to the end of the group;
    Python wants it at the very start. Rewrite ``X(?i)Y)`` as ``X(?i:Y))``."""
    out, i = [], 0
    while i < len(pattern):
        match = re.compile(r"\(\?([imsU]+)\)").match(pattern, i)
        if match and i > 0:
            end = _group_end(pattern, match.end())
            flags = match.group(1).replace("U", "")
            inner = go_regex_to_python(pattern[match.end():end])
            out.append(f"(?{flags}:{inner})" if flags else inner)
            i = end
            continue
        if pattern[i] == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    """Index of the ``)`` closing the group that encloses ``start`` (or the end)."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return len(pattern)


def _subschemas(schema: dict) -> Iterator[Any]:
    for key in ("properties", "patternProperties"):
        yield from (schema.get(key) or {}).values()
    for key in ("additionalProperties", "items", "not"):
        if isinstance(schema.get(key), dict):
            yield schema[key]
    for key in ("allOf", "anyOf", "oneOf"):
        yield from schema.get(key) or []


def normalise(schema: Any) -> Any:
    """A copy of a CRD schema that Python's jsonschema reads as Go's validators do."""
    if isinstance(schema, list):
        return [normalise(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: normalise(sub) for name, sub in value.items()}
        elif key == "pattern" and isinstance(value, str):
            try:
                re.compile(value)
                out[key] = value
            except re.error:
                out[key] = go_regex_to_python(value)
        elif key in ("description", "x-kubernetes-validations"):
            out[key] = value
        else:
            out[key] = normalise(value)
    out[RULES_BELOW] = bool(out.get("x-kubernetes-validations")) or any(
        isinstance(sub, dict) and sub.get(RULES_BELOW, False) for sub in _subschemas(out))
    if out.get("nullable") is True and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        if "null" not in types:
            out["type"] = [*types, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _allows_null(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return True
    types = schema.get("type")
    return schema.get("nullable") is True or types is None or (isinstance(types, list) and "null" in types)


def prune_nulls(value: Any, schema: Any) -> None:
    """Drop, in place, the ``null`` fields the API server drops before it
    validates a custom resource: "null values for fields that either don't
    specify the nullable flag, or give it a false value, will be pruned before
    defaulting happens" (Kubernetes, "Defaulting and Nullable" of the CRD docs).
    Fields the schema does not describe (preserved unknown fields) keep theirs."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key in list(value):
            sub = properties.get(key, extra if isinstance(extra, dict) else None)
            if sub is None:
                continue
            if value[key] is None and not _allows_null(sub):
                del value[key]
            else:
                prune_nulls(value[key], sub)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            prune_nulls(item, schema["items"])


def drop_nulls(value: Any) -> None:
    """Drop, in place, every ``null`` field: built-in kinds decode into Go structs,
    where a null field is the field left unset."""
    if isinstance(value, dict):
        for key in list(value):
            if value[key] is None:
                del value[key]
            else:
                drop_nulls(value[key])
    elif isinstance(value, list):
        for item in value:
            drop_nulls(item)


# ---------------------------------------------------------------- core schemas


_core_root = k8s.schema_root
core_versions = k8s.versions


def core_version_for(kubernetes: str) -> str:
    """The newest schema set not newer than ``kubernetes`` (kubernetes-validate's rule)."""
    wanted = version_tuple(kubernetes)[:2]
    candidates = [v for v in core_versions() if version_tuple(v)[:2] <= wanted]
    if not candidates:
        raise UsageError(
            f"Kubernetes {kubernetes} is older than any schema kubernetes-validate ships "
            f"({core_versions()[0]} to {core_versions()[-1]})"
        )
    return candidates[-1]


@lru_cache(maxsize=None)
def _core_registry(version: str) -> tuple[Path, Registry, Any]:
    folder = _core_root() / f"v{version}-local-strict"
    definitions = json.loads((folder / "_definitions.json").read_text(encoding="utf-8"))
    registry = Resource.from_contents(definitions) @ Registry()
    return folder, registry, definitions


@lru_cache(maxsize=None)
def core_type(kubernetes: str, type_name: str) -> Draft202012Validator:
    """A strict validator of one Kubernetes type (e.g. io.k8s.api.core.v1.Affinity)
    at the schemas of ``kubernetes``."""
    _, registry, _ = _core_registry(core_version_for(kubernetes))
    return Draft202012Validator({"$ref": f"https://kubernetes.io/api/_definitions.json#/$defs/{type_name}"},
                                registry=registry)


def _pointer(document: Any, ref: str) -> Any:
    """The part of ``document`` a ``...#/a/b`` reference points at."""
    for part in ref.partition("#")[2].split("/")[1:]:
        document = document[part.replace("~1", "/").replace("~0", "~")]
    return document


# ---------------------------------------------------------------- the store


@dataclass(frozen=True)
class Schema:
    """A compiled schema, or (validator None) the places that were searched."""

    validator: Draft202012Validator | None
    where: str
    document: Any = None  # the normalised schema, for CEL rules
    core: bool = False
    fast: Check | None = None  # compiled validity check; None: jsonschema only


class SchemaStore:
    """Compiled validators by (apiVersion, kind), built on first use."""

    def __init__(self, locations: list[str], kubernetes: str):
        self.locations = [SchemaLocation.parse(spec) for spec in locations]
        self.kubernetes = kubernetes
        self._cache: dict[tuple[str, str], Schema] = {}
        self._object_meta: Schema | None = None

    def object_meta(self) -> Schema:
        """Kubernetes' ObjectMeta, strict, for the metadata of custom resources."""
        if self._object_meta is None:
            _, registry, definitions = _core_registry(core_version_for(self.kubernetes))
            reference = {"$ref": "https://kubernetes.io/api/_definitions.json#/$defs/"
                                 "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
            self._object_meta = Schema(
                Draft202012Validator(reference, registry=registry), "ObjectMeta", reference,
                core=True, fast=compile_schema(reference, lambda ref: _pointer(definitions, ref)))
        return self._object_meta

    def schema(self, api_version: str, kind: str) -> Schema:
        key = (api_version, kind)
        if key not in self._cache:
            self._cache[key] = self._load(api_version, kind)
        return self._cache[key]

    def _load(self, api_version: str, kind: str) -> Schema:
        group, _, version = api_version.rpartition("/")
        if is_core(api_version):
            core = core_version_for(self.kubernetes)
            folder, registry, definitions = _core_registry(core)
            short = group.split(".")[0]
            name = f"{kind.lower()}-{short}-{version}.json" if short else f"{kind.lower()}-{version}.json"
            path = folder / name
            if not path.is_file():
                return Schema(None, f"kubernetes-validate {core} strict schemas", core=True)
            schema = json.loads(path.read_text(encoding="utf-8"))
            fast = compile_schema(schema, lambda ref: _pointer(definitions, ref))
            return Schema(Draft202012Validator(schema, registry=registry),
                          f"kubernetes-validate {core}", schema, core=True, fast=fast)
        tried = []
        for location in self.locations:
            where = location.resolve(group, kind, version, self.kubernetes)
            tried.append(where)
            schema = _read_schema(where)
            if schema is not None:
                schema = normalise(schema)
                return Schema(Draft202012Validator(schema), where, schema, fast=compile_schema(schema))
        return Schema(None, ", ".join(tried) or "no --schema-location given")
