"""The PostgreSQL catalog dsgen ships is what a real server reports: the
script that writes it, run against Debian's PostgreSQL, yields the same
names, types, units and ranges."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dsgen.operators import postgresql
from tests.conftest import ROOT, _missing

pytestmark = pytest.mark.slow


def test_the_shipped_catalog_matches_a_real_server(tmp_path):
    script = ROOT / "scripts" / "pg_settings.py"
    bindir = subprocess.run([sys.executable, "-c", "import runpy, sys; sys.argv=['x']; "
                             f"m = runpy.run_path({str(script)!r}); print(m['find_bindir']() or '')"],
                            capture_output=True, text=True).stdout.strip()
    if not bindir:
        _missing("PostgreSQL server", "Debian's postgresql-15 package is not installed")
    out = tmp_path / "catalog.json"
    done = subprocess.run([sys.executable, script, "--out", out], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    fresh = json.loads(out.read_text())
    shipped = postgresql.catalogs()[fresh["major"]]
    assert fresh["settings"] == shipped["settings"]
