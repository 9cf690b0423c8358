"""The profile rules of every component together."""

from __future__ import annotations

from tests.components.harness import findings


def test_bundled_base_is_clean():
    assert findings({}) == []
