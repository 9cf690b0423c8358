"""Patches of rendered documents: RFC 6902 operations and merge patches.

``json_patch`` is the whole of RFC 6902 (add, remove, replace, move, copy,
test; ``-`` appends to a list). ``merge_patch`` is a strategic-merge mapping as
dsgen reads it: mappings merge key by key and ``null`` deletes a key (RFC 7386);
a list whose items are all mappings with a ``name`` on both sides merges item
by item on that name (as Kubernetes does for containers, env and volumes);
any other list is replaced whole. Both raise :class:`PatchFailed` with a
message that names the operation and the path.
"""

from __future__ import annotations

import copy
import json
from typing import Any


class PatchFailed(ValueError):
    pass


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchFailed(f"path {pointer!r} must start with '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _index(node: list, token: str, pointer: str, insert: bool = False) -> int:
    if insert and token == "-":
        return len(node)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise PatchFailed(f"{pointer}: {token!r} is not a list index")
    index = int(token)
    if index > len(node) or (index == len(node) and not insert):
        raise PatchFailed(f"{pointer}: index {index} is past the end of a list of {len(node)}")
    return index


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    tokens = _tokens(pointer)
    node = doc
    for depth, token in enumerate(tokens[:-1]):
        here = "/" + "/".join(tokens[:depth + 1])
        if isinstance(node, dict):
            if token not in node:
                raise PatchFailed(f"{here}: no such key")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, here)]
        else:
            raise PatchFailed(f"{here}: not a mapping or list")
    return node, tokens[-1]


def _get(doc: Any, pointer: str) -> Any:
    if pointer == "":
        return doc
    node, last = _parent(doc, pointer)
    if isinstance(node, dict):
        if last not in node:
            raise PatchFailed(f"{pointer}: no such key")
        return node[last]
    if isinstance(node, list):
        return node[_index(node, last, pointer)]
    raise PatchFailed(f"{pointer}: not a mapping or list")


def resolve(doc: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer of ``doc`` (PatchFailed when there is none)."""
    return _get(doc, pointer)


def _add(doc: Any, pointer: str, value: Any) -> Any:
    if pointer == "":
        return value
    node, last = _parent(doc, pointer)
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list):
        node.insert(_index(node, last, pointer, insert=True), value)
    else:
        raise PatchFailed(f"{pointer}: the parent is not a mapping or list")
    return doc


def _remove(doc: Any, pointer: str) -> Any:
    _get(doc, pointer)
    node, last = _parent(doc, pointer)
    if isinstance(node, dict):
        del node[last]
    else:
        del node[_index(node, last, pointer)]
    return doc


def json_patch(doc: Any, operations: list[dict[str, Any]]) -> Any:
    """``doc`` with RFC 6902 ``operations`` applied (``doc`` is not changed)."""
    doc = copy.deepcopy(doc)
    for number, operation in enumerate(operations):
        op, path = operation.get("op"), operation.get("path")
        try:
            if not isinstance(path, str):
                raise PatchFailed("needs a path")
            if op in ("add", "replace", "test") and "value" not in operation:
                raise PatchFailed(f"{op} needs a value")
            if op == "add":
                doc = _add(doc, path, copy.deepcopy(operation["value"]))
            elif op == "remove":
                doc = _remove(doc, path)
            elif op == "replace":
                doc = _add(_remove(doc, path), path, copy.deepcopy(operation["value"])) if path else \
                    copy.deepcopy(operation["value"])
            elif op in ("move", "copy"):
                source = operation.get("from")
                if not isinstance(source, str):
                    raise PatchFailed(f"{op} needs from")
                if op == "move" and path.startswith(source + "/"):
                    raise PatchFailed(f"cannot move {source} into itself")
                value = copy.deepcopy(_get(doc, source))
                if op == "move":
                    doc = _remove(doc, source)
                doc = _add(doc, path, value)
            elif op == "test":
                if json.dumps(_get(doc, path), sort_keys=True) != json.dumps(operation["value"], sort_keys=True):
                    raise PatchFailed(f"{path}: test failed, the value is {json.dumps(_get(doc, path))}")
            else:
                raise PatchFailed(f"op {op!r} is not one of add, remove, replace, move, copy, test")
        except PatchFailed as exc:
            raise PatchFailed(f"operation {number} ({op} {path}): {exc}") from None
    return doc


def _named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items)


def merge_patch(doc: Any, patch: Any, named_lists: bool = True) -> Any:
    """``doc`` with a strategic-merge mapping applied (see the module's doc);
    with ``named_lists`` False, plain RFC 7386: every list is replaced."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(doc) if isinstance(doc, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            out[key] = merge_patch(out.get(key), value, named_lists)
        elif named_lists and _named(value) and _named(out.get(key)) and value:
            merged = {item["name"]: item for item in out[key]}
            for item in value:
                merged[item["name"]] = merge_patch(merged.get(item["name"]), item)
            out[key] = list(merged.values())
        else:
            out[key] = copy.deepcopy(value)
    return out
