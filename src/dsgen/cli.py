"""The command line: the only module that imports typer, prints and exits.

Exit codes:
  0  success: rendered, up to date, or every document valid
  1  failure found: drift (render --check) or invalid documents (validate)
  2  bad input or usage: a profile problem, an unknown environment, a bad option
  3  an external tool failed (kubectl kustomize, kubeconform)
  4  internal error in dsgen (run again with --debug for the traceback)
"""

from __future__ import annotations

import dataclasses
import os
import sys
import traceback
from pathlib import Path
from typing import List, Optional

import typer

from dsgen import __version__
from dsgen.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, DsgenError

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 drift or invalid documents; 2 bad profile, input or usage; "
    "3 an external tool failed; 4 internal error (rerun with --debug)."
)

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="dsgen",
    help="Render data-services profiles into a Kustomize tree and prove it valid.\n\n"
    + EXIT_CODES_HELP,
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP_OPTIONS,
)
schemas_app = typer.Typer(help="Manage the local cache of CRD schemas.", no_args_is_help=True,
                          context_settings=HELP_OPTIONS)


# Choices of the options that take one, shown by --help and offered by shell
# completion; the commands check them with their own one-line errors. The
# modules that act on them hold the same lists (api.ENGINES, results.WRITERS,
# scaffold.EXAMPLES, access.OUTPUT_FORMATS, formats.FORMATS) and a test keeps them equal.
FORMAT_NAMES = ("kustomize", "helm")
ENGINES = ("auto", "builtin", "kubeconform")
OUTPUT_FORMATS = ("text", "json", "junit")
EXAMPLES = ("ecotrack", "minimal")
ACCESS_FORMATS = ("text", "json")


def _choices(values: tuple[str, ...]) -> dict:
    return {"metavar": f"<{'|'.join(values)}>", "autocompletion": lambda: list(values)}

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dsgen {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
) -> None:
    _state["debug"] = debug or bool(os.environ.get("DSGEN_DEBUG"))


def _err(line: str) -> None:
    typer.echo(line, err=True)


@app.command()
def render(
    env: Optional[str] = typer.Option(None, "--env", "-e", metavar="ENV",
                                      help="Environment to render (profiles/ENV.yaml)."),
    all_envs: bool = typer.Option(False, "--all", help="Render every environment."),
    profiles: Optional[Path] = typer.Option(
        None, "--profiles", metavar="DIR",
        help="Folder of profiles (default: `profiles` of the nearest dsgen.yaml, else ./profiles)."),
    out: Optional[Path] = typer.Option(
        None, "--out", metavar="DIR",
        help="Output folder, replaced whole (default: `out` of the nearest dsgen.yaml, else ./out)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 with a diff when out/ differs."),
    allow_destructive: bool = typer.Option(
        False, "--allow-destructive",
        help="Write even changes that lose data or that the operators refuse (listed otherwise)."),
    tree_format: str = typer.Option(
        "kustomize", "--format", **_choices(FORMAT_NAMES),
        help="kustomize: out/base and out/overlays/ENV; helm: one chart with values-ENV.yaml per "
        "environment (give it its own --out)."),
) -> None:
    """Render profiles into out/base and out/overlays/ENV (or a Helm chart).

    With --env, the base, that environment and every overlay already in out/
    are rendered; with --all, every environment. --check is the CI drift check.
    A render that would shrink volumes, lower partitions, remove or rename a
    database, broker pool, topic or Redis (...) is refused, listing each
    change, unless --allow-destructive is given.
    """
    from dsgen import pipeline

    if env is not None and all_envs:
        raise _usage("use either --env or --all, not both")
    profiles, out = _project_folders(profiles, out)
    if tree_format not in FORMAT_NAMES:
        raise _usage(f"--format {tree_format}: choose one of {', '.join(FORMAT_NAMES)}")
    result = pipeline.render(profiles, out, env, all_envs, profiles_shown=str(profiles), format_name=tree_format)
    if check:
        difference = pipeline.drift(out, result, env, all_envs)
        for line in result.risky:
            _err(f"risky: {line}")
        if difference:
            sys.stdout.write(difference)
            _err(f"{out} is out of date: run `dsgen render {'--all' if all_envs else '--env ' + str(env)}`")
            raise typer.Exit(EXIT_FAILED)
        typer.echo(f"{out} is up to date ({', '.join(result.envs)})")
        return
    changes = pipeline.write(out, result, allow_destructive)
    typer.echo(f"rendered {len(result.files)} files into {out} for {', '.join(result.envs)}: {changes}")


