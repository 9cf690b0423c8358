"""Loading profiles: files -> ``extends`` chain -> deep merge -> model -> rules.

Every problem is reported as ``file:line:column: dotted.key: message``, with
the position of the key in the file that last wrote it, and the id of the
rule that found it (``[DSG201]``) where a rule did.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from dsgen import registry, units, yamlio
from dsgen.errors import Location, Problem, ProfileError, UsageError
from dsgen.models import Profile

BASE = "base"
_ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class LoadedProfile:
    """A validated profile and the files it was merged from (root first)."""

    env: str
    profile: Profile
    files: tuple[str, ...]  # as the user named them, for messages
    folder_name: str = "profiles"
    # the merged mapping the profile was validated from, as written (no defaults)
    data: dict = dataclass_field(default_factory=dict, compare=False, hash=False, repr=False)
    # key path -> (file shown, line, column) of each key of ``data``
    positions: dict = dataclass_field(default_factory=dict, compare=False, hash=False, repr=False)
    # the files on disk, root first (``files`` are as the user named them)
    paths: tuple = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """The files as ``<profiles folder name>/<file>``: the same bytes in
        generated headers however the folder was named on the command line."""
        return tuple(f"{self.folder_name}/{Path(f).name}" for f in self.files)


@dataclass
class _Merged:
    data: dict[str, Any]
    # path -> (file shown, line, column)
    positions: dict[tuple, tuple[str, int, int]]
    files: list[str]

    def over(self, data: dict[str, Any], here: dict[tuple, tuple[str, int, int]], shown: str) -> "_Merged":
        """``data`` of file ``shown`` (its keys at ``here``) merged over this; the
        positions of what it replaces whole are dropped."""
        replaced = _replaced_paths(data)
        inherited = {path: where for path, where in self.positions.items()
                     if not any(path[:i] in replaced for i in range(1, len(path)))}
        return _Merged(_deep_merge(self.data, data), {**inherited, **here}, [*self.files, shown])


class ProfileStore:
    """The profiles of one folder; loads each file once."""

    def __init__(self, folder: Path, shown: str | None = None):
        self.folder = folder
        self.shown = shown if shown is not None else str(folder)
        if not folder.exists():
            raise UsageError(f"{self.shown}: profiles folder does not exist")
        if not folder.is_dir():
            raise UsageError(f"{self.shown}: is not a folder of profiles")
        self._cache: dict[str, _Merged] = {}

    # ------------------------------------------------------------ names

    def environments(self) -> list[str]:
        """Every ``*.yaml`` of the folder but ``base.yaml``, sorted. A file that
        would silently be no environment (``Prod.yaml``, ``prod.yml``) is an error."""
        try:
            files = sorted(p.name for p in self.folder.iterdir() if p.is_file())
        except PermissionError:
            raise UsageError(f"{self.shown}: cannot be read: permission denied") from None
        for name in files:
            if name.endswith(".yml"):
                raise UsageError(f"{self._show(name)}: profiles end in .yaml; rename it to {name[:-4]}.yaml")
            if name.endswith(".yaml") and not _ENV_NAME.match(name[:-5]):
                raise UsageError(f"{self._show(name)}: {name[:-5]!r} is not an environment name: use "
                                 "lower-case letters, digits, '-' and '_' (rename the file)")
        return sorted(n[:-5] for n in files if n.endswith(".yaml") and n != f"{BASE}.yaml")

    def check_env_name(self, env: str) -> str:
        if env == BASE:
            return env
        if not _ENV_NAME.match(env):
            raise UsageError(
                f"{env!r} is not an environment name: use lower-case letters, digits, '-' and '_'"
            )
        known = self.environments()
        if env not in known:
            listing = ", ".join(known) if known else "none"
            raise UsageError(
                f"unknown environment {env!r}: no {self._show(env + '.yaml')} (known: {listing})"
            )
        return env

    def _show(self, filename: str) -> str:
        return f"{self.shown.rstrip('/')}/{filename}"

    # ------------------------------------------------------------ loading

    def load(self, env: str) -> LoadedProfile:
        self.check_env_name(env)
        if env == BASE and not (self.folder / f"{BASE}.yaml").is_file():
            raise UsageError(
                f"{self._show('base.yaml')}: missing; it is rendered as out/base, the tree's base"
            )
        merged = self._merged(f"{env}.yaml", ())
        return LoadedProfile(env, _validate(merged, env), tuple(merged.files),
                             self.folder.resolve().name, merged.data, merged.positions,
                             tuple(self.folder / Path(f).name for f in merged.files))

    def locate(self, env: str, path: tuple | list, message: str, rule: str = "") -> Problem:
        """A problem at the key ``path`` of a profile that loaded."""
        merged = self._merged(f"{env}.yaml", ())
        return _locate(merged, merged.files[-1], path, message, rule)

    def _merged(self, filename: str, chain: tuple[str, ...]) -> _Merged:
        if filename in self._cache:
            return self._cache[filename]
        shown = self._show(filename)
        data, positions = yamlio.load_mapping(self.folder / filename, shown)
        here = {path: (shown, line, col) for path, (line, col) in positions.items()}
        parent_name = data.pop("extends", None)
        if parent_name is None:
            merged = _Merged(data, here, [shown])
        else:
            line, col = positions.get(("extends",), (None, None))
            parent_file = self._parent_file(parent_name, shown, line, col)
            if parent_file in (*chain, filename):
                cycle = " -> ".join([*chain, filename, parent_file])
                raise ProfileError.single(shown, f"extends forms a cycle: {cycle}", line, col, "extends")
            parent = self._merged(parent_file, (*chain, filename))
            _check_near_misses(parent.data, data, here)
            merged = parent.over(data, here, shown)
        self._cache[filename] = merged
        return merged

    def _parent_file(self, value: Any, shown: str, line, col) -> str:
        if not isinstance(value, str) or not value:
            raise ProfileError.single(shown, "extends names a profile, e.g. base", line, col, "extends")
        name = value[:-5] if value.endswith(".yaml") else value
        if not _ENV_NAME.match(name):
            raise ProfileError.single(
                shown, f"{value!r} is not a profile in this folder (write a name such as base)",
                line, col, "extends",
            )
        if not (self.folder / f"{name}.yaml").is_file():
            raise ProfileError.single(
                shown, f"parent profile {self._show(name + '.yaml')} does not exist",
                line, col, "extends",
            )
        return f"{name}.yaml"


# Keys a chart's values hold beside the profile (dsgen.formats.helm).
CHART_KEYS = ("environment", "derived")


def load_values(files: list[Path], shown: list[str]) -> LoadedProfile:
    """The profile a Helm user's values make: a chart's ``values.yaml`` then
    each ``-f`` file, merged as helm merges them (maps key by key, null
    removes a key, a map is never replaced by anything else), validated like
    any profile; the environment is the values' ``environment``."""
    merged = _Merged({}, {}, [])
    for path, name in zip(files, shown):
        layer, where = yamlio.load_mapping(path, name)
        here = {p: (name, line, col) for p, (line, col) in where.items()}
        clash = map_replaced(merged.data, layer)
        if clash is not None:
            _, line, col = here[clash]
            raise ProfileError.single(name, "is a map in the chart's values and not here; helm never "
                                      "replaces a map with anything else: write it as a map", line, col,
                                      dotted(clash))
        merged = merged.over(layer, here, name)
    env = merged.data.pop(CHART_KEYS[0], BASE)
    merged.data.pop(CHART_KEYS[1], None)
    if not isinstance(env, str) or not _ENV_NAME.match(env):
        file, line, col = merged.positions.get((CHART_KEYS[0],), (shown[-1], None, None))
        raise ProfileError.single(file, f"{env!r} is not an environment name: use lower-case letters, "
                                  "digits, '-' and '_'", line, col, CHART_KEYS[0])
    return LoadedProfile(env, _validate(merged, env), tuple(shown), data=merged.data, positions=merged.positions)


