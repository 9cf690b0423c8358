#!/usr/bin/env python3
"""Derive which Kafka versions each Strimzi release runs, from Strimzi's own
kafka-versions.yaml at every release tag, into src/dsgen/operators/data/strimzi.json.

Usage: scripts/strimzi_kafka_versions.py PATH-TO-A-STRIMZI-GIT-CLONE [--since 0.41.0]

The file dsgen ships is this script's output; rerun it when Strimzi releases.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

OUT = Path(__file__).resolve().parents[1] / "src" / "dsgen" / "operators" / "data" / "strimzi.json"


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--since", default="0.41.0")
    args = parser.parse_args()
    git = ["git", "-C", str(args.repo)]
    tags = [t for t in subprocess.run([*git, "tag"], capture_output=True, text=True, check=True).stdout.split()
            if re.fullmatch(r"\d+\.\d+\.\d+", t) and version_key(t) >= version_key(args.since)]
    releases = {}
    for tag in sorted(tags, key=version_key):
        text = subprocess.run([*git, "show", f"{tag}:kafka-versions.yaml"], capture_output=True, text=True,
                              check=True).stdout
        entries = YAML(typ="safe").load(text)
        releases[tag] = sorted((str(e["version"]) for e in entries if e.get("supported")), key=version_key)
    data = {"source": "strimzi/strimzi-kafka-operator, kafka-versions.yaml at each release tag "
                      "(the versions marked supported)",
            "releases": releases}
    OUT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(releases)} releases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
