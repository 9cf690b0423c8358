"""Which API versions each operator release serves, by kind: read from the
operators' own CRD manifests at each tag (``data/served.json``, written by
``scripts/served_versions.py``). A pinned release without manifests at hand
takes the nearest release that has them: the same minor, else the newest
older one, else the oldest."""

from __future__ import annotations

from functools import lru_cache

from dsgen.operators import data, nearest

# Profile key of a pinned operator -> its folder name in the table.
PINNED = {"cloudnativepg": "cloudnative-pg", "strimzi": "strimzi", "redisOperator": "spotahome-redis-operator",
          "otRedisOperator": "ot-redis-operator"}
NAMES = {"cloudnative-pg": "CloudNativePG", "strimzi": "Strimzi", "spotahome-redis-operator": "the redis-operator",
         "external-secrets": "External Secrets", "plugin-barman-cloud": "the Barman Cloud plugin",
         "prometheus-operator": "the Prometheus operator", "cert-manager": "cert-manager", "argo-cd": "Argo CD",
         "ot-redis-operator": "OT-Container-Kit's redis-operator"}


def _table() -> dict[str, dict[str, dict[str, list[str]]]]:
    return data("served")["operators"]


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
    release = nearest(releases, pin)
    return NAMES.get(operator, operator), release, releases[release].get(f"{group}/{kind}")
