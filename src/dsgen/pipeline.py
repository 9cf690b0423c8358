"""The public API: load profiles -> render -> plan the tree -> write or compare.

The CLI calls these functions and nothing deeper; tests may too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dsgen import formats, output, registry, rules, yamlio
from dsgen.errors import DsgenError, ProfileError, UsageError
from dsgen.platform import delivery, openbao, runbook
from dsgen.formats import Format, Rendered
from dsgen.profiles import BASE, LoadedProfile, ProfileStore
from dsgen.render import PatchProblem, Renderer, Resource, check_unique, patched


@dataclass(frozen=True)
class RenderResult:
    envs: list[str]
    files: dict[str, str]
    format: str = formats.DEFAULT
    risky: tuple[str, ...] = ()  # changes to the tree on disk that the operators refuse or that lose data
    previous: dict[str, str] | None = field(default=None, repr=False, compare=False)  # out/ as read, if it was


class DestructiveChange(DsgenError):
    """A render would change the written tree in ways that lose data or that the operators refuse."""

    def __init__(self, risky: tuple[str, ...]):
        self.risky = risky
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [*self.risky, f"refusing to write {len(self.risky)} risky change"
                f"{'s' if len(self.risky) > 1 else ''}: fix the profiles, or render with --allow-destructive "
                "once the data is safe"]


EXTRA = "extra"  # the tree's folder of a profile's extra `resources:`

# Kinds that live outside namespaces: an extra resource of another kind without a
# namespace gets the profile's.
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "StorageClass", "PriorityClass", "RuntimeClass",
    "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "APIService", "IngressClass",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "CSIDriver", "VolumeSnapshotClass",
    "ClusterIssuer", "ClusterSecretStore", "ClusterExternalSecret", "ClusterImageCatalog",
})


def render_env(store: ProfileStore, env: str, renderer: Renderer | None = None) -> Rendered:
    """Load and render one environment (or ``base``) to resources: the
    components' (with the profile's patches), then its extra resources."""
    loaded = store.load(env)
    try:
        resources = (renderer or Renderer()).render(loaded.profile, loaded.env)
    except PatchProblem as exc:
        raise ProfileError([store.locate(env, exc.path, exc.message)]) from None
    extras = extra_resources(store, env, loaded.profile)
    if extras:  # the renderer checked its own resources already
        resources += extras
        check_unique(resources)
    return Rendered(loaded, resources)


def extra_resources(store: ProfileStore, env: str, profile) -> list[Resource]:
    """The documents of the profile's ``resources:`` files, as written; a
    namespaced one without a namespace gets the profile's."""
    out = []
    for number, relative in enumerate(profile.resources):
        def problem(message: str) -> ProfileError:
            return ProfileError([store.locate(env, ("resources", number), message)])

        if Path(relative).is_absolute() or not relative.endswith((".yaml", ".yml")):
            raise problem(f"{relative!r}: give a .yaml file, relative to the profiles folder")
        path = store.folder / relative
        shown = f"{store.shown.rstrip('/')}/{relative}"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise problem(f"{shown} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise problem(f"{shown} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
        for index, doc in enumerate(yamlio.load_documents(text, shown)):
            if doc is None:
                continue
            name = doc.get("metadata", {}).get("name") if isinstance(doc, dict) and \
                isinstance(doc.get("metadata"), dict) else None
            if not (isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str)
                    and isinstance(doc.get("kind"), str) and isinstance(name, str) and name):
                raise ProfileError.single(shown, f"document {index + 1} is not a Kubernetes object "
                                          "(apiVersion, kind and metadata.name)")
            if doc["kind"] not in CLUSTER_SCOPED and not doc["metadata"].get("namespace"):
                doc = {**doc, "metadata": {**doc["metadata"], "namespace": profile.namespace}}
            out.append(Resource(EXTRA, doc))
    return out


def environments_to_render(store: ProfileStore, out: Path, env: str | None, all_envs: bool,
                           tree_format: Format | None = None) -> list[str]:
    """``--all``: every environment. ``--env X``: X plus every environment that
    already has an overlay in ``out/`` (so a changed base never leaves another
    overlay stale); overlays whose profile is gone are dropped."""
    known = store.environments()
    if all_envs:
        return known
    if env is None:
        raise UsageError("say which environment: --env NAME or --all")
    _check_environment(store, env)
    on_disk = (tree_format or formats.get()).environments(out) if out.is_dir() else []
    return sorted({env, *(e for e in on_disk if e in known)})


def _check_environment(store: ProfileStore, env: str) -> None:
    """A usage error unless ``env`` can name an environment (not the base)."""
    store.check_env_name(env)
    if env == BASE:
        raise UsageError("base is the tree's base, not an environment; name an environment")


