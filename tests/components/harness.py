"""One harness for every component's profile rules: change the bundled base
profile, validate it, run every rule, compare (rule id, key path, message)."""

from __future__ import annotations

from dsgen import registry
from dsgen.models import Profile
from dsgen.profiles import ProfileStore, _deep_merge
from tests.conftest import PROFILES

BASE = ProfileStore(PROFILES).load("base").profile.model_dump(exclude_none=True)


def findings(change: dict, operators: dict | None = None) -> list[tuple]:
    data = _deep_merge(BASE, change)
    if operators:
        data["operators"] = {**data["operators"], **operators}
    return [(p.rule, p.path, p.message) for p in registry.run_profile(Profile.model_validate(data))]
