"""``dsgen explain KEY``: what a profile key means, from the same schema editors
read (descriptions are the model's field docs).

Keys are dotted; a name in a map (a pooler, a topic) is any name or ``*``:
``postgres.poolers.*.poolMode`` or ``kafka.topics.orders.partitions``.
"""

from __future__ import annotations

from typing import Any

from dsgen import units
from dsgen.errors import UsageError


def _resolve(node: dict, definitions: dict) -> dict:
    """Follow ``$ref`` and drop a ``null`` branch of ``anyOf``."""
    while True:
        if "$ref" in node:
            node = {**definitions[node["$ref"].rsplit("/", 1)[-1]],
                    **{k: v for k, v in node.items() if k != "$ref"}}
            continue
        options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1:
            node = {**options[0], **{k: v for k, v in node.items() if k != "anyOf"}}
            continue
        return node


def _type(node: dict, definitions: dict) -> str:
    if "enum" in node:
        return "one of " + ", ".join(str(v) for v in node["enum"])
    if "const" in node:
        return f"{node['const']}"
    if "anyOf" in node:
        return " or ".join(_type(_resolve(o, definitions), definitions) for o in node["anyOf"]
                           if o.get("type") != "null")
    kind = node.get("type", "value")
    if kind == "object" and node.get("properties"):
        return "mapping"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return f"map of name to {_type(_resolve(node['additionalProperties'], definitions), definitions)}"
    if kind == "array":
        return f"list of {_type(_resolve(node.get('items', {}), definitions), definitions)}"
    limits = []
    if "minimum" in node:
        limits.append(f"at least {node['minimum']}")
    if "maximum" in node:
        limits.append(f"at most {node['maximum']}")
    if "pattern" in node:
        limits.append(f"matching {node['pattern']}")
    return ", ".join([{"integer": "whole number", "string": "text"}.get(kind, kind), *limits])


def explain(key: str, schema: dict[str, Any] | None = None) -> str:
    if schema is None:  # the schema as shipped; a test keeps it equal to the model's
        import json
        from importlib import resources

        schema = json.loads(resources.files("dsgen").joinpath("schemas", "profile.schema.json").read_text("utf-8"))
    definitions = schema.get("$defs", {})
    node, path = _resolve(schema, definitions), []
    description = ""
    for part in [p for p in key.split(".") if p] if key else []:
        properties = node.get("properties") or {}
        extra = node.get("additionalProperties")
        if part in properties:
            child = properties[part]
        elif isinstance(extra, dict) and not properties:
            child = extra
        else:
            where = ".".join(path) or "a profile"
            hint = units.did_you_mean(part, properties, cutoff=0.6) if properties else ""
            raise UsageError(f"{'.'.join([*path, part])}: no such key in {where}{hint}"
                             f" (keys: {', '.join(properties) or 'none'})")
        description = child.get("description", "")
        node = _resolve(child, definitions)
        path.append(part)
        if not description:
            description = node.get("description", "")
    lines = [f"{'.'.join(path) or 'profile'}: {_type(node, definitions)}"
             + (f" (default: {_default(node)})" if "default" in node and not isinstance(node["default"], dict) else "")]
    if description:
        lines.append(f"  {description}")
    children = node.get("properties") or {}
    for below in ("additionalProperties", "items"):  # a map's values, a list's items
        if isinstance(node.get(below), dict) and not children:
            children = _resolve(node[below], definitions).get("properties") or {}
    for name, child in children.items():
        text = child.get("description") or _resolve(child, definitions).get("description", "")
        lines.append(f"  {name:24} {text.splitlines()[0] if text else ''}".rstrip())
    return "\n".join(lines) + "\n"


def _default(node: dict) -> str:
    import json

    return json.dumps(node["default"])
