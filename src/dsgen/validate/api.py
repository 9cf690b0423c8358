"""``dsgen validate``: build each overlay with kustomize, then check every document.

Layers, each reported with a rule id:
  DSG001/DSG002  the JSON schema (builtin jsonschema, or kubeconform), strict
  DSG003/DSG004  the CRDs' CEL rules (x-kubernetes-validations)
  DSG005/DSG006  what CRD schemas leave open: the top level and metadata
  DSG1xx/DSG2xx  references across documents and operator rules: the
                 manifest checks of the components' rules (dsgen.rules)

Trees are read through their output format (dsgen.formats): which
environments a tree holds, how one is built, which file defines a resource.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

from dsgen import formats, output, registry, rules, units, yamlio
from dsgen.errors import DsgenError, Problem, ProfileError, ToolError, UsageError
from dsgen.formats import helm, kustomize
from dsgen.rules import Overlay
from dsgen.validate import cache, cel
from dsgen.validate.results import WRITERS, Report, Result, Status
from dsgen.validate.schemas import SchemaStore, drop_nulls, is_core, prune_nulls

DEFAULT_KUBERNETES = "1.34"
ENGINES = ("auto", "builtin", "kubeconform")
_MESSAGE_LIMIT = 300


def overlays(out: Path, env: str | None, all_envs: bool, tree_format: formats.Format) -> list[str]:
    if not out.is_dir():
        raise UsageError(f"{out}: no rendered tree here; run `dsgen render` first")
    present = tree_format.environments(out)
    if all_envs:
        if not present:
            raise UsageError(f"{out}: no overlays to validate; run `dsgen render --all`")
        return present
    if env is None:
        raise UsageError("say which overlay: --env NAME or --all")
    if env not in present:
        listing = ", ".join(present) or "none"
        raise UsageError(f"{tree_format.location(out, env)}: no such overlay (rendered: {listing}); "
                         f"run `dsgen render --env {env}`")
    return [env]


def choose_engine(engine: str) -> str:
    from dsgen.validate import kubeconform

    if engine not in ENGINES:
        raise UsageError(f"--engine {engine}: choose one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "kubeconform" if kubeconform.find() else "builtin"
    return engine


def check_skips(skip: frozenset[str]) -> None:
    known = registry.rules()
    names = {rule.name for rule in known.values()}
    unknown = sorted(s for s in skip if s not in known and s not in names)
    if unknown:
        raise UsageError(f"--skip {', '.join(unknown)}: no such rule (see `dsgen rules`)")


def validate_tree(out: Path, env: str | None, all_envs: bool, locations: list[str] | None = None,
                  kubernetes: str | None = None, engine: str = "builtin",
                  skip: frozenset[str] = frozenset()) -> Report:
    check_skips(skip)
    engine = choose_engine(engine)
    tree_format = formats.of_tree(out)
    envs = overlays(out, env, all_envs, tree_format)
    marker = out / output.MARKER
    meta = output.read_marker(marker.read_text(encoding="utf-8")) if marker.is_file() else {}
    report = Report()
    with ThreadPoolExecutor(max_workers=max(1, min(4, len(envs)))) as pool:
        built = dict(zip(envs, pool.map(lambda e: _built(tree_format.build, out, e), envs)))
    # kustomize stops at the first file it cannot read, with a message that
    # names no file: when a build fails, dsgen reads its sources to say which
    # file, line and column. A tree that builds is read once, by kustomize.
    failed: dict[str, list[Result]] = {}
    broken = [name for name in envs if isinstance(built[name], ToolError)]
    sources = {name: tree_format.sources(out, [name]) for name in broken}
    unreadable = yaml_problems([path for paths in sources.values() for path in paths])
    for name in broken:
        source = str(tree_format.location(out, name))
        problems = [p for path in sources[name] for p in unreadable.get(path, [])]
        if problems:
            failed[name] = [Result(Status.ERROR, source, file=p.location.file, message=(
                f"line {p.location.line}:{p.location.column}: {p.message}" if p.location.line else p.message))
                for p in problems]
    stores: dict[tuple, SchemaStore] = {}
    located: dict[tuple, list[str]] = {}
    for name in envs:
        if name in failed:
            report.results.extend(failed[name])
            continue
        source = str(tree_format.location(out, name))
        text = built[name]
        try:
            if isinstance(text, ToolError):
                raise text
            documents = yamlio.load_documents(text, source)
        except DsgenError as exc:
            # This overlay becomes an error entry; the others keep their results.
            report.results.append(Result(Status.ERROR, source, message=str(exc).splitlines()[-1]))
            continue
        info = meta.get(name, {}) if isinstance(meta.get(name), dict) else {}
        operators = {k: str(v) for k, v in (info.get("operators") or {}).items()}
        version = kubernetes or str(info.get("kubernetesVersion") or DEFAULT_KUBERNETES)
        pins = tuple(sorted(operators.items()))
        if pins not in located:  # the cache or the bundle is looked up once per set of pins
            located[pins] = list(locations) if locations else cache.locations_for(operators)
            check_locations(located[pins])
        chosen = located[pins]
        key = (version, tuple(chosen))
        if key not in stores:
            stores[key] = SchemaStore(chosen, version)
        store = stores[key]
        overlay = Overlay(documents, operators, frozenset(info.get("externalSecrets") or []))
        origin = tree_format.origin(out, name)
        report.results.extend(
            dataclasses.replace(r, file=origin(r.kind, r.name, r.path))
            for r in validate_overlay(overlay, source, store, engine, skip))
    return report


def check_locations(locations: list[str]) -> None:
    """One line, not one per document, when there is no schema source at all."""
    if not locations:
        raise UsageError("no CRD schemas: run `dsgen schemas sync --from DIR|URL`, "
                         "or pass --schema-location DIR")
    for location in locations:
        if "{{" in location or "://" in location:
            continue
        if not Path(location).is_dir():
            raise UsageError(f"schema location {location}: no such folder "
                             "(from --schema-location, $DSGEN_SCHEMA_LOCATION or dsgen.yaml)")


def _built(build, *args) -> str | ToolError:
    """``build(*args)``'s output, or the tool's failure for that one input. A
    tool that cannot start at all fails the whole run (exit 3)."""
    try:
        return build(*args)
    except ToolError as exc:
        if exc.returncode is None:
            raise
        return exc


def yaml_problems(paths: list[Path]) -> dict[Path, list[Problem]]:
    """Why each YAML file the overlays use does not parse (duplicate keys
    included), by file; kustomize would stop at the first such file with a
    message that names no file."""
    problems: dict[Path, list[Problem]] = {}
    for path in dict.fromkeys(paths):
        try:
            yamlio.load_documents(path.read_text(encoding="utf-8"), str(path))
        except ProfileError as exc:
            problems[path] = list(exc.problems)
        except UnicodeDecodeError:
            problems[path] = ProfileError.single(str(path), "is not valid UTF-8").problems
    return problems


def validate_overlay(overlay: Overlay, source: str, store: SchemaStore,
                     engine: str = "builtin", skip: frozenset[str] = frozenset(),
                     closed: bool = True, checked: list[list[Result]] | None = None) -> list[Result]:
    """Every layer of checks on one overlay's documents. ``closed``: the
    documents are all there is, so a reference to an object they lack is
    invalid; otherwise it is a warning. ``checked``: each document's own
    checks (document_results), when they ran already."""
    if checked is None:
        for doc in overlay.documents:
            prune_as_stored(doc, store)
        checked = [[] for _ in overlay.documents]
        if engine == "kubeconform":  # its schema results come first, as it reports them
            _kubeconform_schemas(overlay, source, store, dict(zip(map(id, overlay.documents), checked)))
        for doc, found in zip(overlay.documents, checked):
            found.extend(document_results(doc, source, store, engine, skip, pruned=True))
    per_doc = {id(doc): list(found) for doc, found in zip(overlay.documents, checked)}
    for each, doc, path, message in registry.run_manifest(overlay, skip):
        status = Status.WARNING if each.reference and not closed else Status.INVALID
        per_doc[id(doc)].append(_result(status, source, doc, message, path, each.id))
    results: list[Result] = []
    for doc in overlay.documents:
        found = per_doc[id(doc)]
        if not any(r.status in (Status.INVALID, Status.ERROR) for r in found):
            results.append(_result(Status.VALID, source, doc))
        results.extend(found)
    return results


def prune_as_stored(doc: Any, store: SchemaStore) -> None:
    """What the API server stores is what is checked: drop the nulls it drops."""
    if _identified(doc):
        schema = store.schema(str(doc["apiVersion"]), str(doc["kind"]))
        if schema.core:
            drop_nulls(doc)
        elif schema.document is not None:
            prune_nulls(doc, schema.document)


def document_results(doc: Any, source: str, store: SchemaStore, engine: str = "builtin",
                     skip: frozenset[str] = frozenset(), pruned: bool = False) -> list[Result]:
    """The checks of one document on its own: its schema (with the builtin
    engine; core kinds always), its envelope and its CEL rules."""
    if not pruned:
        prune_as_stored(doc, store)
    if not _identified(doc):
        return [Result(Status.ERROR, source, message="document has no apiVersion or kind")]
    found: list[Result] = []
    schema = store.schema(str(doc["apiVersion"]), str(doc["kind"]))
    if engine == "builtin" or schema.core:
        found.extend(_schema_results(doc, source, schema, skip))
    if schema.core and {"DSG006", "metadata"}.isdisjoint(skip):
        found.extend(_result(Status.INVALID, source, doc, message, path, "DSG006")
                     for path, message in core_name_problems(doc))
    if schema.document is not None and not schema.core:
        found.extend(_envelope_results(doc, source, schema.document, store, skip))
        if {"DSG003", "cel"}.isdisjoint(skip):
            found.extend(_cel_results(doc, source, schema.document, skip))
    return found


def _identified(doc: Any) -> bool:
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def _result(status: Status, source: str, doc: dict, message: str = "", path: str = "",
            rule: str = "") -> Result:
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    return Result(status, source, str(doc.get("kind", "")), str(metadata.get("name", "")),
                  str(doc.get("apiVersion", "")), message, path, rule,
                  namespace=str(metadata.get("namespace") or ""))


def _schema_results(doc: dict, source: str, schema, skip: frozenset[str]) -> list[Result]:
    if schema.validator is None:
        if "DSG002" in skip or "no-schema" in skip:
            return [_result(Status.SKIPPED, source, doc, "no schema (DSG002 skipped)", rule="DSG002")]
        return [_result(Status.ERROR, source, doc,
                        f"no schema for {doc['apiVersion']} {doc['kind']} (looked in {schema.where})",
                        rule="DSG002")]
    if "DSG001" in skip or "schema" in skip:
        return []
    if _fast_valid(schema, doc):
        return []  # the compiled check agrees with jsonschema; ask it for errors only
    results = []
    errors = sorted(schema.validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        path = "".join(f"/{p}" for p in error.absolute_path) or "/"
        message = error.message
        if len(message) > _MESSAGE_LIMIT:
            message = message[: _MESSAGE_LIMIT - 3] + "..."
        results.append(_result(Status.INVALID, source, doc, message, path, "DSG001"))
    return results


_TOP_LEVEL = {"apiVersion", "kind", "metadata", "spec", "status"}


def _envelope_results(doc: dict, source: str, schema: Any, store: SchemaStore,
                      skip: frozenset[str]) -> list[Result]:
    """What CRD schemas leave open: the top level and metadata."""
    results = []
    if {"DSG005", "top-level"}.isdisjoint(skip):
        allowed = _TOP_LEVEL | set(schema.get("properties") or {})
        for key in doc:
            if key not in allowed:
                results.append(_result(Status.INVALID, source, doc, f"unknown top-level field {key!r}",
                                       f"/{key}", "DSG005"))
    if {"DSG006", "metadata"}.isdisjoint(skip):
        for path, message in metadata_problems(doc.get("metadata"), store):
            results.append(_result(Status.INVALID, source, doc, message, path, "DSG006"))
    return results


_LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")


def _is_dns_subdomain(text: str) -> bool:
    try:
        units.dns_subdomain(text)
    except ValueError:
        return False
    return bool(text)


def _qualified_name_problem(key: str, shown: str | None = None) -> str | None:
    shown = key if shown is None else shown
    prefix, slash, name = key.rpartition("/")
    if slash and not _is_dns_subdomain(prefix):
        return f"key {shown!r} has an invalid prefix (a DNS subdomain)"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return f"key {shown!r} is not a qualified name (at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends)"
    return None


_DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_RBAC = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}


def core_name_problems(doc: dict) -> Iterator[tuple[str, str]]:
    """A built-in kind's name as Kubernetes checks it (pkg/apis/core/validation:
    ValidateServiceName is NameIsDNS1035Label, ValidateNamespaceName a DNS
    label, RBAC objects path segment names, most others NameIsDNSSubdomain),
    and its namespace as a DNS label."""
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name, kind = metadata.get("name"), str(doc.get("kind"))
    group = str(doc.get("apiVersion", "")).rpartition("/")[0]
    if isinstance(name, str):
        if kind == "Service" and group == "":
            if len(name) > 63 or not _DNS_1035.match(name):
                yield "/metadata/name", (f"{name!r} is not a valid Service name: at most 63 lower-case letters, "
                                         "digits and '-', starting with a letter and ending with a letter or digit")
        elif group == "rbac.authorization.k8s.io" and kind in _RBAC:
            if name in (".", "..") or "/" in name or "%" in name:
                yield "/metadata/name", f"{name!r} may not be '.' or '..' nor contain '/' or '%'"
        else:
            check = units.dns_label if kind == "Namespace" and group == "" else units.dns_subdomain
            try:
                check(name)
            except ValueError as exc:
                yield "/metadata/name", str(exc)
    namespace = metadata.get("namespace")
    if isinstance(namespace, str):
        try:
            units.dns_label(namespace)
        except ValueError as exc:
            yield "/metadata/namespace", str(exc)


def metadata_problems(metadata: Any, store: SchemaStore) -> Iterator[tuple[str, str]]:
    if metadata is None:
        yield "/metadata", "has no metadata"
        return
    meta = store.object_meta()
    if not _fast_valid(meta, metadata):
        errors = sorted(meta.validator.iter_errors(metadata), key=lambda e: [str(p) for p in e.absolute_path])
        for error in errors:
            yield "/metadata" + "".join(f"/{p}" for p in error.absolute_path), error.message
    if not isinstance(metadata, dict):
        return
    # The API server checks a custom resource's name as a DNS subdomain and its
    # namespace as a DNS label (apiextensions-apiserver's customresource
    # strategy: ValidateObjectMetaAccessor with NameIsDNSSubdomain).
    for field, check in (("name", units.dns_subdomain), ("namespace", units.dns_label)):
        value = metadata.get(field)
        if isinstance(value, str):
            try:
                check(value)
            except ValueError as exc:
                yield f"/metadata/{field}", str(exc)
    for field in ("labels", "annotations"):
        for key, value in (metadata.get(field) or {}).items() if isinstance(metadata.get(field), dict) else ():
            pointer = f"/metadata/{field}/{str(key).replace('~', '~0').replace('/', '~1')}"
            # Annotation keys are qualified names whatever their case: Kubernetes
            # lowercases them first (apimachinery api/validation objectmeta.go).
            problem = _qualified_name_problem(str(key).lower() if field == "annotations" else str(key), str(key))
            if problem:
                yield pointer, problem
            if field == "labels" and isinstance(value, str) and value and (
                    len(value) > 63 or not _LABEL_NAME.match(value)):
                yield pointer, f"label value {value!r} is not valid (at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends)"


def _fast_valid(schema, value: Any) -> bool:
    from dsgen.validate.fastcheck import Unsupported

    if schema.fast is None:
        return False
    try:
        return schema.fast(value)
    except Unsupported:
        return False  # jsonschema decides


def _cel_results(doc: dict, source: str, schema: Any, skip: frozenset[str]) -> list[Result]:
    results = []
    for outcome in cel.walk(schema, doc):
        if outcome.passed is None:
            if "DSG004" not in skip and "cel-skipped" not in skip:
                results.append(_result(Status.SKIPPED, source, doc,
                                       f"{outcome.rule}: {outcome.message}", outcome.path, "DSG004"))
        elif not outcome.passed:
            results.append(_result(Status.INVALID, source, doc, outcome.message, outcome.path, "DSG003"))
    return results


def _kubeconform_schemas(overlay: Overlay, source: str, store: SchemaStore,
                         per_doc: dict[int, list[Result]]) -> None:
    """Custom resources through kubeconform; its results joined back by kind and name."""
    from dsgen.validate import kubeconform

    custom = [d for d in overlay.documents if _identified(d) and not is_core(str(d["apiVersion"]))]
    if not custom:
        return
    locations = [loc.template for loc in store.locations]
    found = kubeconform.validate(yamlio.dump_all(custom), source, locations, store.kubernetes)
    index = {(str(d["kind"]), str((d.get("metadata") or {}).get("name", ""))): d for d in custom}
    for result in found:
        doc = index.get((result.kind, result.name))
        if doc is not None and result.status is not Status.VALID:
            per_doc[id(doc)].append(result)


def format_report(report: Report, output_format: str, summary: bool, color: bool = False) -> str:
    if output_format not in WRITERS:
        raise UsageError(f"--output {output_format}: choose one of {', '.join(WRITERS)}")
    if output_format == "text":
        return WRITERS["text"](report, summary, color)
    return WRITERS[output_format](report, summary)


# ---------------------------------------------------------------- any manifests

KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclasses.dataclass(frozen=True)
class Unit:
    """What is validated together: one kustomization folder (built), one Helm
    chart (rendered with ``values``), or the plain manifest files given (read
    as they are)."""

    source: str
    kustomization: Path | None = None
    files: tuple[Path, ...] = ()
    chart: Path | None = None
    values: tuple[Path, ...] = ()


def units_of(paths: list[Path], values: tuple[Path, ...] = ()) -> list[Unit]:
    """The units ``dsgen validate PATH...`` checks: a kustomization folder is
    built as one unit (the files it does not list are not read), a chart
    folder is rendered by helm with ``values``; every other manifest file,
    given or found below a folder given, joins one unit of plain files."""
    kustomizations: list[Path] = []
    charts: list[Path] = []
    files: list[Path] = []

    def walk(folder: Path) -> None:
        if (folder / "Chart.yaml").is_file():
            charts.append(folder)
            return
        if any((folder / name).is_file() for name in KUSTOMIZATIONS):
            kustomizations.append(folder)
            return
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                walk(entry)
            elif entry.suffix in MANIFEST_SUFFIXES:
                files.append(entry)

    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if path.is_dir():
            walk(path)
        else:
            files.append(path)
    if values and not charts:
        raise UsageError(f"--values {values[0]}: give the chart's folder (the one with Chart.yaml) as PATH")
    units = [Unit(str(folder), chart=folder, values=values) for folder in charts]
    units += [Unit(str(folder), kustomization=folder) for folder in kustomizations]
    if files:
        units.append(Unit(" ".join(str(p) for p in paths if not p.is_dir()) or str(paths[0]),
                          files=tuple(dict.fromkeys(files))))
    if not units:
        raise UsageError(f"{', '.join(map(str, paths))}: no manifests (*.yaml, *.yml, *.json) here")
    return units


@dataclasses.dataclass(frozen=True)
class Pins:
    """What manifests dsgen did not write are checked for: the operator
    releases, the Kubernetes version, and Secrets the cluster already holds."""

    operators: dict[str, str]
    kubernetes: str | None = None
    external_secrets: frozenset[str] = frozenset()


def profile_pins(profiles: Path, env: str, shown: str | None = None) -> Pins:
    """The pins of environment ``env``'s profile (``--profile``)."""
    from dsgen.profiles import ProfileStore

    return pins_of(ProfileStore(profiles, shown).load(env).profile)