def _marker_entry(loaded: LoadedProfile) -> dict:
    """What ``dsgen validate`` needs to know of an environment without its profiles."""
    profile = loaded.profile
    return {"kubernetesVersion": profile.kubernetesVersion,
            "operators": profile.operators.model_dump(),
            "externalSecrets": list(profile.externalSecrets),
            "profiles": list(loaded.sources)}


def render(profiles: Path, out: Path, env: str | None = None, all_envs: bool = False,
           profiles_shown: str | None = None, format_name: str = formats.DEFAULT) -> RenderResult:
    """Render the tree for the chosen environments (nothing is written)."""
    tree_format = formats.get(format_name)
    _check_format(out, tree_format)
    store = ProfileStore(profiles, profiles_shown or profiles.name)
    envs = environments_to_render(store, out, env, all_envs, tree_format)
    renderer = Renderer()
    base = render_env(store, BASE, renderer)
    rendered = [render_env(store, name, renderer) for name in envs]
    check_across_environments(store, [r.loaded for r in rendered])
    files = tree_format.plan(base, rendered)
    if tree_format.companions:
        delivered = [(r.env, r.loaded.profile, _namespaces(r), registry.sections(r.loaded.profile)) for r in rendered]
        for env, (_, profile, namespaces, sections) in zip(rendered, delivered):
            # the OpenBao side of each environment's credentials, its runbook, its GitOps wiring
            header = output.header(env.loaded.sources)
            files.update(openbao.files(profile, env.env, header, sections))
            files.update(runbook.files(profile, env.env, header, sections))
            files.update(delivery.files(profile, env.env, header, namespaces, sections))
        files.update(delivery.shared_files(delivered, output.header(base.loaded.sources)))
    files[output.MARKER] = output.marker({r.env: _marker_entry(r.loaded) for r in rendered}, tree_format.name)
    previous = output.read_tree(out) if (out / output.MARKER).is_file() else None
    files.update(_kept(previous))
    risky = risky_changes(tree_format, out, rendered, files, previous) if previous is not None else ()
    return RenderResult(envs, dict(sorted(files.items())), format_name, risky, previous)


def _check_format(out: Path, tree_format: Format) -> None:
    """A tree is replaced only by one of its own format: a chart rendered over
    the Kustomize tree (or the other way round) is refused."""
    if (out / output.MARKER).is_file():
        present = formats.of_tree(out)
        if present.name != tree_format.name:
            raise UsageError(f"{out}: holds a {present.name} tree; write the {tree_format.name} one into "
                             f"another folder (--out DIR), or delete {out} first")


def _namespaces(rendered: Rendered) -> list[str]:
    """The namespaces an environment's resources go to."""
    return sorted({r.doc["metadata"]["namespace"] for r in rendered.resources if r.doc["metadata"].get("namespace")})


# What ``render`` keeps of the tree on disk: folders other commands write
# (``dsgen recover``), never made from the profiles.
KEPT = ("recovery/",)


def _kept(previous: dict[str, str] | None) -> dict[str, str]:
    return {path: text for path, text in (previous or {}).items() if path.startswith(KEPT)}


@dataclass(frozen=True)
class RecoveryTree:
    name: str  # the restored cluster
    folder: Path  # where its tree goes
    files: dict[str, str]


def recover(profiles: Path, out: Path, env: str, to: str, backup_id: str | None = None,
            name: str | None = None, folder: Path | None = None, profiles_shown: str | None = None,
            format_name: str = formats.DEFAULT, now: datetime | None = None) -> RecoveryTree:
    """A tree of its own (``out/recovery/<env>/<name>/`` unless ``folder``)
    with a new PostgreSQL cluster restored from ``env``'s archive to ``to``."""
    from dsgen.components.postgres import recovery
    from dsgen.contract import Context

    store = ProfileStore(profiles, profiles_shown or profiles.name)
    _check_environment(store, env)
    when = recovery.target_time(to, now)
    loaded = store.load(env)  # names the known environments when there is no such profile
    pg = loaded.profile.postgres
    if pg is None or not pg.enabled or pg.backup is None:
        raise UsageError(f"{env} has no PostgreSQL backups (postgres.backup): there is no archive to recover from")
    name = name or recovery.default_name(pg, when)
    ctx = Context.of(loaded.profile, env)
    component = registry.COMPONENTS["postgres"]
    renderer = Renderer()
    resources = [Resource(component.name, renderer.document(ctx, component, part))
                 for part in recovery.parts(ctx, pg, name, when, backup_id)]
    try:  # the profile's patches of a whole kind apply to the restored cluster too; named ones name the original's
        resources = patched(component.name, resources, pg.patches, kind_wide=True)
    except PatchProblem as exc:
        raise ProfileError([store.locate(env, exc.path, exc.message)]) from None
    check_unique(resources)
    header = [f"Generated by dsgen recover from {', '.join(loaded.sources)}: {pg.name} of {env} "
              f"restored to {recovery.utc(when)}.",
              "dsgen render keeps this folder; delete it once the restore is done (the runbook says when)."]
    files = formats.get(format_name).standalone(resources, header)
    files[output.MARKER] = output.marker({env: _marker_entry(loaded)})
    return RecoveryTree(name, folder or out / "recovery" / env / name, dict(sorted(files.items())))


