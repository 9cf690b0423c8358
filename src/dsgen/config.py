"""``dsgen.yaml``: a project's settings, found by walking up from a folder.

    profiles: profiles            # where `dsgen render` reads profiles
    out: out                      # where it writes, and what `validate` reads
    schemaLocations: [crds/]      # for `dsgen validate`, before the cache and the bundle

Paths are relative to the folder holding ``dsgen.yaml``. Every key is
optional; command-line options win over it. Reads YAML only (no pydantic):
``validate`` uses it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dsgen import yamlio
from dsgen.errors import ProfileError

NAME = "dsgen.yaml"
KEYS = ("profiles", "out", "schemaLocations")


@dataclass(frozen=True)
class Config:
    path: Path | None = None  # None: no dsgen.yaml was found
    profiles: Path | None = None
    out: Path | None = None
    schema_locations: list[str] = field(default_factory=list)


def find(start: Path) -> Path | None:
    """The nearest ``dsgen.yaml`` in ``start`` or a folder above it."""
    folder = Path(os.path.abspath(start))
    for candidate in (folder, *folder.parents):
        if (candidate / NAME).is_file():
            return candidate / NAME
    return None


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def load(start: Path) -> Config:
    """The settings of the project around ``start`` (empty when there is none)."""
    path = find(start)
    if path is None:
        return Config()
    shown = _shown(path)
    data, positions = yamlio.load_mapping(path, shown)

    def fail(key: str, message: str) -> ProfileError:
        line, column = positions.get((key,), (1, 1))
        return ProfileError.single(shown, message, line, column, key)

    for key in data:
        if key not in KEYS:
            raise fail(key, f"unknown key; expected one of: {', '.join(KEYS)}")
    here = path.parent
    folders = {}
    for key in ("profiles", "out"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise fail(key, "must be a folder, relative to dsgen.yaml")
        folders[key] = Path(os.path.relpath(here / value))
    locations = data.get("schemaLocations", [])
    if not isinstance(locations, list) or not all(isinstance(x, str) and x for x in locations):
        raise fail("schemaLocations", "must be a list of folders, URLs or templates")
    return Config(path, folders.get("profiles"), folders.get("out"),
                  [_relative_to(here, location) for location in locations])


def _relative_to(here: Path, location: str) -> str:
    """A location as given when it is a URL or absolute; else below ``here``."""
    if "://" in location or os.path.isabs(location):
        return location
    return os.path.relpath(here / location)


def schema_locations(out: Path) -> list[str]:
    """Where ``validate`` finds CRD schemas without ``--schema-location``:
    ``$DSGEN_SCHEMA_LOCATION`` (several, separated by the OS path separator),
    else ``schemaLocations`` of the ``dsgen.yaml`` above the tree; else [] (the
    synced cache, then the bundle that ships with dsgen)."""
    value = os.environ.get("DSGEN_SCHEMA_LOCATION", "")
    if value:
        return [part for part in value.split(os.pathsep) if part]
    return load(out).schema_locations
