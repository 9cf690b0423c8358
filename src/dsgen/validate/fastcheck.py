"""A schema compiled once into nested Python closures that answer "valid?" fast.

jsonschema's validators walk the schema anew for every document and spend
most of their time in bookkeeping. Kubernetes and CRD schemas use a small set
of keywords; this module compiles exactly those into closures, so a valid
document (the common case) is confirmed an order of magnitude faster. When a
document is not valid, the caller asks jsonschema for the errors, so messages
are jsonschema's own. A schema using a keyword not handled here is not
compiled (``compile_schema`` returns None) and jsonschema does all the work.

The verdicts match jsonschema's Draft 2020-12 semantics; a test compares them
on the corpus, the bundled tree and generated mutations. Subschemas compile
when first reached, so a keyword this module lacks deep inside a schema
surfaces as ``Unsupported`` at check time: the caller then asks jsonschema.
"""

from __future__ import annotations

import re
from typing import Any, Callable

Check = Callable[[Any], bool]

# Keywords that only annotate, or that dsgen's loader has already applied.
_IGNORED = {
    "description", "title", "default", "example", "examples", "format", "$schema", "$id",
    "$defs", "definitions", "readOnly", "writeOnly", "deprecated", "$comment", "nullable",
    "externalDocs", "discriminator", "xml", "contentEncoding", "contentMediaType",
}
_HANDLED = {
    "type", "properties", "additionalProperties", "patternProperties", "required", "items",
    "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    "uniqueItems", "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not", "$ref",
}


class Unsupported(Exception):
    pass


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
}


def _equal(a: Any, b: Any) -> bool:
    """JSON equality as jsonschema sees it: 1 == 1.0, but True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


class Compiler:
    def __init__(self, resolve: Callable[[str], Any] | None = None):
        self.resolve = resolve
        self._refs: dict[str, list[Check | None]] = {}

    def lazy(self, schema: Any) -> Check:
        """Compile ``schema`` when first used: big CRD schemas are mostly never reached."""
        cell: list[Check | None] = [None]

        def check(value: Any) -> bool:
            if cell[0] is None:
                cell[0] = self.compile(schema)
            return cell[0](value)
        return check

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise Unsupported(f"schema is {type(schema).__name__}")
        unknown = set(schema) - _HANDLED - _IGNORED
        unknown = {k for k in unknown if not k.startswith("x-")}
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"]))
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            tests = [_TYPES[t] for t in types]
            checks.append(tests[0] if len(tests) == 1 else (lambda v, tests=tests: any(t(v) for t in tests)))
        if "enum" in schema:
            options = schema["enum"]
            checks.append(lambda v: any(_equal(v, o) for o in options))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda v: _equal(v, const))
        checks.extend(self._strings(schema))
        checks.extend(self._numbers(schema))
        checks.extend(self._objects(schema))
        checks.extend(self._arrays(schema))
        for key in ("allOf", "anyOf", "oneOf"):
            if key in schema:
                subs = [self.compile(s) for s in schema[key]]
                if key == "allOf":
                    checks.append(lambda v, subs=subs: all(s(v) for s in subs))
                elif key == "anyOf":
                    checks.append(lambda v, subs=subs: any(s(v) for s in subs))
                else:
                    checks.append(lambda v, subs=subs: sum(1 for s in subs if s(v)) == 1)
        if "not" in schema:
            negated = self.compile(schema["not"])
            checks.append(lambda v: not negated(v))
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(check(v) for check in checks)

    def _ref(self, ref: str) -> Check:
        if self.resolve is None:
            raise Unsupported("$ref without a resolver")
        if ref not in self._refs:
            cell: list[Check | None] = [None]
            self._refs[ref] = cell
            cell[0] = self.compile(self.resolve(ref))
        cell = self._refs[ref]
        return lambda v: cell[0](v)  # late-bound: refs may be recursive

    def _strings(self, schema: dict) -> list[Check]:
        out: list[Check] = []
        if "pattern" in schema:
            regex = re.compile(schema["pattern"])
            out.append(lambda v: not isinstance(v, str) or regex.search(v) is not None)
        return out + _sizes(schema, str, "minLength", "maxLength")

    def _numbers(self, schema: dict) -> list[Check]:
        out: list[Check] = []
        tests = {
            "minimum": lambda v, x: v >= x, "maximum": lambda v, x: v <= x,
            "exclusiveMinimum": lambda v, x: v > x, "exclusiveMaximum": lambda v, x: v < x,
        }
        for key, test in tests.items():
            if key in schema:
                bound = schema[key]
                if isinstance(bound, bool):
                    raise Unsupported(f"boolean {key} (draft 4)")
                out.append(lambda v, bound=bound, test=test: not _is_number(v) or test(v, bound))
        if "multipleOf" in schema:
            step = schema["multipleOf"]

            def multiple(v: Any) -> bool:
                if not _is_number(v):
                    return True
                if isinstance(step, float) or isinstance(v, float):
                    quotient = v / step
                    return quotient == int(quotient) if quotient == quotient and abs(quotient) != float("inf") else False
                return v % step == 0
            out.append(multiple)
        return out

    def _objects(self, schema: dict) -> list[Check]:
        out: list[Check] = []
        properties = {k: self.lazy(s) for k, s in (schema.get("properties") or {}).items()}
        patterns = [(re.compile(p), self.lazy(s)) for p, s in (schema.get("patternProperties") or {}).items()]
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True else self.lazy(extra)
        required = list(schema.get("required") or [])
        if properties or patterns or extra_check is not None:
            def members(v: Any) -> bool:
                if not isinstance(v, dict):
                    return True
                for key, item in v.items():
                    check = properties.get(key)
                    matched = False
                    if check is not None:
                        if not check(item):
                            return False
                        matched = True
                    for regex, pattern_check in patterns:
                        if regex.search(key):
                            matched = True
                            if not pattern_check(item):
                                return False
                    if not matched and extra_check is not None and not extra_check(item):
                        return False
                return True
            out.append(members)
        if required:
            out.append(lambda v: not isinstance(v, dict) or all(k in v for k in required))
        return out + _sizes(schema, dict, "minProperties", "maxProperties")

    def _arrays(self, schema: dict) -> list[Check]:
        out: list[Check] = []
        if "items" in schema:
            if not isinstance(schema["items"], (dict, bool)):
                raise Unsupported("items as a list")
            item = self.lazy(schema["items"])
            out.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
        out += _sizes(schema, list, "minItems", "maxItems")
        if schema.get("uniqueItems"):
            def unique(v: Any) -> bool:
                if not isinstance(v, list):
                    return True
                return all(not _equal(v[i], v[j]) for i in range(len(v)) for j in range(i + 1, len(v)))
            out.append(unique)
        return out


def _sizes(schema: dict, kind: type, low_key: str, high_key: str) -> list[Check]:
    """minLength/maxLength, minProperties/maxProperties, minItems/maxItems."""
    out: list[Check] = []
    if low_key in schema:
        low = schema[low_key]
        out.append(lambda v: not isinstance(v, kind) or len(v) >= low)
    if high_key in schema:
        high = schema[high_key]
        out.append(lambda v: not isinstance(v, kind) or len(v) <= high)
    return out


def compile_schema(schema: Any, resolve: Callable[[str], Any] | None = None) -> Check | None:
    """A fast validity check for ``schema``, or None when it uses keywords not handled here."""
    try:
        return Compiler(resolve).compile(schema)
    except (Unsupported, re.error, KeyError, TypeError):
        return None
