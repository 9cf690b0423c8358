"""Write src/dsgen/operators/data/served.json: for each operator release whose
real CRD manifests are at hand, the API versions each kind is served at.

    python scripts/served_versions.py ../shared/apiserver/crds

Each folder is <operator>-<version> holding the operator's upstream CRD
manifests (byte-identical to its tag). A CRD serves the versions with
`served: true`; the storage version is listed first.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
FOLDER = re.compile(r"^(?P<operator>.+?)-(?P<version>\d+\.\d+\.\d+(?:-[\w.]+)?)$")


def served(folder: Path) -> dict[str, list[str]]:
    yaml = YAML(typ="safe")  # the C parser: the manifests are large
    # A lone `=` (prometheus-operator's matchType enum) is YAML 1.1's value
    # tag to ruamel; the API server's reader (sigs.k8s.io/yaml) reads a string.
    yaml.constructor.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
    kinds: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml", ".json"):
            continue
        for doc in yaml.load_all(path.read_text(encoding="utf-8")):
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            versions = [v for v in spec["versions"] if v.get("served")]
            versions.sort(key=lambda v: not v.get("storage"))
            kinds[f"{spec['group']}/{spec['names']['kind']}"] = [v["name"] for v in versions]
    return dict(sorted(kinds.items()))


def build(source: Path) -> dict:
    """The table of every <operator>-<version> folder of ``source``."""
    table: dict[str, dict] = {"source": "the operators' CRD manifests at each tag (../shared/apiserver/crds)",
                              "operators": {}}
    for folder in sorted(source.iterdir()):
        match = FOLDER.match(folder.name)
        if folder.is_dir() and match:
            table["operators"].setdefault(match["operator"], {})[match["version"]] = served(folder)
    return table


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    table = build(Path(argv[0]))
    target = ROOT / "src" / "dsgen" / "operators" / "data" / "served.json"
    target.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}: " + ", ".join(
        f"{op} {', '.join(v)}" for op, v in table["operators"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
