"""Which API versions each operator release serves, by kind: read from the
operators' own CRD manifests at each tag (``data/served.json``, written by
``scripts/served_versions.py``). A pinned release without manifests at hand
takes the nearest release that has them: the same minor, else the newest
older one, else the oldest."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from dsgen.units import version_tuple

# Profile key of a pinned operator -> its folder name in the table.
PINNED = {"cloudnativepg": "cloudnative-pg", "strimzi": "strimzi", "redisOperator": "spotahome-redis-operator"}
NAMES = {"cloudnative-pg": "CloudNativePG", "strimzi": "Strimzi", "spotahome-redis-operator": "the redis-operator",
         "external-secrets": "External Secrets", "plugin-barman-cloud": "the Barman Cloud plugin",
         "prometheus-operator": "the Prometheus operator", "cert-manager": "cert-manager", "argo-cd": "Argo CD",
         "ot-redis-operator": "OT-Container-Kit's redis-operator"}


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, dict[str, list[str]]]]:
    text = resources.files("dsgen").joinpath("operators", "data", "served.json").read_text(encoding="utf-8")
    return json.loads(text)["operators"]


def _version(text: str) -> tuple[int, ...]:
    """A release's numbers (1.3.0-rc1 -> 1, 3, 0); a pre-release sorts as its release."""
    return version_tuple(text.split("-", 1)[0])


def _release(releases: list[str], pinned: str | None) -> str:
    ordered = sorted(releases, key=_version)
    if pinned is None:
        return ordered[-1]
    wanted = _version(pinned)
    same = [r for r in ordered if _version(r)[:2] == wanted[:2]]
    older = [r for r in ordered if _version(r) <= wanted]
    return (same or older or ordered)[-1]


@lru_cache(maxsize=1)
def _owners() -> dict[str, str]:
    """API group -> the operator whose CRDs define it."""
    return {key.split("/")[0]: operator for operator, releases in _table().items()
            for kinds in releases.values() for key in kinds}


def lookup(group: str, kind: str, pins: dict[str, str]) -> tuple[str, str, list[str] | None] | None:
    """(operator name, release, served versions of the kind or None when the
    release does not define it) for the operator that owns ``group``; None
    when no operator in the table owns the group."""
    operator = _owners().get(group)
    if operator is None:
        return None
    releases = _table()[operator]
    pin = next((v for k, v in pins.items() if PINNED.get(k) == operator), None)
    release = _release(list(releases), pin)
    return NAMES.get(operator, operator), release, releases[release].get(f"{group}/{kind}")
