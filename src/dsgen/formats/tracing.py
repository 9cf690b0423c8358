"""Tracing: the renders of one tree (its base and every environment) -> Helm
templates whose values are the profiles.

dsgen computes manifests in Python; a chart has to say them in Go
templates. Rather than translate the renderer, the chart is *traced* from
what the renderer produced for every profile of the tree: each resource
becomes one template, the union of its documents, where

* a field the same in every render is written as it is, unless the profile
  holds that value under the same key name (``spec.instances`` and
  ``postgres.instances``): then it reads the value;
* a field that differs reads the profile key that holds its value in every
  render (a reference), or is a string that holds one such value inside a
  text the same everywhere (``s3://bucket/{environment}``);
* a field, list item or resource that only some renders have is guarded by
  the profile key whose presence, truth or string value tells those renders
  apart (``kafka.mirror`` is set; ``redis.operator`` is ``opstree``);
* what none of that explains -- values dsgen derives from several keys,
  such as a NetworkPolicy's peers or an alert's threshold in a sentence --
  is read from ``derived``, a map of those fields by resource and JSON
  pointer, written into each values file for its environment;
* resources made one per entry of a map of named entries (``kafka.topics``)
  become one template over the entries when they are the same with the
  entry's name and values as variables.

Every render is a variant: its values (what ``.Values`` holds) and its
documents. Whatever the trace concludes holds for every variant by
construction, and the export's test proves it with the real ``helm``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable, Union

from dsgen.rules import pointer as json_pointer, same

Key = tuple  # (apiVersion, kind, namespace, name)
DERIVED = "derived"
ENVIRONMENT = "environment"
_NOT_CONDITIONS = (ENVIRONMENT, DERIVED)  # a switch on these would be a blob per environment
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


@dataclass(frozen=True)
class Variant:
    """One render of the tree: the values Helm is given for it and its documents."""

    name: str
    values: dict[str, Any]
    docs: dict[Key, dict[str, Any]]
    services: dict[Key, str]


# ---------------------------------------------------------------- what a field becomes


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Ref:
    """The profile's value at ``path`` (keys, and indexes into its lists); in
    a template over a collection, ``root`` ``$entry`` reads the entry's value
    and ``$name`` is its name."""

    path: tuple
    root: str = ""


@dataclass(frozen=True)
class Fmt:
    """A string: ``parts`` joined by the string value at ``path``."""

    parts: tuple[str, ...]
    path: tuple
    root: str = ""


@dataclass(frozen=True)
class Slot:
    """``.Values.derived[resource][pointer]``."""

    resource: str
    pointer: str


@dataclass(frozen=True)
class Cond:
    """``test`` of the value at ``path``: ``has`` (the key is set), ``true``
    (it is true), or ``eq`` (it is the string ``value``); or a derived flag
    (``path`` empty, ``slot`` set)."""

    test: str
    path: tuple = ()
    value: Any = None
    negate: bool = False
    slot: Slot | None = None
    root: str = ""


@dataclass
class Entries:
    """A mapping or a list: (key, guard, node) per item, the key None for a
    list's items; the guard None where every render has the item."""

    items: list[tuple[Any, Cond | None, "Node"]]
    is_map: bool
    # some render has none of the items (every one is guarded): the template
    # then writes {} or [] when no guard holds
    maybe_empty: bool = False


Node = Union[Lit, Ref, Fmt, Slot, Entries]


@dataclass
class Template:
    """One resource: its template's body, and what guards it (None: every
    render has it); or, with ``each``, one per entry of the collection at
    that profile path (``members``: the resources it stands for)."""

    key: Key
    service: str
    condition: Cond | None
    node: Node
    each: tuple | None = None
    members: tuple = ()


class TraceProblem(Exception):
    """The renders hold something the chart cannot say (a bug, not the profile's)."""


# ---------------------------------------------------------------- the trace