def map_replaced(parent: dict, child: dict, path: tuple = ()) -> tuple | None:
    """The first key that is a map in ``parent`` and that ``child`` sets to anything else."""
    for key, value in child.items():
        if isinstance(parent.get(key), dict) and value is not None:
            if not isinstance(value, dict):
                return (*path, key)
            found = map_replaced(parent[key], value, (*path, key))
            if found:
                return found
    return None


def _named_maps(annotation: Any = None, path: tuple = ()) -> list[tuple]:
    """Paths of the maps of named entries (poolers, topics, users) in the model."""
    annotation = _unwrap(Profile if annotation is None else annotation)
    out = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            out += _named_maps(info.annotation, (*path, name))
    elif typing.get_origin(annotation) is dict:
        value = _unwrap(typing.get_args(annotation)[1])
        if isinstance(value, type) and issubclass(value, BaseModel):
            out.append(path)
    return out


def _check_near_misses(parent: dict, child: dict, positions: dict) -> None:
    """A child adding an entry named within two edits of an inherited one, and
    setting only some of that one's keys, most likely meant to change it."""
    for path in _named_maps():
        theirs, ours = parent, child
        for key in path:
            theirs = theirs.get(key) if isinstance(theirs, dict) else None
            ours = ours.get(key) if isinstance(ours, dict) else None
        if not isinstance(ours, dict) or not isinstance(theirs, dict):
            continue
        for name, entry in ours.items():
            if name in theirs or not isinstance(entry, dict):
                continue
            near = units.near(name, [k for k in theirs if isinstance(theirs[k], dict)])
            if near and set(entry) <= set(theirs[near]) and len(entry) < len(theirs[near]):
                file, line, column = positions[(*path, name)]
                kind = path[-1].rstrip("s")
                raise ProfileError([Problem(Location(file, line, column), (
                    f"adds a new {kind} that sets only some of the keys of the inherited {near!r}; "
                    f"did you mean {near}? (a new {kind} needs a name further from the others)"),
                    dotted((*path, name)))])