@app.command()
def validate(
    paths: Optional[List[Path]] = typer.Argument(
        None, metavar="[PATH]...",
        help="Manifest files, folders of them, or kustomization folders, instead of a dsgen tree."),
    env: Optional[str] = typer.Option(None, "--env", "-e", metavar="ENV", help="Environment overlay to validate."),
    all_envs: bool = typer.Option(False, "--all", help="Validate every overlay in out/."),
    out: Optional[Path] = typer.Option(
        None, "--out", metavar="DIR",
        help="Rendered tree to validate (default: `out` of the nearest dsgen.yaml, else ./out)."),
    schema_location: List[str] = typer.Option(
        [], "--schema-location", "-s", metavar="DIR|URL|TEMPLATE",
        help="Folder or template of CRD JSON schemas, as kubeconform's -schema-location "
        "(repeatable; default $DSGEN_SCHEMA_LOCATION, then schemaLocations of the dsgen.yaml "
        "above the tree, then the synced schema cache, then the schemas dsgen ships).",
    ),
    engine: str = typer.Option("auto", "--engine", **_choices(ENGINES),
                               help="Schema engine: kubeconform when installed (auto), or dsgen's own."),
    skip: List[str] = typer.Option([], "--skip", metavar="RULE", help="Waive a rule by id or name (repeatable)."),
    kubernetes_version: Optional[str] = typer.Option(
        None, "--kubernetes-version", metavar="VERSION",
        help="Validate core kinds for this version (default: the profile's)."),
    output_format: str = typer.Option("text", "--output", "-o", **_choices(OUTPUT_FORMATS), help="Report format."),
    summary: bool = typer.Option(False, "--summary", help="Print a summary line."),
    operators: str = typer.Option(
        "", "--operators", metavar="NAME=VERSION,...",
        help="With PATHs: the operator releases the manifests are for (cloudnativepg, redisOperator, "
        "otRedisOperator, strimzi; default: the ones dsgen pins)."),
    profile: Optional[str] = typer.Option(
        None, "--profile", metavar="ENV",
        help="With PATHs: check them for this environment's profile (its operators, Kubernetes "
        "version, and the Secrets it holds or brings from OpenBao); --operators overrides its pins."),
    closed: bool = typer.Option(
        False, "--closed",
        help="With PATHs: the input is complete, so a reference to an object it lacks is invalid "
        "(without it, a warning)."),
    values: List[Path] = typer.Option(
        [], "--values", "-f", metavar="FILE",
        help="With a chart's folder as PATH: render it with these values files, as `helm template -f` "
        "(repeatable); for a chart dsgen wrote, they are checked first as a profile (types, unknown "
        "keys, dsgen's rules between keys) and set the operators and Kubernetes version."),
) -> None:
    """Build each overlay with kustomize and validate every document strictly.

    Custom resources are checked against JSON schemas in kubeconform's layout
    ({group}/{kind}_{version}.json) and their CEL rules, core kinds against
    kubernetes-validate's strict schemas at the profile's Kubernetes version;
    then references across documents and operator rules (`dsgen rules`).
    """
    from dsgen import config, formats
    from dsgen.validate import api

    if env is not None and all_envs:
        raise _usage("use either --env or --all, not both")
    if values and not paths:
        raise _usage("--values goes with a chart's folder: dsgen validate CHART --values FILE")
    if output_format not in OUTPUT_FORMATS:
        raise _usage(f"--output {output_format}: choose one of {', '.join(OUTPUT_FORMATS)}")
    if paths:
        if env is not None or all_envs:
            raise _usage("give PATHs or --env/--all (a dsgen tree), not both")
        locations = schema_location or config.schema_locations(paths[0])
        pins = api.Pins(api.parse_operators(""))
        if profile is not None:
            profiles, _ = _project_folders(None, Path("out"))
            pins = api.profile_pins(profiles, profile)
        followed = []
        if values:  # a chart dsgen wrote: its values are a profile, and dsgen knows what they mean
            charts = [p for p in paths if (p / "values.schema.json").is_file() and (p / "values.yaml").is_file()
                      and formats.of_tree(p).name == "helm"]
            if len(charts) == 1 and profile is None:
                from dsgen import pipeline

                loaded = pipeline.chart_values(charts[0], values)
                pins = api.pins_of(loaded.profile)
                followed = pipeline.chart_differences(charts[0], values, loaded)
        pins = dataclasses.replace(pins, operators=api.parse_operators(operators, pins.operators))
        report = api.validate_paths(paths, locations, kubernetes_version, engine, frozenset(skip), pins, closed,
                                    tuple(values))
        report.results.extend(followed)
    else:
        if operators or closed or profile is not None:
            raise _usage("--operators, --profile and --closed go with PATHs; a dsgen tree names its own operators")
        _, out = _project_folders(None, out)
        locations = schema_location or config.schema_locations(out)
        report = api.validate_tree(out, env, all_envs, locations, kubernetes_version, engine,
                                   frozenset(skip))
    sys.stdout.write(api.format_report(report, output_format, summary, color=sys.stdout.isatty()))
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILED)


