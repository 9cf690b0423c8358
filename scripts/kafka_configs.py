#!/usr/bin/env python3
"""Write Kafka's broker and topic config catalogs from Kafka's generated
documentation (apache/kafka-site: <version>/generated/kafka_config.html and
topic_config.html, produced from Kafka's own ConfigDef definitions).

Usage: scripts/kafka_configs.py PATH-TO-A-KAFKA-SITE-GIT-CLONE
Writes src/dsgen/operators/data/kafka-<major.minor>.json for every version
folder from 3.6 on that has both pages.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "dsgen" / "operators" / "data"
ENTRY = re.compile(r'<h4><a id="([^"]+)"></a>.*?<table><tbody>(.*?)</tbody></table>', re.S)
ROW = re.compile(r"<th>(.*?):</th><td>(.*?)</td>", re.S)


def parse(page: str) -> dict[str, dict]:
    out = {}
    for name, table in ENTRY.findall(page):
        rows = {key: html.unescape(re.sub(r"<[^>]+>", "", value)).strip() for key, value in ROW.findall(table)}
        entry = {"type": rows.get("Type", "string")}
        valid = rows.get("Valid Values", "")
        if valid:
            entry["valid"] = valid
        out[name] = entry
    return out


def main() -> int:
    repo = Path(sys.argv[1])
    git = ["git", "-C", str(repo)]
    folders = subprocess.run([*git, "ls-tree", "--name-only", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.split()
    written = []
    for folder in folders:
        if not re.fullmatch(r"[1-9]\d", folder) or int(folder) < 36:
            continue
        pages = {}
        for kind, page in (("broker", "kafka_config.html"), ("topic", "topic_config.html")):
            done = subprocess.run([*git, "show", f"HEAD:{folder}/generated/{page}"], capture_output=True, text=True)
            if done.returncode != 0:
                break
            pages[kind] = parse(done.stdout)
        else:
            version = f"{folder[0]}.{folder[1:]}"
            out = DATA / f"kafka-{version}.json"
            out.write_text(json.dumps({"source": f"apache/kafka-site {folder}/generated/kafka_config.html and "
                                                 "topic_config.html, written by scripts/kafka_configs.py",
                                       **pages}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            written.append(version)
    print(f"wrote Kafka {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