def _replaced_paths(data: dict, path: tuple = ()) -> set[tuple]:
    """Paths where the child replaces the parent's value whole (anything but a mapping):
    positions the parent recorded below them no longer describe the merged data."""
    out = set()
    for key, value in data.items():
        if isinstance(value, dict):
            out |= _replaced_paths(value, (*path, key))
        else:
            out.add((*path, key))
    return out


def _deep_merge(parent: dict, child: dict) -> dict:
    """Mappings merge key by key; anything else in the child replaces the
    parent's value; a child's ``null`` removes the key."""
    out = dict(parent)
    for key, value in child.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------- validation


def _validate(merged: _Merged, env: str) -> Profile:
    env_file = merged.files[-1]
    try:
        profile = Profile.model_validate(merged.data)
    except ValidationError as exc:
        problems = _dedupe(_problem(merged, env_file, err) for err in exc.errors())
        raise ProfileError(problems) from None
    problems = registry.run_profile(profile, environment=env)
    if problems:
        raise ProfileError(_dedupe(_locate(merged, env_file, p.path, p.message, p.rule) for p in problems))
    return profile


def _dedupe(problems) -> list[Problem]:
    seen, out = set(), []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            out.append(problem)
    return out


def _problem(merged: _Merged, env_file: str, err: dict) -> Problem:
    loc = tuple(part for part in err["loc"] if part != "[key]")
    message = _plain(err)
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = units.near(str(loc[-1]), allowed)
        if hint:
            message = f"unknown key; did you mean {hint}? (expected one of: {', '.join(allowed)})"
        else:
            message = f"unknown key; expected one of: {', '.join(allowed)}" if allowed else "unknown key"
    elif err["type"] == "missing":
        message = "required key is missing"
    return _locate(merged, env_file, loc, message)


