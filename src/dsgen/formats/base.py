"""What an output format is: how a tree of files is planned from renders, and
how a tree on disk is read back (its environments, each built into
documents, each document traced to the file that defines it).

``dsgen render`` and the drift check plan through a format; ``dsgen
validate`` builds through one. Nothing else knows a format's file names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:  # keeps `dsgen validate` from importing the renderer and pydantic
    from dsgen.profiles import LoadedProfile
    from dsgen.render import Resource


@dataclass(frozen=True)
class Rendered:
    """One environment (or the base) rendered to resources."""

    loaded: LoadedProfile
    resources: list[Resource]

    @property
    def env(self) -> str:
        return self.loaded.env

    def services(self) -> list[str]:
        return list(dict.fromkeys(r.service for r in self.resources))


class Format(Protocol):
    name: str
    # whether the environments' OpenBao, runbook and GitOps files go into the tree too
    companions: bool

    def plan(self, base: Rendered, envs: list[Rendered]) -> dict[str, str]:
        """Every file of the tree (path relative to the tree -> text), the marker aside."""

    def standalone(self, resources: list[Resource], header: list[str]) -> dict[str, str]:
        """A tree of these resources alone (``dsgen recover``): path -> text."""

    def scope(self, env: str) -> tuple[str, ...]:
        """Path prefixes of the files that make up ``env``: what a drift check of one env compares."""

    def environments(self, out: Path) -> list[str]:
        """The environments a tree on disk holds."""

    def location(self, out: Path, env: str) -> Path:
        """Where environment ``env`` of the tree lives (it may not exist yet), for messages."""

    def sources(self, out: Path, envs: list[str]) -> list[Path]:
        """The files that build these environments (each read and checked before building)."""

    def build(self, out: Path, env: str) -> str:
        """One environment of the tree as a multi-document YAML stream."""

    def documents(self, out: Path, env: str, tree: dict[str, str] | None = None) -> list[dict] | None:
        """One environment of a tree this format wrote, read back in process
        (None when ``out`` holds no such environment); from ``tree``, the
        tree's text by relative path, when it was read already."""

    def origin(self, out: Path, env: str) -> Callable[[str, str, str], str]:
        """A function (kind, name, JSON pointer) -> the file that wrote that
        value of the resource in ``env``: the overlay's patch when one sets it,
        else the file that defines the resource ("" when unknown)."""
