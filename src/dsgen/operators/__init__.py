"""What dsgen knows about the operators it targets, by release: plain data.

One module per operator, each with a ``RELEASES`` table: rows of
``(first release, facts that change from it on)``, oldest first. The facts of
a pinned release are the rows up to it folded together, so supporting a new
release is one row, and nothing else in dsgen compares operator versions.
Other facts that do not change between the supported releases (parameter
lists, forbidden prefixes) sit beside the table as constants.
"""

from __future__ import annotations

from typing import Any

from dsgen.units import version_tuple

Releases = tuple[tuple[str, dict[str, Any]], ...]

# The releases a profile pins when it names none, and `dsgen validate PATH`
# assumes without --operators.
DEFAULT_PINS = {"cloudnativepg": "1.29.0", "redisOperator": "1.2.4", "strimzi": "0.49.1"}


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
