"""Write src/dsgen/operators/data/strimzi-config.json: for every Strimzi
release dsgen supports, the config prefixes Strimzi forbids (it drops those
keys with a warning) and the exceptions it allows, for Kafka brokers
(KafkaClusterSpec) and ZooKeeper (ZookeeperClusterSpec, while it exists), read
from FORBIDDEN_PREFIXES and FORBIDDEN_PREFIX_EXCEPTIONS at the release's tag.

    python scripts/strimzi_forbidden.py STRIMZI-CLONE
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "kafka": "api/src/main/java/io/strimzi/api/kafka/model/kafka/KafkaClusterSpec.java",
    "zookeeper": "api/src/main/java/io/strimzi/api/kafka/model/zookeeper/ZookeeperClusterSpec.java",
}


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def constant(source: str, name: str) -> list[str]:
    """The comma-separated items of ``public static final String NAME = "..." + "...";``."""
    match = re.search(rf"String {name}\s*=\s*(.*?);", source, re.S)
    if not match:
        return []
    text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))
    return [item.strip() for item in text.split(",") if item.strip()]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    repo = Path(argv[0])
    known = json.loads((ROOT / "src" / "dsgen" / "operators" / "data" / "strimzi.json").read_text())
    releases = sorted(known["releases"], key=lambda v: tuple(int(p) for p in v.split(".")))
    table = {}
    for release in releases:
        entry = {}
        for part, path in FILES.items():
            shown = git(repo, "show", f"{release}:{path}")
            if shown.returncode != 0:
                continue
            entry[part] = {"source": path,
                           "prefixes": constant(shown.stdout, "FORBIDDEN_PREFIXES"),
                           "exceptions": sorted(constant(shown.stdout, "FORBIDDEN_PREFIX_EXCEPTIONS"))}
        table[release] = entry
    target = ROOT / "src" / "dsgen" / "operators" / "data" / "strimzi-config.json"
    target.write_text(json.dumps({"source": "github.com/strimzi/strimzi-kafka-operator, at each release tag",
                                  "releases": table}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}: {', '.join(table)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
