"""Write schemas/crds.tar.xz: every schema of schemas/lock.json, taken from a
folder of schema sets (../shared/crds) and verified against the lock, as one
compressed bundle that ships inside the package.

    python scripts/schema_bundle.py ../shared/crds

The same files give the same bytes; a test compares the committed bundle with
a fresh one and with the lock.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dsgen.validate import cache

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    lock = cache.read_lock(ROOT / "schemas" / "lock.json")
    try:
        data = cache.build_bundle(Path(argv[0]), lock)
    except cache.SchemaCacheError as exc:
        print(exc, file=sys.stderr)
        return 1
    target = ROOT / "schemas" / cache.BUNDLE
    target.write_bytes(data)
    count = sum(len(s["files"]) for s in lock["sets"].values())
    print(f"wrote {count} schemas, {len(data)} bytes, into {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