def _values_leaves(data: Any, path: tuple = (), maps: bool = False) -> Iterable[tuple[tuple, Any]]:
    """The leaves of a profile: its lists whole, and what they hold by index
    (an address block of ``network.egress.apiServer``, a listener's port);
    ``maps``: its non-empty mappings too."""
    if isinstance(data, dict):
        if maps and path and data:
            yield path, data
        for key, value in data.items():
            yield from _values_leaves(value, (*path, key), maps)
        return
    if path:
        yield path, data
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from _values_leaves(item, (*path, index), maps)


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        if isinstance(key, int) and isinstance(data, list) and key < len(data):
            data = data[key]
        elif not isinstance(data, dict) or key not in data:
            return _MISSING
        else:
            data = data[key]
    return data


_MISSING = object()


def _schema_nodes(schema: dict) -> Iterable[tuple[tuple, dict]]:
    """Every node of a JSON schema with the value path it describes (``*``
    for any key of a map), references followed."""
    defs = schema.get("$defs", {})

    def walk(node: dict, path: tuple, seen: frozenset) -> Iterable[tuple[tuple, dict]]:
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                yield from walk(defs.get(name, {}), path, seen | {name})
            return
        yield path, node
        for option in [*node.get("anyOf", ()), *node.get("oneOf", ())]:
            yield from walk(option, path, seen)
        for key, sub in (node.get("properties") or {}).items():
            yield from walk(sub, (*path, key), seen)
        if isinstance(node.get("additionalProperties"), dict):
            yield from walk(node["additionalProperties"], (*path, "*"), seen)

    return walk(schema, (), frozenset())


def switches(schema: dict) -> set[tuple]:
    """The paths of a JSON schema's enums and booleans: the profile's switches,
    where a choice between renders is looked for first."""
    return {path for path, node in _schema_nodes(schema)
            if path and ("enum" in node or "const" in node or node.get("type") == "boolean")}


def collections(schema: dict) -> set[tuple]:
    """The paths of the profile's maps of named entries (topics, users,
    poolers): their resources may become one template over the entries."""
    found = set()
    for path, node in _schema_nodes(schema):
        if path and path[-1] == "*" and "*" not in path[:-1] and node.get("properties"):
            found.add(path[:-1])
    return found


def _is_switch(path: tuple, patterns: set[tuple]) -> bool:
    return any(len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path)) for p in patterns)