@app.command()
def access(
    env: str = typer.Option(..., "--env", "-e", metavar="ENV", help="Environment to evaluate."),
    profiles: Optional[Path] = typer.Option(
        None, "--profiles", metavar="DIR",
        help="Profiles folder (default: `profiles` of the nearest dsgen.yaml, else ./profiles)."),
    output_format: str = typer.Option("text", "--output", "-o", **_choices(ACCESS_FORMATS),
                                      help="Report format."),
) -> None:
    """Print who may connect to which port of each data service.

    Renders ENV, adds the NetworkPolicies the operators write themselves
    (Strimzi's), and evaluates them as Kubernetes does, for the namespaces the
    profile names, one it does not, the operators, the services' own pods and
    an address outside the cluster.
    """
    from dsgen import access as connectivity

    if output_format not in ACCESS_FORMATS:
        raise _usage(f"--output {output_format}: choose one of {', '.join(ACCESS_FORMATS)}")
    profiles, _ = _project_folders(profiles, Path("out"))
    sys.stdout.write(connectivity.format_flows(connectivity.flows(profiles, env, str(profiles)), output_format))


@app.command()
def recover(
    env: str = typer.Option(..., "--env", "-e", metavar="ENV", help="Environment whose archive to restore."),
    to: str = typer.Option(..., "--to", metavar="TIME",
                           help="Recovery target, RFC 3339 with a zone, e.g. 2026-12-03T10:30:00Z; not in the future."),
    backup_id: Optional[str] = typer.Option(
        None, "--backup-id", metavar="ID",
        help="Start from this base backup (YYYYMMDDTHHMMSS; default: the last one before --to)."),
    name: Optional[str] = typer.Option(None, "--name", metavar="NAME",
                                       help="The restored cluster (default: <cluster>-pitr-<target, UTC>)."),
    profiles: Optional[Path] = typer.Option(
        None, "--profiles", metavar="DIR",
        help="Profiles folder (default: `profiles` of the nearest dsgen.yaml, else ./profiles)."),
    out: Optional[Path] = typer.Option(
        None, "--out", metavar="DIR",
        help="Folder of the recovery tree (default: out/recovery/ENV/NAME; render keeps it)."),
) -> None:
    """Write a tree that restores ENV's PostgreSQL to a point in time.

    A new cluster, bootstrapped from the environment's backup archive and WAL
    up to --to, archiving its own WAL apart from the original's. Check it with
    `dsgen validate DIR --profile ENV --closed`, apply it with `kubectl apply -k DIR`, then follow
    the runbook (`dsgen runbook --env ENV`) to move the applications.
    """
    from dsgen import pipeline

    profiles, tree = _project_folders(profiles, None)
    result = pipeline.recover(profiles, tree, env, to, backup_id, name, out, profiles_shown=str(profiles))
    pipeline.write_recovery(result)
    typer.echo(f"wrote the restore of {env} as cluster {result.name} into {result.folder}; next:\n"
               f"  dsgen validate {result.folder} --profile {env} --closed && kubectl apply -k {result.folder}")


