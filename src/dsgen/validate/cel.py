"""Evaluating the CEL rules of CRD schemas (``x-kubernetes-validations``).

JSON Schema cannot express these rules and kubeconform does not run them; the
API server does, and rejects the object. dsgen walks the schema and the
document together and evaluates every rule at every place it applies, with
``self`` bound to the value there. A rule that cannot be run here (a
transition rule needing ``oldSelf``, a Kubernetes CEL library function the
evaluator lacks) is reported as skipped with the reason, never as passed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

# CEL reserved words Kubernetes escapes as __word__ in property names.
_RESERVED = {"true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
             "function", "if", "import", "let", "loop", "package", "namespace", "return", "var",
             "void", "while"}
_PLAIN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
RULES_BELOW = "x-dsgen-rules-below"


@dataclass(frozen=True)
class Outcome:
    path: str  # JSON pointer of the value the rule was evaluated on
    rule: str
    passed: bool | None  # None: could not be evaluated
    message: str


def escape_name(name: str) -> str:
    """Kubernetes' escaping of property names for CEL (``namespace`` -> ``__namespace__``)."""
    if name in _RESERVED:
        return f"__{name}__"
    if _PLAIN.match(name) and "__" not in name:
        return name
    return (name.replace("__", "__underscores__").replace(".", "__dot__")
            .replace("-", "__dash__").replace("/", "__slash__"))


def _escaped(value: Any) -> Any:
    if isinstance(value, dict):
        return {escape_name(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


class _Unsupported(Exception):
    pass


def _kubernetes_functions() -> dict:
    """The parts of Kubernetes' CEL libraries the operators' rules use (URLs)."""
    from urllib.parse import urlsplit

    import celpy

    text = celpy.celtypes.StringType

    def parse(value):
        parts = urlsplit(str(value))
        if not parts.scheme and not str(value).startswith("/"):
            raise ValueError(f"url() needs an absolute URI or path: {value!r}")
        return parts

    return {
        "url": lambda value: text(str(value)) if parse(value) else None,
        "isURL": lambda value: celpy.celtypes.BoolType(bool(urlsplit(str(value)).scheme or str(value).startswith("/"))),
        "getScheme": lambda value: text(parse(value).scheme),
        "getHost": lambda value: text(parse(value).netloc.rpartition("@")[2]),
        "getHostname": lambda value: text(parse(value).hostname or ""),
        "getPort": lambda value: text(str(parse(value).port or "")),
        "getEscapedPath": lambda value: text(parse(value).path),
    }


@lru_cache(maxsize=1)
def _environment():
    import celpy
    from celpy.celparser import CELParser

    if CELParser.CEL_PARSER is None:
        CELParser.CEL_PARSER = _parser()
    return celpy.Environment()


def _parser():
    """celpy's CEL grammar, built without its debug mode (0.5 s -> 0.13 s) and
    cached beside the schema cache (-> 0.01 s on later runs)."""
    import os
    from pathlib import Path

    import celpy
    import lark
    from celpy.celparser import CELParser

    options = dict(parser="lalr", start="expr", g_regex_flags=re.M,
                   lexer_callbacks={"IDENT": CELParser.ambiguous_literals},
                   propagate_positions=True, maybe_placeholders=False, priority="invert")
    grammar = (Path(celpy.__file__).parent / "cel.lark").read_text()
    from dsgen.validate.cache import cache_dir

    folder = cache_dir().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return lark.Lark(grammar, cache=str(folder / f"cel-parser-lark{lark.__version__}.cache"), **options)
    except Exception:  # noqa: BLE001 - a cache that cannot be used is only slower
        pass
    return lark.Lark(grammar, **options)


@lru_cache(maxsize=None)
def _program(rule: str):
    env = _environment()
    try:
        return env.program(env.compile(rule), functions=_kubernetes_functions())
    except Exception as exc:  # noqa: BLE001 - the parser's errors have no common base
        raise _Unsupported(f"cannot compile: {str(exc).splitlines()[0][:120]}") from None


def evaluate(rule: str, value: Any) -> bool | str:
    """True/False, or a string saying why the rule could not be evaluated.

    Results are remembered by rule and value: overlays repeat most values."""
    key = (rule, json.dumps(value, sort_keys=True, default=str))
    if key not in _RESULTS:
        if len(_RESULTS) > 65536:
            _RESULTS.clear()
        _RESULTS[key] = _evaluate(rule, value)
    return _RESULTS[key]


_RESULTS: dict[tuple[str, str], bool | str] = {}
FAILED = "evaluation failed: "  # a run-time error of a rule that compiled


def _evaluate(rule: str, value: Any) -> bool | str:
    if re.search(r"\boldSelf\b", rule):
        return "transition rule: needs the object's previous version (oldSelf)"
    try:
        program = _program(rule)
    except _Unsupported as exc:
        return str(exc)
    import celpy

    try:
        result = program.evaluate({"self": celpy.json_to_cel(_escaped(value))})
    except Exception as exc:  # noqa: BLE001 - evaluation errors come in many types
        text = str(exc.args[0] if exc.args else exc)
        if "undeclared reference" in text:
            name = re.search(r"undeclared reference to '([^']+)'", text)
            return f"uses {name.group(1) if name else 'a function'}(), which the evaluator lacks"
        return f"{FAILED}{text[:120]}"
    if isinstance(result, Exception):
        return f"{FAILED}{str(result)[:120]}"
    if result is True or result is False or type(result).__name__ == "BoolType":
        return bool(result)
    return f"rule returned {type(result).__name__}, not a boolean"


def walk(schema: Any, value: Any, path: str = "") -> Iterator[Outcome]:
    """Evaluate every rule of ``schema`` that applies somewhere in ``value``."""
    # normalise() marks every schema node with whether rules lie below it
    if not isinstance(schema, dict) or not schema.get(RULES_BELOW, True):
        return
    for entry in schema.get("x-kubernetes-validations") or []:
        if not isinstance(entry, dict) or "rule" not in entry:
            continue
        result = evaluate(entry["rule"], value)
        if isinstance(result, str) and result.startswith(FAILED):
            # Kubernetes rejects an object whose rule errors at run time (a
            # missing field, a bad index): the error is the rule's verdict.
            where = path + _field_path(entry.get("fieldPath"))
            message = entry.get("message") or f"failed rule: {entry['rule']}"
            yield Outcome(where or "/", entry["rule"], False,
                          f"{message} (the rule errored: {result[len(FAILED):]}; Kubernetes rejects the object)")
        elif isinstance(result, str):
            yield Outcome(path or "/", entry["rule"], None, result)
        else:
            message = entry.get("message") or f"failed rule: {entry['rule']}"
            where = path + _field_path(entry.get("fieldPath"))
            yield Outcome(where or "/", entry["rule"], result, message)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            yield from walk(sub, value, path)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            sub = properties.get(name, extra if isinstance(extra, dict) else None)
            if sub is not None:
                yield from walk(sub, item, f"{path}/{_pointer(name)}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from walk(schema["items"], item, f"{path}/{index}")


def _pointer(name: str) -> str:
    return str(name).replace("~", "~0").replace("/", "~1")


def _field_path(field_path: str | None) -> str:
    """``.spec.foo`` (a rule's fieldPath) as a JSON pointer suffix."""
    if not field_path:
        return ""
    return "".join(f"/{part}" for part in field_path.strip(".").split(".") if part)