class Tracer:
    """Traces the resources of ``variants`` (the first is the base, whose
    values are the chart's values.yaml) into templates; ``derived`` holds,
    per variant, the fields no profile key explains."""

    def __init__(self, variants: list[Variant], switches: set[tuple] = frozenset(),
                 collections: set[tuple] = frozenset()):
        self.collections = sorted(collections)
        self.variants = {v.name: v for v in variants}
        self.order = [v.name for v in variants]
        # per variant: (JSON of a leaf value) -> the profile paths holding it
        self._by_value: dict[str, dict[str, set[tuple]]] = {}
        self._paths: set[tuple] = set()  # every key path (leaves and the maps above them)
        for v in variants:
            index: dict[str, set[tuple]] = {}
            for path, value in _values_leaves(v.values, maps=True):
                if path[0] == DERIVED:
                    continue
                index.setdefault(json.dumps(value, sort_keys=True), set()).add(path)
                if isinstance(value, dict):
                    continue
                if not any(isinstance(key, int) for key in path):
                    self._paths.update(path[:i] for i in range(1, len(path) + 1))
            self._by_value[v.name] = index
        # each key path a condition may test: its value in every render, whether
        # every key above it is a map there (Helm's lookups could not pass a
        # scalar), and whether it is one of the profile's switches
        self._tests = []
        for path in sorted(p for p in self._paths if p[0] not in _NOT_CONDITIONS):
            got = {name: _get(self.variants[name].values, path) for name in self.order}
            if all(self._maps_above(name, path) for name in self.order):
                self._tests.append((path, got, _is_switch(path, switches)))
        # each derived field the trace made, with its value per render; ``derived``
        # (set by templates()) holds those the templates read, per render
        self._slots: dict[Slot, dict[str, Any]] = {}
        self.derived: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in self.order}

    # ------------------------------------------------------------ resources

    def templates(self) -> list[Template]:
        keys = list(dict.fromkeys(k for name in self.order for k in self.variants[name].docs))
        out = []
        for key in keys:
            have = [n for n in self.order if key in self.variants[n].docs]
            service = self.variants[have[0]].services[key]
            resource = _resource_id(key)
            scope = _Scope(resource, service, ())
            condition = None if len(have) == len(self.order) else self.condition(have, self.order, scope)
            node = self.node(have, {n: self.variants[n].docs[key] for n in have}, scope)
            out.append(Template(key, service, condition, node))
        for path in self.collections:
            out = self._each(out, path)
        self.derived = {name: {} for name in self.order}
        for slot in dict.fromkeys(s for t in out for s in _read_slots(t.node, t.condition)):
            for env, value in self._slots[slot].items():
                self.derived[env].setdefault(slot.resource, {})[slot.pointer] = value
        return out

    def _each(self, templates: list[Template], path: tuple) -> list[Template]:
        """The resources of one kind that exist exactly for the entries of the
        collection at ``path``, in every render, and whose templates are the
        same with the entry's name and values as variables: one template over
        the entries. A Helm user's new entry then gets its resource."""
        names = {n: _get(self.variants[n].values, path) for n in self.order}
        names = {n: set(v) if isinstance(v, dict) else set() for n, v in names.items()}
        every = set().union(*names.values())
        for kind in dict.fromkeys(t.key[1] for t in templates):
            members = [t for t in templates if t.key[1] == kind and t.key[3] in every and t.each is None]
            if len(members) < 2 or any(
                    {t.key[3] for t in members if t.key in self.variants[n].docs} != names[n] for n in self.order):
                continue
            general = [_general(t, path) for t in members]
            if None in general or len({_fingerprint(n) for n in general}) != 1:
                continue
            node = general[0]
            first = members[0]
            out = [t for t in templates if t not in members]
            out.insert(templates.index(first), Template(first.key, first.service, None, node, path,
                                                        tuple(t.key for t in members)))
            templates = out
        return templates

    # ------------------------------------------------------------ fields

    def node(self, envs: list[str], values: dict[str, Any], scope: "_Scope") -> Node:
        first = values[envs[0]]
        constant = all(same(values[e], first) for e in envs)
        if constant and not (isinstance(first, (dict, list)) and first):
            return self.named_constant(envs, first, scope) or Lit(first)
        if all(isinstance(values[e], dict) and values[e] for e in envs):
            # a mapping the profile holds as it is under the same name (a topic's
            # config) reads it whole: a key added to it reaches the manifest
            whole = self.named_constant(envs, first, scope) if constant else self.reference(envs, values, scope)
            if isinstance(whole, Ref) and scope.path and whole.path[-1] == scope.path[-1]:
                return whole
        if all(isinstance(values[e], dict) for e in envs):
            keys = list(dict.fromkeys(k for e in envs for k in values[e]))
            return self._entries(envs, values, scope, [(k, k) for k in keys], lambda v, k: v.get(k, _MISSING),
                                 is_map=True)
        if all(isinstance(values[e], list) for e in envs):
            found = self._list(envs, values, scope)
            if found is not None:
                return found
        return self.reference(envs, values, scope) or self.slot(envs, values, scope)

    def _entries(self, envs, values, scope, keyed, pick, is_map: bool) -> Node:
        items = []
        for label, key in keyed:
            have = [e for e in envs if pick(values[e], key) is not _MISSING]
            named = not is_map and key[0] == "name"
            child_scope = scope.down(label if is_map else key[1] if named else len(items))
            condition = None if len(have) == len(envs) else self.condition(have, envs, child_scope)
            items.append((label, condition,
                          self.node(have, {e: pick(values[e], key) for e in have}, child_scope)))
        empty_somewhere = any(not values[e] for e in envs)
        if empty_somewhere and any(c is None for _, c, _ in items):
            raise TraceProblem(f"{scope.where()}: empty in some render but has unguarded items")
        return Entries(items, is_map, maybe_empty=empty_somewhere)

    def _list(self, envs, values, scope) -> Node | None:
        lists = [values[e] for e in envs]
        field = next((f for f in _ITEM_NAMES
                      if all(isinstance(i, dict) and isinstance(i.get(f), str) for lst in lists for i in lst)
                      and all(len({i[f] for i in lst}) == len(lst) for lst in lists)), None)
        if field is not None and any(lists):
            ident = lambda item: ("name", item[field])  # noqa: E731
        elif len({len(lst) for lst in lists}) == 1:
            return Entries([(None, None, self.node(envs, {e: values[e][i] for e in envs}, scope.down(i)))
                            for i in range(len(lists[0]))], is_map=False)
        else:
            ident = lambda item: ("value", json.dumps(item, sort_keys=True))  # noqa: E731
            if any(len({ident(i) for i in lst}) != len(lst) for lst in lists):
                return None
        order = _merged_order([[ident(i) for i in lst] for lst in lists])
        if order is None:
            return None
        by_ident = {e: {ident(i): i for i in values[e]} for e in envs}
        entries = self._entries(envs, by_ident, scope, [(None, k) for k in order],
                                lambda v, k: v.get(k, _MISSING), is_map=False)
        if any(c is not None and c.test == "flag" for _, c, _ in entries.items):
            return None  # items no key tells apart: the list is derived whole
        return entries

    def named_constant(self, envs, value, scope) -> Ref | None:
        """A field the same everywhere reads the profile when the profile holds
        that value under the field's own key name, in one place only."""
        if not scope.path or isinstance(scope.path[-1], int) or isinstance(value, bool):
            return None
        name = scope.path[-1]
        found = None
        for e in envs:
            here = {p for p in self._by_value[e].get(json.dumps(value, sort_keys=True), ()) if p[-1] == name}
            found = here if found is None else found & here
        found = [p for p in found or () if p[0] == scope.section or p in _TOP_FIELDS]
        if not found:
            return None
        best = sorted(found, key=scope.rank)
        if len(best) > 1 and scope.rank(best[0])[:3] == scope.rank(best[1])[:3]:
            return None  # two keys hold it as well as each other: say it as it is
        return Ref(best[0])

    def reference(self, envs, values, scope) -> Ref | Fmt | None:
        common = None
        for e in envs:
            here = self._by_value[e].get(json.dumps(values[e], sort_keys=True), set())
            common = set(here) if common is None else common & here
        if common:
            return Ref(min(common, key=lambda p: scope.rank(p)))
        if all(isinstance(values[e], str) for e in envs):
            return self._formatted(envs, values, scope)
        return None

    def _formatted(self, envs, values, scope) -> Fmt | None:
        candidates = None
        for e in envs:
            here = {p for p, v in _values_leaves(self.variants[e].values)
                    if p[0] != DERIVED and isinstance(v, str) and len(v) >= 3 and v in values[e]}
            candidates = here if candidates is None else candidates & here
        for path in sorted(candidates or (), key=scope.rank):
            shapes = {tuple(values[e].split(_get(self.variants[e].values, path))) for e in envs}
            if len(shapes) == 1:
                return Fmt(next(iter(shapes)), path)
        return None

    def _maps_above(self, env: str, path: tuple) -> bool:
        data = self.variants[env].values
        for key in path[:-1]:
            if not isinstance(data, dict):
                return False
            data = data.get(key, {})
        return isinstance(data, dict)

    def slot(self, envs, values, scope) -> Slot:
        slot = Slot(scope.resource, json_pointer(*scope.path))
        for e in envs:
            if isinstance(values[e], dict):
                raise TraceProblem(f"{scope.where()}: a mapping in some renders and not in others")
        self._slots[slot] = {e: values[e] for e in envs}
        return slot

    # ------------------------------------------------------------ conditions

    def condition(self, have: list[str], envs: list[str], scope: "_Scope") -> Cond:
        """What tells the renders that have a field (or resource) from the others."""
        wanted = [e in have for e in envs]
        found: list[tuple[tuple, Cond]] = []

        def consider(cond: Cond, holds: list[bool], tier: int) -> None:
            for negate in (False, True):
                if [h != negate for h in holds] == wanted:
                    named, elsewhere, field, length, path = scope.rank(cond.path)
                    if elsewhere and not named:
                        return  # a key of another section that does not name the resource: by chance
                    # keys named like the resource or the field come first, then the
                    # profile's switches (enums, booleans), then any key being set
                    found.append(((named, elsewhere, field, tier, negate, length, path, str(cond.value)),
                                  Cond(cond.test, cond.path, cond.value, negate)))

        for path, values, switch in self._tests:
            got = [values[e] for e in envs]
            consider(Cond("has", path), [g is not _MISSING for g in got], 2)
            if switch and all(isinstance(g, bool) for g in got if g is not _MISSING):
                consider(Cond("true", path), [g is True for g in got], 1)
            if switch:  # any other string telling renders apart does so by chance
                for value in sorted({g for g in got if isinstance(g, str) and g}):
                    consider(Cond("eq", path, value), [g == value for g in got], 1)
        if found:
            return min(found, key=lambda f: f[0])[1]
        slot = Slot(scope.resource, json_pointer(*scope.path) + "?")
        self._slots[slot] = {e: e in have for e in envs}
        return Cond("flag", slot=slot)