# What a model's string patterns ask for, in words.
PATTERN_FORMS = {
    r"^[a-z]{2}(-[a-z]+)+-[0-9]+$": "an AWS region such as us-east-1",
    r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$": "an S3 folder, s3://bucket/path",
    r"^[1-9][0-9]*[dwm]$": "a number of days, weeks or months, e.g. 30d, 4w, 6m",
    r"^[a-z0-9]{1,11}$": "lower-case letters and digits, at most 11",
    r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$":
        "a KMS key's full ARN, arn:aws:kms:REGION:ACCOUNT-NUMBER:key/KEY-ID (12 digits of account)",
    r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$": "a path in the KV mount such as redis/auth",
    r"^[1-9][0-9]*(s|m|h)$": "a duration in seconds, minutes or hours, e.g. 300s, 15m, 1h",
}


def _what(value: Any) -> str:
    """A value as a message names it: what the user wrote, in YAML's words."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a value of another type"


def _plain(err: dict) -> str:
    """A pydantic error in dsgen's words: what is expected, and what was found."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    got = _what(value)
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of keys, not {got}"
    if kind == "list_type":
        return f"must be a list, not {got}"
    if kind in ("string_type", "string_sub_type"):
        return f"must be a string, not {got}" + ("; quote it" if isinstance(value, (int, float, bool)) else "")
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false, not {got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number, not {got}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number, not {got}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {"greater_than_equal": "at least", "greater_than": "more than",
                 "less_than_equal": "at most", "less_than": "less than"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"must be {words} {bound}, not {value}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of {expected}, not {got}"
    if kind == "string_pattern_mismatch":
        form = PATTERN_FORMS.get(ctx.get("pattern"), f"of the form {ctx.get('pattern')}")
        return f"must be {form}, not {got}"
    if kind in ("too_short", "too_long"):
        return err["msg"].replace("List should have", "must have").replace("Value should have", "must have")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return err["msg"]
    return err["msg"].removeprefix("Input should be ").join(("must be ", "")) if err["msg"].startswith(
        "Input should be ") else err["msg"]


def _locate(merged: _Merged, env_file: str, path: tuple | list, message: str, rule: str = "") -> Problem:
    """Find where ``path`` (or its nearest written parent) is in the files.

    A rule about several keys passes a list of paths; the problem is shown at
    the one written by the most derived profile, where the user last edited,
    naming where the others are when another file wrote them.
    """
    if isinstance(path, list):
        order = {file: i for i, file in enumerate(merged.files)}

        def recency(candidate: tuple) -> int:
            where = merged.positions.get(candidate)
            return order.get(where[0], -1) if where else -1

        chosen = max(path, key=recency)  # max keeps the first of equals
        here = merged.positions.get(chosen, (None,))[0]
        others = [f"{dotted(p)} at {file}:{line}:{column}" for p in path if p != chosen
                  for file, line, column in [merged.positions.get(p, (None, 0, 0))]
                  if file is not None and file != here]
        if others:
            message = f"{message} (with {', '.join(others)})"
        path = chosen
    probe = path
    while probe and probe not in merged.positions:
        probe = probe[:-1]
    if probe:
        file, line, col = merged.positions[probe]
        return Problem(Location(file, line, col), message, dotted(path), rule)
    return Problem(Location(env_file, 1, 1), message, dotted(path), rule)


def dotted(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "." in str(part) or not str(part):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_keys(path: tuple) -> list[str]:
    """The keys the model accepts at ``path`` (for 'unknown key' messages)."""
    annotation: Any = Profile
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return []
            annotation = field.annotation
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        elif typing.get_origin(annotation) is list:
            annotation = typing.get_args(annotation)[0]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation
