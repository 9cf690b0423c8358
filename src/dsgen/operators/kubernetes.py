"""The Kubernetes versions dsgen validates core kinds for: those whose strict
schemas the kubernetes-validate package ships (found without importing it)."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from dsgen.units import version_tuple


def schema_root() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    return Path(spec.origin).parent / "kubernetes-json-schema"


@lru_cache(maxsize=None)
def versions() -> tuple[str, ...]:
    names = [p.name for p in schema_root().glob("v*-local-strict")]
    return tuple(sorted((n[1:].split("-")[0] for n in names), key=version_tuple))
