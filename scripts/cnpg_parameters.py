"""Write src/dsgen/operators/data/cloudnativepg.json: for the newest patch of
each CloudNativePG minor release dsgen supports, the PostgreSQL parameters it
fixes and blocks (FixedConfigurationParameters in pkg/postgres/configuration.go)
and the PgBouncer parameters its Pooler webhook accepts
(AllowedPgbouncerGenericConfigurationParameters), read at the release's tag.

    python scripts/cnpg_parameters.py CLOUDNATIVE-PG-CLONE
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINORS = ("1.24", "1.25", "1.26", "1.27", "1.28", "1.29", "1.30")
ENTRY = re.compile(r'^\s*"([^"]+)":\s*(fixed|blocked)ConfigurationParameter,', re.M)
ITEM = re.compile(r'^\s*"([^"]+)",', re.M)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def block(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin:text.index(end, begin)]


def read(repo: Path, tag: str) -> dict:
    def find(pattern: str) -> str:
        return git(repo, "grep", "-l", pattern, tag, "--", "*.go").split()[0].split(":", 1)[1]

    config_file = find("FixedConfigurationParameters = map")
    pooler_file = find("AllowedPgbouncerGenericConfigurationParameters = ")
    config = block(git(repo, "show", f"{tag}:{config_file}"), "FixedConfigurationParameters = map", "\n\t}")
    pooler = block(git(repo, "show", f"{tag}:{pooler_file}"), "AllowedPgbouncerGenericConfigurationParameters = ", "})")
    entries = ENTRY.findall(config)
    return {
        "tag": tag,
        "sources": {"parameters": config_file, "pooler": pooler_file},
        "fixed": sorted(name for name, kind in entries if kind == "fixed"),
        "blocked": sorted(name for name, kind in entries if kind == "blocked"),
        "poolerAllowed": sorted(ITEM.findall(pooler)),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    repo = Path(argv[0])
    tags = git(repo, "tag", "--list", "v1.*").split()
    table = {}
    for minor in MINORS:
        patches = [t for t in tags if re.fullmatch(rf"v{re.escape(minor)}\.\d+", t)]
        newest = max(patches, key=lambda t: int(t.rsplit(".", 1)[1]))
        table[minor] = read(repo, newest)
    target = ROOT / "src" / "dsgen" / "operators" / "data" / "cloudnativepg.json"
    target.write_text(json.dumps({"source": "github.com/cloudnative-pg/cloudnative-pg, at each tag",
                                  "releases": table}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}: " + ", ".join(v["tag"] for v in table.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
