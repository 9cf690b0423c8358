#!/usr/bin/env python3
"""Write PostgreSQL's parameter catalog from pg_settings of a real server.

Starts a throw-away server from the installed PostgreSQL (Debian's
postgresql-NN package; unix socket only, no TCP), reads pg_settings, stops
it, and writes src/dsgen/operators/data/postgresql-<major>.json (or --out).
As root it runs the server as the 'postgres' user, which PostgreSQL requires.

Usage: scripts/pg_settings.py [--bindir DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import glob
import re
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "dsgen" / "operators" / "data"
QUERY = ("SELECT json_agg(json_build_object('name', name, 'type', vartype, 'unit', unit, 'min', min_val, "
         "'max', max_val, 'enum', enumvals, 'context', context) ORDER BY name) FROM pg_settings")


def find_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bindir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    bindir = args.bindir or find_bindir()
    if bindir is None or not (bindir / "postgres").is_file():
        print("no PostgreSQL server found (apt-get install postgresql-15)", file=sys.stderr)
        return 3
    banner = subprocess.run([bindir / "postgres", "--version"], capture_output=True, text=True, check=True).stdout
    version = re.search(r"\(PostgreSQL\) (\d+(?:\.\d+)?)", banner).group(1)  # "postgres (PostgreSQL) 15.18 (Debian ...)"
    major = version.split(".")[0]
    as_user: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    work = Path(tempfile.mkdtemp(prefix="dsgen-pg-"))
    try:
        if as_user:
            shutil.chown(work, "postgres")
        data, socket = work / "data", work
        subprocess.run([*as_user, bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--no-locale"], check=True, capture_output=True)
        server = subprocess.Popen([*as_user, bindir / "postgres", "-D", data, "-k", socket, "-c",
                                   "listen_addresses=", "-c", "port=5439"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                done = subprocess.run([*as_user, bindir / "psql", "-h", socket, "-p", "5439", "-U", "postgres",
                                       "-d", "postgres", "-At", "-c", QUERY], capture_output=True, text=True)
                if done.returncode == 0:
                    break
                time.sleep(0.2)
            else:
                print(f"the server did not answer: {done.stderr.strip()}", file=sys.stderr)
                return 3
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    settings = {}
    for row in json.loads(done.stdout):
        entry = {"type": row["type"]}
        for key in ("unit", "min", "max", "enum"):
            if row[key] not in (None, ""):
                entry[key] = row[key]
        entry["context"] = row["context"]
        settings[row["name"]] = entry
    out = args.out or DATA / f"postgresql-{major}.json"
    document = {"source": f"pg_settings of PostgreSQL {version} (Debian's postgresql-{major} package), "
                          "written by scripts/pg_settings.py",
                "major": int(major), "settings": settings}
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(settings)} settings of PostgreSQL {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
