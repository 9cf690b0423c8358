"""The custom queries dsgen gives CloudNativePG (monitoring: the design's
pg_stat_user_tables and pg_stat_user_indexes) run on a real PostgreSQL as a
member of pg_monitor, like CloudNativePG's cnpg_metrics_exporter, and return
exactly the columns their metrics declare."""

from __future__ import annotations

import csv
import io
import os
import subprocess

import pytest
from ruamel.yaml import YAML

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def queries() -> dict:
    docs = [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]
    [cluster] = [d for d in docs if d["kind"] == "Cluster"]
    [ref] = cluster["spec"]["monitoring"]["customQueriesConfigMap"]
    [config] = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == ref["name"]]
    return YAML(typ="safe").load(config["data"][ref["key"]])


def test_every_query_runs_as_pg_monitor_and_returns_its_metrics(server, queries):
    bindir, port, psql = server
    for statement in ("CREATE ROLE exporter LOGIN PASSWORD 'exporter-secret' IN ROLE pg_monitor",
                      "CREATE TABLE readings (id int PRIMARY KEY, value int)",
                      "INSERT INTO readings SELECT g, g FROM generate_series(1, 10) g"):
        done = subprocess.run([*psql, statement], capture_output=True, text=True)
        assert done.returncode == 0 or "already exists" in done.stderr, done.stderr
    subprocess.run([*psql, "ANALYZE readings"], check=True, capture_output=True)
    env = {**os.environ, "PGPASSWORD": "exporter-secret", "PGSSLMODE": "require"}
    for name, query in queries.items():
        done = subprocess.run([bindir / "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "exporter", "-d", "postgres",
                               "--csv", "-v", "ON_ERROR_STOP=1", "-c", query["query"]],
                              capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, (name, done.stderr)
        rows = list(csv.reader(io.StringIO(done.stdout)))
        assert rows[0] == [next(iter(metric)) for metric in query["metrics"]], name
        assert any("readings" in row for row in rows[1:]), name