def chart_values(chart: Path, values: list[Path]) -> LoadedProfile:
    """The profile a Helm user's values make of a chart dsgen wrote (its
    values.yaml, then each file, merged as helm merges them), checked as any
    profile is: types, unknown keys and every rule between keys, at file:line."""
    from dsgen.profiles import load_values

    files = [chart / "values.yaml", *values]
    return load_values(files, [str(f) for f in files])


def chart_differences(chart: Path, values: list[Path], loaded: LoadedProfile) -> list:
    """Where helm, rendering the chart with these values, writes other
    documents than dsgen renders from the profile they make: one invalid
    result per resource or field. The chart follows a value where the value
    reaches the manifests as it is; what dsgen derives from it needs the
    chart exported again from profiles that hold it."""
    from dsgen.formats import helm
    from dsgen.validate.results import Result, Status

    source = str(chart)
    built = yamlio.load_documents(helm.template(chart, list(values)), source)
    charted = {rules.identity(d): d for d in built if isinstance(d, dict)}
    rendered = {rules.identity(r.doc): r.doc for r in Renderer().render(loaded.profile, loaded.env)}
    origin = helm.Helm().origin(chart, loaded.env)
    again = "export the chart again (dsgen render --format helm) from profiles that hold these values"
    out = []
    for key in sorted(set(charted) | set(rendered), key=str):
        api_version, kind, namespace, name = key
        where = dict(source=source, kind=kind, name=name, api_version=api_version, namespace=namespace,
                     file=origin(kind, name, ""))
        if key not in rendered:
            if not loaded.profile.resources:  # a profile's own resources: files dsgen cannot see from here
                out.append(Result(Status.INVALID, message=f"the chart writes this resource; dsgen, from the "
                                  f"profile these values make, does not: {again}", **where))
        elif key not in charted:
            out.append(Result(Status.INVALID, message=f"dsgen writes this resource from the profile these "
                              f"values make; the chart does not: {again}", **where))
        else:
            for path, theirs, ours in _differences(charted[key], rendered[key]):
                if ours is _NONE:
                    said = "the chart writes this field; dsgen, from the profile these values make, does not"
                elif theirs is _NONE:
                    said = f"dsgen writes {_shown(ours)} here from the profile these values make; the chart nothing"
                else:
                    theirs, ours = _apart(theirs, ours)
                    said = f"the chart writes {theirs}; dsgen writes {ours} from the profile these values make"
                out.append(Result(Status.INVALID, path=rules.pointer(*path), message=f"{said}: {again}", **where))
    return out


_NONE = object()


