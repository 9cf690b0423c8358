"""out/ is replaced atomically: a render killed at any point leaves the old
tree or the new one, never a mix, and the next run leaves no temporary
folder behind."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from dsgen import output, pipeline
from tests.conftest import PROFILES, ROOT

TRIALS = 50


def _variant(tmp_path: Path) -> Path:
    """The bundled profiles with a change that touches base and every overlay."""
    folder = tmp_path / "profiles-b"
    shutil.copytree(PROFILES, folder)
    base = folder / "base.yaml"
    base.write_text(base.read_text().replace("  instances: 3\n", "  instances: 5\n", 1)
                    .replace("platform: ecotrack", "platform: ecotrack-next"))
    return folder


def _render(profiles: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dsgen", "render", "--all", "--profiles", str(profiles), "--out", str(out)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def test_killed_renders_leave_the_old_or_the_new_tree(tmp_path):
    variant = _variant(tmp_path)
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    trees = {}
    for name, profiles in (("a", PROFILES), ("b", variant)):
        target = tmp_path / f"tree-{name}"
        pipeline.write(target, pipeline.render(profiles, target, all_envs=True))
        trees[name] = output.read_tree(target)
    assert trees["a"] != trees["b"]
    pipeline.write(out, pipeline.render(PROFILES, out, all_envs=True))
    # How long a whole render takes here, so the kills spread over all of it
    # (start-up, rendering, writing, the swap, clean-up) on slow and fast machines.
    start = time.perf_counter()
    assert _render(PROFILES, out).wait(timeout=60) == 0
    duration = time.perf_counter() - start

    chance = random.Random(os.environ.get("DSGEN_KILL_SEED", "dsgen"))
    seen = {"a": 0, "b": 0}
    for trial in range(TRIALS):
        profiles = variant if trial % 2 == 0 else PROFILES
        process = _render(profiles, out)
        time.sleep(chance.uniform(0.1 * duration, 1.2 * duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = output.read_tree(out)
        match = [name for name, tree in trees.items() if tree == current]
        assert match, f"trial {trial}: out/ is neither the old nor the new tree"
        seen[match[0]] += 1
    assert seen["a"] and seen["b"], seen  # the kills landed both before and after the swap

    process = _render(PROFILES, out)
    assert process.wait(timeout=60) == 0
    assert output.read_tree(out) == trees["a"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
