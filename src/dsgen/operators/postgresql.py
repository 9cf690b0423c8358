"""PostgreSQL's parameters: names, types, units and ranges, as a real server
reports them in pg_settings (data/postgresql-<major>.json, written by
scripts/pg_settings.py from Debian's postgresql package).

A value is read the way PostgreSQL reads postgresql.conf (the manual's
"Parameter Names and Values"): booleans as on/off/true/false/yes/no/1/0 or
an unambiguous prefix; numbers with an optional memory unit (B, kB, MB, GB,
TB) or time unit (us, ms, s, min, h, d) where the parameter has a unit, a
bare number being in the parameter's own unit; enums case-insensitively.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from dsgen import units

_MEMORY = {"B": 1, "kB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_TIME = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")
_BOOLEANS = ("true", "false", "yes", "no", "on", "off", "1", "0")


@lru_cache(maxsize=None)
def catalogs() -> dict[int, dict]:
    """Every catalog that ships, by PostgreSQL major version."""
    out = {}
    for entry in (resources.files("dsgen.operators") / "data").iterdir():
        match = re.fullmatch(r"postgresql-(\d+)\.json", entry.name)
        if match:
            out[int(match.group(1))] = json.loads(entry.read_text(encoding="utf-8"))
    return out


@lru_cache(maxsize=None)
def catalog_for(major: int | None) -> tuple[dict, int, bool]:
    """(settings by lower-cased name, catalog major, exact): the catalog of
    ``major``, else the newest one not newer (or the oldest), not exact."""
    available = catalogs()
    if major in available:
        chosen, exact = major, True
    else:
        older = [m for m in available if major is None or m <= major]
        chosen, exact = (max(older) if older else min(available)), False
    settings = {name.lower(): entry for name, entry in available[chosen]["settings"].items()}
    return settings, chosen, exact


def image_major(image: str | None) -> int | None:
    """The PostgreSQL major version of an image tag such as 18.6-standard-trixie."""
    match = re.search(r":(\d+)(?:[.-]|$)", image or "")
    return int(match.group(1)) if match else None


def did_you_mean(name: str, settings: dict) -> str:
    return units.did_you_mean(name.lower(), settings)


def _unit_factor(unit: str) -> tuple[dict[str, float], float]:
    """The unit family of a parameter and the size of one of its units in that family's base."""
    match = re.fullmatch(r"(\d*)(B|kB|MB|GB|TB|us|ms|s|min|h|d)", unit)
    count, name = (int(match.group(1) or 1), match.group(2)) if match else (1, unit)
    family = _MEMORY if name in _MEMORY else _TIME
    return family, count * family[name]


def value_problem(entry: dict, value: str) -> str | None:
    """Why PostgreSQL would refuse ``value`` for this parameter, or None."""
    kind, text = entry["type"], str(value).strip()
    if kind == "bool":
        lowered = text.lower()
        if lowered in _BOOLEANS or (len(lowered) >= 2 and sum(b.startswith(lowered) for b in _BOOLEANS) == 1) \
                or lowered in ("t", "f", "y", "n"):
            return None
        return f"{value!r} is not a boolean (on, off, true, false, yes, no, 1, 0)"
    if kind == "enum":
        choices = entry.get("enum", [])
        if text.lower() in (c.lower() for c in choices):
            return None
        return f"{value!r} is not one of {', '.join(choices)}"
    if kind not in ("integer", "real"):
        return None
    match = _NUMBER.match(text)
    unit = entry.get("unit")
    if not match or (match.group(2) and not unit):
        units = f" (a bare number is in {unit})" if unit else ""
        return f"{value!r} is not {'an integer' if kind == 'integer' else 'a number'}{units}"
    number, suffix = float(match.group(1)), match.group(2)
    if kind == "integer" and not suffix and not re.fullmatch(r"[-+]?\d+", match.group(1)):
        return f"{value!r} is not an integer"
    if unit:
        family, size = _unit_factor(unit)
        if suffix:
            if suffix not in family:
                return f"{value!r} has the unit {suffix!r}; this parameter takes {', '.join(family)}"
            number = number * family[suffix] / size
    low, high = float(entry.get("min", "-inf")), float(entry.get("max", "inf"))
    if not low <= number <= high:
        shown = f" {unit}" if unit else ""
        return f"{value!r} is outside {entry.get('min')}..{entry.get('max')}{shown}"
    return None


def parameter_problem(name: str, value: str, major: int | None) -> str | None:
    """Why PostgreSQL ``major`` would refuse this parameter, or None. Names with a
    dot are extensions' own (customized options) and are not checked."""
    if "." in name:
        return None
    settings, chosen, exact = catalog_for(major)
    entry = settings.get(name.lower())
    if entry is None:
        hint = did_you_mean(name, settings)
        if exact:
            return f"is not a PostgreSQL {chosen} parameter{hint}"
        # dsgen's catalog is older than the server: only a near miss is surely a typo
        return f"is not a PostgreSQL parameter (known to {chosen}){hint}" if hint else None
    return value_problem(entry, value)
