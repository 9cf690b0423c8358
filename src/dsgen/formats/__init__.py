"""Output formats by name: a plain dict. ``kustomize`` writes ``out/base`` and
``out/overlays/<env>`` (see :mod:`dsgen.formats.kustomize`); ``helm`` writes
one chart with a values file per environment (:mod:`dsgen.formats.helm`).
A tree's marker says which format wrote it."""

from __future__ import annotations

from pathlib import Path

from dsgen.errors import UsageError
from dsgen.formats.base import Format, Rendered
from dsgen.formats.helm import Helm
from dsgen.formats.kustomize import Kustomize

FORMATS: dict[str, Format] = {"kustomize": Kustomize(), "helm": Helm()}
DEFAULT = "kustomize"


def get(name: str = DEFAULT) -> Format:
    if name not in FORMATS:
        raise UsageError(f"--format {name}: choose one of {', '.join(FORMATS)}")
    return FORMATS[name]


def of_tree(out: Path) -> Format:
    """The format that wrote the tree in ``out`` (its marker says; Kustomize when none does)."""
    from dsgen import output

    marker = out / output.MARKER
    name = output.read_format(marker.read_text(encoding="utf-8")) if marker.is_file() else None
    return FORMATS.get(name or DEFAULT, FORMATS[DEFAULT])


__all__ = ["FORMATS", "Format", "Rendered", "get", "of_tree"]