def _read_slots(node: Node, condition: Cond | None = None) -> Iterable[Slot]:
    """The derived fields a template reads, in the order it reads them."""
    if condition is not None and condition.slot is not None:
        yield condition.slot
    if isinstance(node, Slot):
        yield node
    elif isinstance(node, Entries):
        for _, cond, child in node.items:
            yield from _read_slots(child, cond)


def _general(template: Template, path: tuple) -> Node | None:
    """The template with its entry's name and values as ``$name`` and
    ``$entry``; None when something in it is the entry's own otherwise (a
    derived field, a guard other than the entry being set)."""
    name = template.key[3]
    entry = (*path, name)
    if template.condition not in (None, Cond("has", entry)):
        return None
    try:
        return _generalize(template.node, entry, name)
    except _NotGeneral:
        return None


class _NotGeneral(Exception):
    pass


def _generalize(node: Node, entry: tuple, name: str) -> Node:
    def relative(path: tuple) -> tuple | None:
        return path[len(entry):] if path[:len(entry)] == entry else None

    # the name as a word of a string: "t-a" holds the entry a, "kafka" does not
    word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])")
    if isinstance(node, Lit):
        if isinstance(node.value, (dict, list)) and node.value:
            return _generalize(_as_entries(node), entry, name)
        if isinstance(node.value, str) and word.search(node.value):
            return Fmt(tuple(word.split(node.value)), (), "$name")
        return node
    if isinstance(node, Ref):
        inside = relative(node.path) if not node.root else None
        return Ref(inside, "$entry") if inside is not None else node
    if isinstance(node, Fmt):
        inside = relative(node.path) if not node.root else None
        if any(word.search(part) for part in node.parts):
            raise _NotGeneral
        return Fmt(node.parts, inside, "$entry") if inside is not None else node
    if isinstance(node, Slot):
        raise _NotGeneral
    items = []
    for key, cond, child in node.items:
        if isinstance(key, str) and word.search(key):
            raise _NotGeneral
        if cond is not None:
            if cond.test == "flag":
                raise _NotGeneral
            inside = relative(cond.path)
            if inside is not None:
                cond = Cond(cond.test, inside, cond.value, cond.negate, None, "$entry")
        child = _generalize(child, entry, name)
        if cond is None and node.is_map and isinstance(child, Ref) and child.root == "$entry" and child.path:
            cond = Cond("has", child.path, root="$entry")  # a new entry may leave an optional key out
        items.append((key, cond, child))
    return Entries(items, node.is_map, node.maybe_empty or all(c is not None for _, c, _ in items))


