"""Half-edited profiles never crash dsgen: any change to a valid profile is
either accepted and rendered, or refused with ProfileError lines."""

from __future__ import annotations

import copy
import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsgen import yamlio
from dsgen.errors import ProfileError
from dsgen.profiles import ProfileStore
from dsgen.render import Renderer
from tests.conftest import PROFILES, key_paths

BASE = yamlio.load_mapping(PROFILES / "base.yaml", "base.yaml")[0]
RENDERER = Renderer()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**12) | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from(["1Gi", "500m", "0 2 * * *", "256MB", "400mb", "3", "-1", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=5,
)


PATHS = [p for p in key_paths(BASE) if p]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edit_is_accepted_or_refused_cleanly(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("p")
    shutil.copy(PROFILES / "base.yaml", folder / "base.yaml")
    doc = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(PATHS))
        parent = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            if data.draw(st.booleans()):
                parent[path[-1]] = data.draw(JSON)
            elif isinstance(parent, dict):
                del parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or retyped this path
    (folder / "qa.yaml").write_text(yamlio.dump(doc))
    try:
        loaded = ProfileStore(folder).load("qa")
    except ProfileError as exc:
        assert exc.lines() and all(line.startswith(str(folder)) for line in exc.lines())
        return
    RENDERER.render(loaded.profile)