@app.command()
def runbook(
    env: str = typer.Option(..., "--env", "-e", metavar="ENV", help="Environment whose runbook to print."),
    profiles: Optional[Path] = typer.Option(
        None, "--profiles", metavar="DIR",
        help="Profiles folder (default: `profiles` of the nearest dsgen.yaml, else ./profiles)."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE", help="Write it to FILE instead."),
) -> None:
    """Print ENV's runbook in Markdown: recovery objectives, backups, restores, alerts.

    The same page `dsgen render` writes to out/runbook/ENV.md, made from the
    profiles, with the environment's own clusters, buckets and commands.
    """
    from dsgen import pipeline

    profiles, _ = _project_folders(profiles, Path("out"))
    page = pipeline.runbook_page(profiles, env, str(profiles))
    if out is None:
        sys.stdout.write(page)
        return
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise _usage(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    typer.echo(f"wrote the runbook of {env} to {out}")


@app.command("rules")
def list_rules() -> None:
    """List the rules with their ids (for --skip) and where each is checked
    (profile: by render; manifest: by validate; schema: by validate's engine)."""
    from dsgen import registry

    for rule in registry.rules().values():
        typer.echo(f"{rule.id}  {rule.name:22} {rule.checked:16} {rule.doc}")


@schemas_app.command("lock")
def schemas_lock(
    source: Path = typer.Option(..., "--from", metavar="DIR",
                                help="Folder holding the schema sets (catalog/, strimzi-0.45/)."),
    lock: Path = typer.Option(Path("schemas/lock.json"), "--lock", metavar="FILE", help="Lock file to write."),
) -> None:
    """Write the lock file: every schema of each set, with its sha256."""
    import json

    from dsgen.validate import cache

    data = cache.make_lock(source)
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    count = sum(len(s["files"]) for s in data["sets"].values())
    typer.echo(f"locked {count} schemas in {len(data['sets'])} sets into {lock}")


@schemas_app.command("sync")
def schemas_sync(
    source: str = typer.Option(..., "--from", metavar="DIR|URL", help="Folder or URL holding the schema sets."),
    lock: Optional[Path] = typer.Option(None, "--lock", metavar="FILE",
                                        help="Lock file to follow (default: the one dsgen ships)."),
) -> None:
    """Fill the local schema cache from the lock file, verifying every hash."""
    from dsgen.validate import cache

    written = cache.sync(source, cache.read_lock(lock))
    typer.echo(f"synced {written} schemas into {cache.cache_dir()}")


app.add_typer(schemas_app, name="schemas")


@app.command("schema")
def schema(
    output: Path = typer.Option(Path("schemas"), "--output", "-o", metavar="DIR",
                                help="Folder to write the profile JSON schemas into."),
) -> None:
    """Write the JSON schemas of profiles, for editors and CI: profile.schema.json
    (complete profiles) and profile-extends.schema.json (profiles that extend
    another: every key optional)."""
    import json

    from dsgen.models import json_schemas

    output.mkdir(parents=True, exist_ok=True)
    for name, data in json_schemas().items():
        (output / name).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {output / name}")


@app.command("explain")
def explain(key: str = typer.Argument("", metavar="KEY",
                                       help="Dotted profile key, e.g. postgres.poolers.*.poolMode.")) -> None:
    """Explain a profile key: its type, default, meaning and the keys below it."""
    from dsgen.explain import explain as text

    sys.stdout.write(text(key))


@app.command("init")
def init(
    directory: Path = typer.Argument(..., metavar="DIR", help="Folder of the new repository."),
    example: str = typer.Option("ecotrack", "--example", **_choices(EXAMPLES),
                                help="Profiles to start from: the full EcoTrack layer, or one PostgreSQL."),
    force: bool = typer.Option(False, "--force", help="Write into a folder that is not empty."),
    hooks_repo: Optional[str] = typer.Option(
        None, "--hooks-repo", metavar="URL",
        help="Git repository of dsgen's pre-commit hooks (default: run the installed dsgen)."),
) -> None:
    """Scaffold a GitOps repository: profiles/, dsgen.yaml, editor schemas,
    pre-commit hooks, a CI workflow and a README explaining the loop."""
    from dsgen import scaffold

    written = scaffold.init(directory, example, force, hooks_repo)
    typer.echo(f"created {len(written)} files in {directory} ({example} example); next:\n"
               f"  cd {directory} && dsgen render --all && dsgen validate --all")


def _project_folders(profiles: Optional[Path], out: Optional[Path]) -> tuple[Path, Path]:
    """Options win; then the nearest dsgen.yaml; then ./profiles and ./out."""
    if profiles is not None and out is not None:
        return profiles, out
    from dsgen import config

    project = config.load(Path.cwd())
    return (profiles or project.profiles or Path("profiles"), out or project.out or Path("out"))


def _usage(message: str) -> DsgenError:
    from dsgen.errors import UsageError

    return UsageError(message)


def main() -> None:
    """Entry point: the one error boundary of dsgen."""
    try:
        # --debug is a global option, accepted after the subcommand too.
        args = sys.argv[1:]
        if "--debug" in args:
            _state["debug"] = True
            args = ["--debug", *(a for a in args if a != "--debug")]
        # Without standalone mode click returns the code of typer.Exit.
        code = app(args=args, prog_name="dsgen", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else EXIT_OK)
    except DsgenError as exc:
        for line in exc.lines():
            _err(line)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _err("aborted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the boundary
        # typer ships its own copy of click: recognise its usage errors by shape.
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if _state["debug"]:
            traceback.print_exc()
        _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        sys.exit(EXIT_INTERNAL)
