"""Rules: one id, one name, one message, checked on profiles, on manifests, or both.

A :class:`Rule` is declared once, in the component it belongs to, and may
carry two checks that share its id and its message functions:

- a profile check, ``(ctx, section) -> (path, message)``, run by ``dsgen
  render`` before anything is written and reported at the key's file, line
  and column;
- a manifest check, ``(overlay) -> (document, JSON pointer, message)``, run by
  ``dsgen validate`` on any tree, including ones dsgen did not render.

The registry of every rule is built from the components when it is asked
for (``dsgen.registry.rules``), never at import time, so a component
registered later (a test's) takes part.
Manifest checks match documents by API group and kind, never kind alone.
This module imports neither pydantic nor jinja2: ``dsgen validate`` stays fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterator

from dsgen.contract import GroupKind, KeyPath

if TYPE_CHECKING:
    from dsgen.contract import Context

# (path, message); a list of paths when the problem lies between several keys.
ProfileFinding = tuple[KeyPath | list[KeyPath], str]
# (document, JSON pointer, message)
ManifestFinding = tuple[dict, str, str]


class Rule:
    """One rule: an id for ``--skip`` and the docs, a name, a one-line doc."""

    def __init__(self, id: str, name: str, doc: str, reference: bool = False):
        self.id, self.name, self.doc = id, name, doc
        # A rule about references to other objects: on input that is not known
        # to be complete (`dsgen validate PATH` without --closed) a finding is a
        # warning, since the object may live elsewhere.
        self.reference = reference
        self.profile_check: Callable[[Context, Any], Iterator[ProfileFinding]] | None = None
        self.manifest_check: Callable[[Overlay], Iterator[ManifestFinding]] | None = None
        self.environments_check: Callable[[list[tuple[Context, Any]]], Iterator[tuple[str, ProfileFinding]]] | None = None
        self.change_check: Callable[[Overlay, Overlay], Iterator[ManifestFinding]] | None = None

    def on_profile(self, fn: Callable[[Context, Any], Iterator[ProfileFinding]]):
        self.profile_check = fn
        return fn

    def on_manifest(self, fn: Callable[[Overlay], Iterator[ManifestFinding]]):
        self.manifest_check = fn
        return fn

    def on_environments(self, fn: Callable[[list[tuple[Context, Any]]], Iterator[tuple[str, ProfileFinding]]]):
        """A check across environments: given (ctx, section) of each, yields
        (environment, (path, message)) for each environment at fault."""
        self.environments_check = fn
        return fn

    def on_change(self, fn: Callable[[Overlay, Overlay], Iterator[ManifestFinding]]):
        """A check of what a render changes in an environment already written:
        given its old and new documents, yields (document, pointer, why) for
        each change the operator refuses or that loses data."""
        self.change_check = fn
        return fn

    @property
    def checked(self) -> str:
        """Where the rule runs: profile, manifest, both, or schema (the engine's own)."""
        sides = [s for s, fn in (("profile", self.profile_check or self.environments_check),
                                 ("manifest", self.manifest_check), ("change", self.change_check)) if fn]
        return "+".join(sides) or "schema"

    def __repr__(self) -> str:
        return f"Rule({self.id} {self.name})"


# Rules the validation engine reports itself, per document (no check function).
ENGINE_RULES = (
    Rule("DSG001", "schema", "The document breaks its JSON schema (strict: unknown fields are errors)."),
    Rule("DSG002", "no-schema", "No schema was found for the document's apiVersion and kind."),
    Rule("DSG003", "cel", "A CEL rule of the CRD (x-kubernetes-validations) fails; the API server would reject the object."),
    Rule("DSG004", "cel-skipped", "A CEL rule could not be evaluated here (transition rule, missing function); reported, never passed."),
    Rule("DSG005", "top-level", "A custom resource has only apiVersion, kind, metadata and the fields its schema declares at the top (CRD schemas leave the top open, so a typo such as 'spc' passes them)."),
    Rule("DSG006", "metadata", "A custom resource's metadata follows Kubernetes' ObjectMeta, strictly, with valid label and annotation keys and label values (CRD schemas say only 'object')."),
)


def selected(skip: frozenset[str] | set[str], rules: dict[str, Rule]) -> Iterator[Rule]:
    return (r for r in rules.values() if r.id not in skip and r.name not in skip)


# ---------------------------------------------------------------- manifests


def name_of(doc: dict) -> str:
    return str((doc.get("metadata") or {}).get("name", ""))


def namespace_of(doc: dict) -> str:
    return str((doc.get("metadata") or {}).get("namespace", ""))


def identity(doc: dict) -> tuple[str, str, str, str]:
    """What tells documents apart: apiVersion, kind, namespace, name."""
    return (str(doc.get("apiVersion")), str(doc.get("kind")), namespace_of(doc), name_of(doc))


def same(a: Any, b: Any) -> bool:
    """Equal as JSON: json.dumps tells 1 from True and 1 from 1.0, which == does not."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def label_of(doc: dict, key: str) -> Any:
    return ((doc.get("metadata") or {}).get("labels") or {}).get(key)


def group_kind(doc: dict) -> GroupKind:
    return str(doc.get("apiVersion", "")).rpartition("/")[0], str(doc.get("kind", ""))


def get(doc: Any, *path: str) -> Any:
    """``doc[path[0]][path[1]]...``, or None where any step is missing."""
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def keyed(mapping: Any, problem_of: Callable[..., str | None], *args: Any) -> Iterator[tuple[str, str]]:
    """(key, problem) for each key of a settings mapping that ``problem_of(key,
    *args)`` objects to; nothing for a mapping that is missing or not a mapping."""
    for key in mapping if isinstance(mapping, dict) else ():
        problem = problem_of(key, *args)
        if problem:
            yield key, problem


def pointer(*path: Any) -> str:
    """A JSON pointer (RFC 6901) to ``path``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


@dataclass(frozen=True)
class Overlay:
    """The built documents of one overlay and what the profile said about them."""

    documents: list[dict]
    operators: dict[str, str] = field(default_factory=dict)
    external_secrets: frozenset[str] = frozenset()

    @cached_property
    def kinds(self) -> list[GroupKind]:
        """The (group, kind) of each document, in document order."""
        return [group_kind(doc) for doc in self.documents]

    @cached_property
    def _by_kind(self) -> dict[GroupKind, list[dict]]:
        index: dict[GroupKind, list[dict]] = {}
        for kind, doc in zip(self.kinds, self.documents):
            index.setdefault(kind, []).append(doc)
        return index

    def of(self, *kinds: GroupKind) -> Iterator[dict]:
        """Documents of these API groups and kinds (any version), kind by kind."""
        return (doc for kind in kinds for doc in self._by_kind.get(kind, ()))

    def names(self, kind: GroupKind) -> set[tuple[str, str]]:
        """(namespace, name) of every document of ``kind``."""
        return {(namespace_of(d), name_of(d)) for d in self.of(kind)}


def run_manifest(overlay: Overlay, skip: frozenset[str] | set[str],
                 rules: dict[str, Rule]) -> Iterator[tuple[Rule, dict, str, str]]:
    """Every manifest check of ``rules`` that is not skipped, on one overlay."""
    for rule in selected(skip, rules):
        if rule.manifest_check is not None:
            for doc, path, message in rule.manifest_check(overlay):
                yield rule, doc, path, message


# ---------------------------------------------------------------- profiles


@dataclass(frozen=True)
class ProfileProblem:
    rule: str
    path: KeyPath | list[KeyPath]
    message: str


def pairs(old: Overlay, new: Overlay, kind: GroupKind) -> Iterator[tuple[dict, dict]]:
    """(before, after) of every object of ``kind`` in both, matched by namespace and name."""
    before = {(namespace_of(d), name_of(d)): d for d in old.of(kind)}
    for doc in new.of(kind):
        previous = before.get((namespace_of(doc), name_of(doc)))
        if previous is not None:
            yield previous, doc


def run_changes(old: Overlay, new: Overlay, rules: dict[str, Rule]) -> Iterator[tuple[Rule, dict, str, str]]:
    """Every change check of ``rules`` on one environment's old and new documents."""
    for rule in rules.values():
        if rule.change_check is not None:
            for doc, path, message in rule.change_check(old, new):
                yield rule, doc, path, message