def _fingerprint(node: Node | None) -> str:
    """What a node says, as text: two templates are the same when these are."""
    def shape(node: Node) -> Any:
        if isinstance(node, Entries):
            return ("E", node.is_map, node.maybe_empty, [(k, repr(c), shape(n)) for k, c, n in node.items])
        if isinstance(node, Lit):
            return ("L", json.dumps(node.value, sort_keys=True))
        return repr(node)
    return repr(shape(node)) if node is not None else ""


_TOP_FIELDS = (("namespace",), ("platform",))
_ITEM_NAMES = ("name", "alert", "record")  # what names the items of a list


@dataclass(frozen=True)
class _Scope:
    resource: str
    service: str
    path: tuple

    @property
    def section(self) -> str:
        return self.service.split("-")[0]

    def down(self, key: Any) -> "_Scope":
        return _Scope(self.resource, self.service, (*self.path, key))

    def where(self) -> str:
        return f"{self.resource}{json_pointer(*self.path)}"

    @cached_property
    def _names(self) -> frozenset[str]:
        """What the resource is called, word by word (its section's name aside:
        every key of the section shares it)."""
        parts = self.resource.split("/")
        kind, name = parts[0], parts[-1]
        return frozenset({kind.lower(), name, *re.split(r"[-_.]", name)} - {self.section})

    @cached_property
    def _fields(self) -> frozenset[str]:
        return frozenset(k for k in self.path if isinstance(k, str)) - {self.section}

    def rank(self, path: tuple) -> tuple:
        """(-keys naming the resource, other section, -keys naming the field,
        length, path): a key of another section only when it names the
        resource (``network.egress`` for ``postgres-cluster-egress``), then
        keys of the resource's own section naming the field, then the shorter."""
        keys = path[1:] if path[0] == self.section else path
        return (-_matches(keys, self._names), path[0] != self.section, -_matches(keys, self._fields),
                len(path), tuple(map(str, path)))