def _differences(theirs, ours, path: tuple = ()):
    """(path, theirs, ours) of each field two documents disagree on: maps key
    by key, lists of equal length item by item, anything else whole."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key in dict.fromkeys([*theirs, *ours]):
            yield from _differences(theirs.get(key, _NONE), ours.get(key, _NONE), (*path, key))
    elif isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        for index, (a, b) in enumerate(zip(theirs, ours)):
            yield from _differences(a, b, (*path, index))
    elif theirs is _NONE or ours is _NONE or not rules.same(theirs, ours):
        yield path, theirs, ours


def _shown(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 120 else f"{text[:100]}... ({len(text)} characters)"


def _apart(theirs, ours) -> tuple[str, str]:
    """Two values as shown side by side: long strings by the part where they differ."""
    a, b = json.dumps(theirs, ensure_ascii=False), json.dumps(ours, ensure_ascii=False)
    if max(len(a), len(b)) <= 120 or not (isinstance(theirs, str) and isinstance(ours, str)):
        return _shown(theirs), _shown(ours)
    start = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    end = next((i for i, (x, y) in enumerate(zip(reversed(a), reversed(b))) if x != y), 0)
    start, end = max(0, start - 20), max(0, end - 20)
    return (f"...{a[start:len(a) - end]}...", f"...{b[start:len(b) - end]}...")


def runbook_page(profiles: Path, env: str, profiles_shown: str | None = None) -> str:
    """The runbook of ``env`` (what render writes to ``runbook/<env>.md``)."""
    store = ProfileStore(profiles, profiles_shown or profiles.name)
    _check_environment(store, env)
    loaded = store.load(env)
    return runbook.page(loaded.profile, env, output.header(loaded.sources), registry.sections(loaded.profile))


def write_recovery(result: RecoveryTree) -> None:
    result.folder.parent.mkdir(parents=True, exist_ok=True)
    output.write_tree(result.folder, result.files)


def _unchanged(tree_format: Format, env: str, on_disk: dict[str, str], files: dict[str, str]) -> bool:
    """Whether the files that make up ``env`` stay byte for byte as they are."""
    scope = tree_format.scope(env)
    return ({k: v for k, v in on_disk.items() if k.startswith(scope)}
            == {k: v for k, v in files.items() if k.startswith(scope)})


def risky_changes(tree_format: Format, out: Path, rendered: list[Rendered],
                  files: dict[str, str], on_disk: dict[str, str]) -> tuple[str, ...]:
    """What the render would change in the tree on disk (``on_disk``, as read)
    that loses data or that an operator refuses, one line each."""
    lines = []
    for env in sorted(set(tree_format.environments(out)) - {r.env for r in rendered}):
        lines.append(f"{tree_format.location(out, env)}: the environment is removed with every resource "
                     "in it (its profile is gone) [DSG401]")
    for new in rendered:
        if _unchanged(tree_format, new.env, on_disk, files):
            continue
        try:
            old = tree_format.documents(out, new.env, on_disk)
        except (DsgenError, OSError, LookupError, TypeError, ValueError):
            old = None  # a tree edited by hand: the drift check reports it
        if old is None:
            continue
        found = registry.run_changes(rules.Overlay(old), rules.Overlay([r.doc for r in new.resources]))
        for rule, doc, path, message in found:
            lines.append(f"{tree_format.location(out, new.env)}: {doc.get('kind')}/{rules.name_of(doc)} "
                         f"{path}: {message} [{rule.id}]")
    return tuple(lines)


def check_across_environments(store: ProfileStore, rendered: list[LoadedProfile]) -> None:
    """Rules between environments (two sharing one backup archive, ...), over the
    rendered ones and every other environment whose profile loads."""
    loaded = {r.env: r for r in rendered}
    for name in store.environments():
        if name not in loaded:
            try:
                loaded[name] = store.load(name)
            except ProfileError:
                continue  # reported when that environment is rendered
    found = registry.run_environments([(env, r.profile) for env, r in sorted(loaded.items())])
    if found:
        raise ProfileError([store.locate(env, p.path, p.message, p.rule) for env, p in found])


@dataclass(frozen=True)
class Changes:
    added: int
    changed: int
    removed: int

    def __str__(self) -> str:
        if not (self.added or self.changed or self.removed):
            return "no file changed"
        return f"{self.added} added, {self.changed} changed, {self.removed} removed"


def write(out: Path, result: RenderResult, allow_destructive: bool = False) -> Changes:
    """Replace ``out`` with the render; say how many files that changed. A
    render with risky changes is refused unless ``allow_destructive``."""
    output.check_target(out)  # before reading: --out may be a folder dsgen must not touch
    if result.risky and not allow_destructive:
        raise DestructiveChange(result.risky)
    before = result.previous if result.previous is not None else output.read_tree(out) if out.is_dir() else {}
    output.write_tree(out, result.files)
    return Changes(
        added=sum(1 for path in result.files if path not in before),
        changed=sum(1 for path, text in result.files.items() if path in before and before[path] != text),
        removed=sum(1 for path in before if path not in result.files),
    )


def drift(out: Path, result: RenderResult, env: str | None, all_envs: bool) -> str:
    """The unified diff between ``out/`` and ``result``; '' when up to date.

    ``--all`` compares the whole tree (stray files count); ``--env X``
    compares the base and X's files only.
    """
    current = result.previous if result.previous is not None else output.read_tree(out)
    fresh = result.files
    if not all_envs:
        prefixes = formats.get(result.format).scope(str(env))

        def keep(path: str) -> bool:
            return path == output.MARKER or path.startswith((*prefixes, f"openbao/{env}/", f"runbook/{env}.md",
                                                              f"argocd/{env}/"))

        current = {k: v for k, v in current.items() if keep(k)}
        fresh = {k: v for k, v in fresh.items() if keep(k)}
    return output.unified_diff(out, current, fresh) + "".join(
        _stray_line(out, path, current[path]) for path in sorted(set(current) - set(fresh)))


def _stray_line(out: Path, path: str, text: str) -> str:
    """A file in the tree that dsgen does not write, said plainly: an empty one
    has no diff lines, and an unparsable one would stop kustomize."""
    if not text.strip():
        what = "an empty file"
    else:
        try:
            yamlio.load_documents(text, path)
            what = "a file"
        except DsgenError as exc:
            what = f"a file that is not valid YAML ({str(exc).splitlines()[0]})"
    return f"Only in {out}: {path}: {what} dsgen does not write; remove it\n"