def pins_of(profile) -> Pins:
    """What a profile says the manifests are for."""
    # The Secrets the profile says exist: held by the cluster, or brought from OpenBao by its tree.
    brought = profile.secrets.credentials if profile.secrets else {}
    return Pins(profile.operators.model_dump(), profile.kubernetesVersion,
                frozenset(profile.externalSecrets) | frozenset(brought))


def parse_operators(text: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """``--operators cloudnativepg=1.29.2,strimzi=0.49.1``, over ``base`` (dsgen's default pins)."""
    from dsgen.operators import DEFAULT_PINS

    pins = dict(base or DEFAULT_PINS)
    for item in (part.strip() for part in text.split(",") if part.strip()):
        key, _, version = item.partition("=")
        if key not in DEFAULT_PINS or not version:
            raise UsageError(f"--operators {item}: write NAME=VERSION with NAME one of {', '.join(DEFAULT_PINS)}")
        try:
            units.version_tuple(version)
        except ValueError as exc:
            raise UsageError(f"--operators {item}: {exc}") from None
        pins[key] = version
    return pins


@dataclasses.dataclass
class _FileChecks:
    """Reads manifest files and runs each document's own checks: in this
    process, or in forked ones (one per core) when there is much to read."""

    source: str
    store: SchemaStore | None = None  # None: read only (the checks run with the overlay)
    skip: frozenset[str] = frozenset()

    def __call__(self, path: Path) -> tuple[list[Any], list[list[Result]] | None] | str:
        """The file's documents (``List`` kinds unpacked) and their checks, or
        the one line saying why it cannot be read."""
        try:
            loaded = yamlio.load_documents(path.read_text(encoding="utf-8"), str(path))
        except (DsgenError, OSError, UnicodeDecodeError) as exc:
            return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        documents = []
        for doc in loaded:
            listed = isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List")
            documents.extend((doc.get("items") or []) if listed else [doc])
        if self.store is None:
            return documents, None
        return documents, [document_results(doc, self.source, self.store, "builtin", self.skip)
                           for doc in documents]

    def map(self, paths: tuple[Path, ...]) -> list:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        if cores < 2 or len(paths) < 2 or sys.platform != "linux" or \
                sum(p.stat().st_size for p in paths if p.is_file()) < PARALLEL_READ_BYTES:
            return [self(path) for path in paths]
        global _FORKED
        workers = min(cores, len(paths))
        # Forked workers inherit this object and its loaded schemas; only
        # paths go out, and documents and results come back pickled.
        _FORKED = self
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                return list(pool.map(_forked_call, paths, chunksize=max(1, len(paths) // (workers * 4))))
        finally:
            _FORKED = None


_FORKED: _FileChecks | None = None


def _forked_call(path: Path):
    assert _FORKED is not None
    return _FORKED(path)


# Reading YAML and checking each document is most of the time `validate PATH`
# takes on plain files; above this many bytes it runs in a process per core.
PARALLEL_READ_BYTES = 1 << 20


def _unit_documents(unit: Unit, checks: _FileChecks
                    ) -> tuple[list[Any], dict[int, str], list[Result], list[list[Result]] | None]:
    """A unit's documents, the file each came from (by id), an error entry
    for each input that could not be read or built, and each document's own
    checks when ``checks`` ran them."""
    if unit.kustomization is not None or unit.chart is not None:  # built: the tool reads what it needs
        built = _built(kustomize.build, unit.kustomization) if unit.chart is None else \
            _built(helm.template, unit.chart, list(unit.values))
        if isinstance(built, ToolError):
            return [], {}, [Result(Status.ERROR, unit.source, message=str(built).splitlines()[-1])], None
        try:
            return yamlio.load_documents(built, unit.source), {}, [], None
        except DsgenError as exc:
            return [], {}, [Result(Status.ERROR, unit.source, message=str(exc).splitlines()[0])], None
    documents: list[Any] = []
    origin: dict[int, str] = {}
    errors: list[Result] = []
    checked: list[list[Result]] | None = [] if checks.store is not None else None
    for path, read in zip(unit.files, checks.map(unit.files)):
        if isinstance(read, str):
            errors.append(Result(Status.ERROR, unit.source, file=str(path), message=read))
            continue
        items, found = read
        for item in items:
            origin[id(item)] = str(path)
        documents.extend(items)
        if checked is not None:
            checked.extend(found)
    return documents, origin, errors, checked


def validate_paths(paths: list[Path], locations: list[str] | None = None, kubernetes: str | None = None,
                   engine: str = "builtin", skip: frozenset[str] = frozenset(),
                   pins: Pins | None = None, closed: bool = False, values: tuple[Path, ...] = ()) -> Report:
    """Validate manifests dsgen did not write, for ``pins`` (default: the
    releases dsgen pins). One unit that cannot be read or built is an error
    entry; the others keep their results."""
    check_skips(skip)
    engine = choose_engine(engine)
    pins = pins or Pins(parse_operators(""))
    chosen = list(locations) if locations else cache.locations_for(pins.operators)
    check_locations(chosen)
    store = SchemaStore(chosen, kubernetes or pins.kubernetes or DEFAULT_KUBERNETES)
    report = Report()
    for unit in units_of(paths, values):
        checks = _FileChecks(unit.source, store if engine == "builtin" else None, skip)
        documents, origin, errors, checked = _unit_documents(unit, checks)
        report.results.extend(errors)
        if errors and not documents:
            continue
        overlay = Overlay(documents, pins.operators, pins.external_secrets)
        results = validate_overlay(overlay, unit.source, store, engine, skip, closed, checked)
        by_name = {(str(d.get("kind")), rules.namespace_of(d), rules.name_of(d)): origin.get(id(d), "")
                   for d in documents if isinstance(d, dict)}
        report.results.extend(dataclasses.replace(r, file=by_name.get((r.kind, r.namespace, r.name), r.file))
                              for r in results)
    return report
