"""Output formats by name: a plain dict. ``kustomize`` writes ``out/base`` and
``out/overlays/<env>`` (see :mod:`dsgen.formats.kustomize`)."""

from __future__ import annotations

from dsgen.errors import UsageError
from dsgen.formats.base import Format, Rendered
from dsgen.formats.kustomize import Kustomize

FORMATS: dict[str, Format] = {"kustomize": Kustomize()}
DEFAULT = "kustomize"


def get(name: str = DEFAULT) -> Format:
    if name not in FORMATS:
        raise UsageError(f"--format {name}: choose one of {', '.join(FORMATS)}")
    return FORMATS[name]


__all__ = ["FORMATS", "Format", "Rendered", "get"]