def _matches(keys: tuple, words: frozenset[str]) -> int:
    """How many ``keys`` are one of ``words`` (or its plural, or a word of four
    letters or more that they begin with)."""
    return sum(1 for key in keys if isinstance(key, str) and any(
        key == w or key.rstrip("s") == w or (len(w) >= 4 and key.startswith(w)) for w in words))


def _resource_id(key: Key) -> str:
    _, kind, namespace, name = key
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def _merged_order(sequences: list[list]) -> list | None:
    """One order of every item that keeps each sequence's order; None when they disagree."""
    order: list = []
    for seq in sequences:
        previous = -1
        for item in seq:
            if item in order:
                previous = order.index(item)
            else:
                previous += 1
                order.insert(previous, item)
    for seq in sequences:
        kept = [i for i in order if i in seq]
        if kept != seq:
            return None
    return order


# ---------------------------------------------------------------- Go templates


def go_string(text: str) -> str:
    """A Go string literal (JSON's escapes are Go's, bar astral characters as pairs)."""
    return json.dumps(text, ensure_ascii=False)


def values_expr(path: tuple, root: str = "") -> str:
    """The value at ``path`` of .Values, or of ``root`` (``$entry``; ``$name``
    is the entry's name); the key exists where this is read."""
    if root == "$name":
        return root
    head, rest = root or ".Values", path
    if not root and _IDENT.match(path[0]):
        head, rest = f".Values.{path[0]}", path[1:]
    if all(isinstance(k, str) and _IDENT.match(k) for k in rest):
        return head + "".join(f".{k}" for k in rest)
    keys = " ".join(str(k) if isinstance(k, int) else go_string(k) for k in rest)
    return f"(index {head} {keys})"


def _child(expr: str, key: str) -> str:
    return f"{expr}.{key}" if _IDENT.match(key) else f"(index {expr} {go_string(key)})"


def _lookup(path: tuple, default: str | None = None, root: str = "") -> str:
    """The value at ``path`` of .Values (or ``root``): nil when it or any map
    on the way is missing or null, or ``default`` in its stead. Each step
    reads an empty map for a missing one (sprig's dig stops at a null)."""
    expr = root or ".Values"
    for key in path[:-1]:
        expr = f"({_child(expr, key)} | default dict)"
    last = _child(expr, path[-1])
    return last if default is None else f"({last} | default {default})"


def cond_expr(cond: Cond) -> str:
    if cond.test == "flag":
        expr = f"(index .Values.{DERIVED} {go_string(cond.slot.resource)} {go_string(cond.slot.pointer)})"
    elif cond.test == "has":
        # set and not null: helm keeps a null that one values file gives over
        # another (it removes only those over the chart's own values.yaml)
        expr = f"(not (kindIs \"invalid\" {_lookup(cond.path, None, cond.root)}))"
    elif cond.test == "true":
        expr = f"(eq {_lookup(cond.path, 'false', cond.root)} true)"
    else:
        expr = f"(eq {_lookup(cond.path, go_string(''), cond.root)} {go_string(cond.value)})"
    return f"(not {expr})" if cond.negate else expr


