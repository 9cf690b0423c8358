"""Kafka's broker and topic configs: names, types and valid values, as Kafka's
generated documentation lists them (data/kafka-<major.minor>.json, written
by scripts/kafka_configs.py from apache/kafka-site, itself generated from
Kafka's ConfigDef definitions).

For a Kafka newer than the newest catalog, the newest one is used, and only
near misses of its names are called typos: configs added since are unknown to
dsgen, not to Kafka.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from dsgen import units
from dsgen.units import version_tuple

_RANGE = re.compile(r"^\[(-?[\d.]+),\.\.\.(?:,(-?[\d.]+))?\](?: or (-?[\d.]+))?$")
_ENUM = re.compile(r"^\[([^\[\]]*)\]$")
# Keys of plugins Strimzi configures beside the broker's own (Cruise Control's
# metrics reporter, its quota callback): not in Kafka's broker catalog.
PLUGIN_PREFIXES = ("cruise.control.", "client.quota.callback.")


@lru_cache(maxsize=None)
def catalogs() -> dict[tuple[int, int], dict]:
    out = {}
    for entry in (resources.files("dsgen.operators") / "data").iterdir():
        match = re.fullmatch(r"kafka-(\d+)\.(\d+)\.json", entry.name)
        if match:
            out[(int(match.group(1)), int(match.group(2)))] = json.loads(entry.read_text(encoding="utf-8"))
    return out


def catalog_for(version: str) -> tuple[dict, str, bool]:
    """(catalog, its version, exact) for a Kafka version such as 4.1.1."""
    wanted = version_tuple(version)[:2]
    available = catalogs()
    if wanted in available:
        chosen, exact = wanted, True
    else:
        older = [v for v in available if v <= wanted]
        chosen, exact = (max(older) if older else min(available)), False
    return available[chosen], ".".join(map(str, chosen)), exact


def _number(value, kind: str):
    if isinstance(value, bool):
        return None
    try:
        return float(value) if kind == "double" else int(str(value))
    except ValueError:
        return None


def value_problem(entry: dict, value) -> str | None:
    kind, valid = entry["type"], entry.get("valid", "")
    if kind in ("int", "short", "long", "double"):
        number = _number(value, kind)
        if number is None:
            return f"{value!r} is not {'a number' if kind == 'double' else 'a whole number'} ({kind})"
        match = _RANGE.match(valid)
        if match:
            low, high, extra = match.groups()
            inside = number >= float(low) and (high is None or number <= float(high))
            if not inside and not (extra is not None and number == float(extra)):
                return f"{value!r} is outside {valid}"
        return None
    if kind == "boolean":
        ok = isinstance(value, bool) or str(value).lower() in ("true", "false")
        return None if ok else f"{value!r} is not true or false"
    match = _ENUM.match(valid)
    if kind in ("string", "list") and match and "..." not in valid and valid != "[]":
        choices = [c.strip().lower() for c in match.group(1).split(",")]
        items = [i.strip().lower() for i in str(value).split(",")] if kind == "list" else [str(value).lower()]
        # A protocol version list ([..., 3.6-IV0, 3.6-IV2]) also takes the short
        # form 3.6 (Kafka's MetadataVersion.fromVersionString).
        wrong = [i for i in items if i not in choices and not any(c.startswith(f"{i}-iv") for c in choices)]
        if wrong:
            return f"{value!r} is not one of {valid[1:-1]}"
    return None


def config_problem(scope: str, key: str, value, version: str) -> str | None:
    """Why Kafka ``version`` would refuse this broker (scope "broker") or topic config."""
    if scope == "broker" and key.startswith(PLUGIN_PREFIXES):
        return None
    catalog, chosen, exact = catalog_for(version)
    configs = catalog[scope]
    entry = configs.get(key)
    if entry is None:
        hint = units.did_you_mean(key, configs, cutoff=0.85)
        if exact:
            return f"is not a Kafka {chosen} {scope} config{hint}"
        return f"is not a Kafka {scope} config (known to {chosen}){hint}" if hint else None
    return value_problem(entry, value)
