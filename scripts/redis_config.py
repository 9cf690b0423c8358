#!/usr/bin/env python3
"""Write Redis's settings catalog from Redis's own src/config.c at a release tag.

Every createXConfig(...) entry of static_configs[] gives a name, its alias,
its flags (IMMUTABLE_CONFIG: read at start-up only, CONFIG SET refuses it),
its type, and for numbers the bounds and whether it takes memory units; the
configEnum arrays give each enum's values.

Usage: scripts/redis_config.py PATH-TO-A-REDIS-GIT-CLONE TAG   (e.g. 7.2.6)
Writes src/dsgen/operators/data/redis-<major.minor>.json.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "dsgen" / "operators" / "data"
LIMITS = {"INT_MAX": 2**31 - 1, "INT_MIN": -2**31, "UINT_MAX": 2**32 - 1, "LONG_MAX": 2**63 - 1,
          "LONG_MIN": -2**63, "LLONG_MAX": 2**63 - 1, "LLONG_MIN": -2**63, "ULONG_MAX": 2**64 - 1,
          "ULLONG_MAX": 2**64 - 1, "SIZE_MAX": 2**64 - 1, "SSIZE_MAX": 2**63 - 1, "LONG_STR_SIZE": 21}
NUMERIC = {"Int", "UInt", "Long", "ULong", "LongLong", "ULongLong", "SizeT", "SSizeT", "OffT", "TimeT"}


def split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments of a C call."""
    out, depth, current, quoted = [], 0, "", False
    for i, char in enumerate(text):
        if char == '"' and text[i - 1] != "\\":
            quoted = not quoted
        if not quoted:
            if char in "({":
                depth += 1
            elif char in ")}":
                depth -= 1
            elif char == "," and depth == 0:
                out.append(current.strip())
                current = ""
                continue
        current += char
    out.append(current.strip())
    return out


def number(expression: str) -> int | None:
    """A C bound: a literal, a limit macro, or a product of those."""
    total = 1
    for factor in expression.replace(" ", "").split("*"):
        factor = factor.rstrip("lLuU") if re.fullmatch(r"-?\d+[lLuU]*", factor) else factor
        if re.fullmatch(r"-?\d+", factor):
            total *= int(factor)
        elif factor in LIMITS:
            total *= LIMITS[factor]
        else:
            return None
    return total


def main() -> int:
    repo, tag = Path(sys.argv[1]), sys.argv[2]
    source = subprocess.run(["git", "-C", str(repo), "show", f"{tag}:src/config.c"], capture_output=True,
                            text=True, check=True).stdout
    enums = {}
    for name, body in re.findall(r"configEnum (\w+)\[\] = \{(.*?)\n\};", source, re.S):
        enums[name] = re.findall(r'\{"([^"]+)"', body)
    table = source[source.index("standardConfig static_configs[] = {"):]
    settings = {}
    for kind, args in re.findall(r"create(\w+)Config\((.*?)\),?\s*(?:/\*.*?\*/)?\n", table):
        parts = split_args(args)
        name = parts[0].strip('"')
        entry: dict = {"type": kind.lower() if kind not in NUMERIC else "number",
                       "immutable": "IMMUTABLE_CONFIG" in parts[2]}
        if parts[1] != "NULL":
            entry["alias"] = parts[1].strip('"')
        if kind in NUMERIC:
            entry["min"], entry["max"] = number(parts[3]), number(parts[4])
            entry["memory"] = "MEMORY_CONFIG" in parts[7]
            entry["percent"] = "PERCENT_CONFIG" in parts[7]
        elif kind == "Enum":
            entry["enum"] = enums[parts[3]]
            entry["multiple"] = "MULTI_ARG_CONFIG" in parts[2]
        settings[name] = entry
    major_minor = ".".join(tag.split(".")[:2])
    out = DATA / f"redis-{major_minor}.json"
    out.write_text(json.dumps({"source": f"redis/redis src/config.c at {tag}, written by scripts/redis_config.py",
                               "settings": settings}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(settings)} settings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