def _scalar(value: Any) -> str:
    """A literal as YAML: a JSON literal, with Go's action delimiters kept literal."""
    text = json.dumps(value, ensure_ascii=False)
    from dsgen.yamlio import NEEDS_ESCAPE

    text = NEEDS_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.replace("{{", '{{ "{{" }}')


def _key(key: str) -> str:
    if _PLAIN_KEY.match(key) and key.lower() not in _YAML11_WORDS:
        return key
    return _scalar(key)


def _value_text(node: Node) -> str | None:
    """A node written on its key's line, or None for a block."""
    if isinstance(node, Lit):
        if isinstance(node.value, (dict, list)) and node.value:
            return None
        return _scalar(node.value)
    if isinstance(node, Ref):
        return "{{ " + values_expr(node.path, node.root) + " | toJson }}"
    if isinstance(node, Fmt) and node.parts == ("", ""):
        return "{{ " + values_expr(node.path, node.root) + " | toJson }}"
    if isinstance(node, Fmt):
        value = values_expr(node.path, node.root)
        pieces = [go_string(node.parts[0])]
        for part in node.parts[1:]:
            pieces += [value, go_string(part)]
        return "{{ print " + " ".join(pieces) + " | toJson }}"
    if isinstance(node, Slot):
        return "{{ " + f"index .Values.{DERIVED} {go_string(node.resource)} {go_string(node.pointer)}" + \
            " | toJson }}"
    return None


def _as_entries(node: Node) -> Entries:
    """A literal mapping or list as entries, to be written as a block."""
    if isinstance(node, Entries):
        return node
    value = node.value
    if isinstance(value, dict):
        return Entries([(k, None, Lit(v)) for k, v in value.items()], is_map=True)
    return Entries([(None, None, Lit(v)) for v in value], is_map=False)


def write(node: Node, indent: int) -> list[str]:
    """The block lines of a mapping or list node at ``indent`` spaces."""
    entries = _as_entries(node)
    lines: list[str] = []
    pad = " " * indent
    for key, cond, child in entries.items:
        body: list[str] = []
        inline = _value_text(child)
        lead = f"{pad}{_key(key)}:" if entries.is_map else f"{pad}-"
        if inline is not None:
            body.append(f"{lead} {inline}")
        elif entries.is_map:
            inner = _as_entries(child)
            body.append(lead + _empty_guard(inner))
            body += write(inner, indent + (2 if inner.is_map else 2))
        else:
            inner_lines = write(child, indent + 2)
            first = inner_lines[0]
            if first.lstrip().startswith("{{"):  # guarded first item: start the item on its own line
                body.append(lead + _empty_guard(_as_entries(child)))
                body += inner_lines
            else:
                body.append(f"{lead} {first.lstrip()}")
                body += inner_lines[1:]
        if cond is not None:
            lines.append(f"{{{{- if {cond_expr(cond)} }}}}")
            lines += body
            lines.append("{{- end }}")
        else:
            lines += body
    return lines


def each(path: tuple, body: list[str]) -> list[str]:
    """``body`` once per entry of the collection at ``path``, with ``$name``
    and ``$entry`` set (``with $`` keeps .Values reading the chart's values)."""
    return [f"{{{{- range $name, $entry := ({_lookup(path)} | default dict) }}}}", "{{- with $ }}", "---",
            *body, "{{- end }}", "{{- end }}"]


def _empty_guard(entries: Entries) -> str:
    """After ``key:``, what writes ``{}``/``[]`` when every item is guarded and none holds."""
    if not entries.maybe_empty:
        return ""
    tests = " ".join(cond_expr(c) for _, c, _ in entries.items)
    empty = "{}" if entries.is_map else "[]"
    return f"\n{{{{- if not (or {tests}) }}}} {empty}{{{{ end }}}}"
