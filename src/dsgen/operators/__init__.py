"""What dsgen knows about the operators it targets, by release: plain data.

One module per operator, each with a ``RELEASES`` table: rows of
``(first release, facts that change from it on)``, oldest first. The facts of
a pinned release are the rows up to it folded together, so supporting a new
release is one row, and nothing else in dsgen compares operator versions.
Other facts that do not change between the supported releases (parameter
lists, forbidden prefixes) sit beside the table as constants.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from dsgen.units import version_tuple

Releases = tuple[tuple[str, dict[str, Any]], ...]

# The releases a profile pins when it names none, and `dsgen validate PATH`
# assumes without --operators.
DEFAULT_PINS = {"cloudnativepg": "1.29.0", "redisOperator": "1.2.4", "strimzi": "0.49.1", "otRedisOperator": "0.26.0",
                "barmanCloud": "0.13.0", "externalSecrets": "2.9.0", "certManager": "1.21.1"}


@lru_cache(maxsize=None)
def data(name: str) -> Any:
    """A table of ``operators/data/<name>.json``, read once."""
    return json.loads(resources.files("dsgen.operators").joinpath("data", f"{name}.json").read_text(encoding="utf-8"))


def _numbers(release: str) -> tuple[int, int, int]:
    """A release's numbers (1.3.0-rc1 -> 1, 3, 0): a pre-release sorts as its release."""
    return version_tuple(release.split("-", 1)[0])


def nearest(releases, pinned: str | None, same_minor: bool = True) -> str:
    """The release of a table that stands for ``pinned``: the newest of its
    minor (with ``same_minor``), else the newest older one, else the oldest;
    the newest when nothing is pinned."""
    ordered = sorted(releases, key=_numbers)
    if pinned is None:
        return ordered[-1]
    wanted = _numbers(pinned)
    same = [r for r in ordered if _numbers(r)[:2] == wanted[:2]] if same_minor else []
    older = [r for r in ordered if _numbers(r) <= wanted]
    return (same or older or ordered)[-1]


def facts(releases: Releases, pinned: str) -> dict[str, Any]:
    """The facts of release ``pinned``: every row up to it, folded in order."""
    wanted = version_tuple(pinned)
    out: dict[str, Any] = {}
    for since, changes in releases:
        if version_tuple(since) <= wanted:
            out.update(changes)
    return out


# Which operator releases each schema set of ``schemas/lock.json`` describes
# (the folders of ../shared/crds); recorded in the lock.
SCHEMA_SETS = {
    "catalog": {"cloudnativepg": "1.29", "strimzi": "0.49", "redisOperator": "1.3",
                "externalSecrets": "2.5", "prometheusOperator": "0.89", "argocd": "3.5"},
    "strimzi-0.45": {"strimzi": "0.45"},
}
