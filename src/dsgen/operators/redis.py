"""Redis's settings: names (and their aliases), types, bounds, and which ones
a running server refuses to change, as Redis's own src/config.c defines them
(data/redis-<major.minor>.json, written by scripts/redis_config.py).

Values are read as Redis reads them (src/config.c and util.c): booleans are
yes or no; sizes are numbers with an optional unit b, k, kb, m, mb, g, gb
(case-insensitive; k is 1000, kb 1024); enums case-insensitively.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dsgen import units
from dsgen.operators import data

CATALOG = "7.2"  # the line dsgen pins (redis:7.2.x)
_SIZE = re.compile(r"^(-?\d+)(b|k|kb|m|mb|g|gb)?$", re.I)


@lru_cache(maxsize=None)
def settings() -> dict[str, dict]:
    """Every setting by name and by alias."""
    table = data(f"redis-{CATALOG}")["settings"]
    out = dict(table)
    for entry in table.values():
        if "alias" in entry:
            out.setdefault(entry["alias"], entry)
    return out


def immutable() -> frozenset[str]:
    """Settings a running Redis refuses to CONFIG SET (IMMUTABLE_CONFIG)."""
    return frozenset(name for name, entry in settings().items() if entry["immutable"])


def value_problem(entry: dict, value: str) -> str | None:
    text = str(value).strip()
    if entry["type"] == "bool":
        return None if text.lower() in ("yes", "no") else f"{value!r} is not yes or no"
    if entry["type"] == "enum":
        words = text.lower().split() if entry.get("multiple") else [text.lower()]
        wrong = [w for w in words if w not in entry["enum"]] or ([] if words else [""])
        return f"{value!r} is not one of {', '.join(entry['enum'])}" if wrong else None
    if entry["type"] != "number":
        return None
    if entry.get("percent") and text.endswith("%"):
        text = text[:-1]
    match = _SIZE.match(text) if entry.get("memory") else re.match(r"^-?\d+$", text)
    if not match:
        kind = "a size (a number with an optional unit b, k, kb, m, mb, g, gb)" if entry.get("memory") else "a whole number"
        return f"{value!r} is not {kind}"
    number = int(match.group(1)) if entry.get("memory") else int(text)
    if entry.get("memory") and match.group(2):
        unit = match.group(2).lower()
        number *= {"b": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3}[unit]
    if not entry["min"] <= number <= entry["max"]:
        return f"{value!r} is outside {entry['min']}..{entry['max']}"
    return None


def setting_problem(name: str, value: str) -> str | None:
    """Why Redis would refuse this setting, or None."""
    entry = settings().get(name.lower())
    if entry is None:
        return f"is not a Redis {CATALOG} setting" + units.did_you_mean(name.lower(), settings())
    return value_problem(entry, value)
