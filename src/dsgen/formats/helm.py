"""The Helm format: renders of base and environments -> one Helm chart.

Layout::

    Chart.yaml
    README.md                    the environments, and how to check a Helm user's values
    values.yaml                  the base profile (what ``out/base`` renders)
    values-<env>.yaml            what each environment's profile changes of it
    values.schema.json           the profile's JSON schema: helm refuses a wrong
                                 type or an unknown key
    templates/<service>/<kind>-<name>.yaml

The values are the profiles themselves, plus ``environment`` (the name
dsgen renders for) and ``derived`` (the few fields dsgen computes from
several keys, per environment). Templates are traced from the renders
(:mod:`dsgen.formats.tracing`), so that ``helm template data CHART -f
CHART/values-<env>.yaml`` yields exactly the documents of the environment.

An environment is built with the real helm: the ``helm`` installed beside
dsgen (``make tools``) is preferred over one on PATH; ``DSGEN_HELM``
overrides both.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from dsgen import __version__, yamlio
from dsgen.errors import EXIT_INTERNAL, DsgenError, ToolError, find_tool, run_tool
from dsgen.platform.delivery import RELEASE, values_file
from dsgen.rules import same

if TYPE_CHECKING:
    from dsgen.formats.base import Rendered
    from dsgen.render import Resource

TEMPLATES = "templates"
_EXCLUDED = (".dsgen-tree",)


@lru_cache(maxsize=1)
def helm() -> str:
    return find_tool("helm", "DSGEN_HELM", "helm template",
                     "install Helm v3 or v4 (make tools puts one in .venv/bin)")


def template(chart: Path, values: list[Path], namespace: str | None = None) -> str:
    """``helm template data CHART -f VALUES...``: the rendered multi-document YAML."""
    command = [helm(), "template", RELEASE, str(chart)]
    for path in values:
        command += ["-f", str(path)]
    if namespace:
        command += ["--namespace", namespace]
    return run_tool(command).stdout


class ChartProblem(DsgenError):
    """The renders hold something the chart cannot say: a bug in dsgen, not the profile."""

    exit_code = EXIT_INTERNAL


class Helm:
    name = "helm"
    companions = False  # the OpenBao, runbook and GitOps files belong to the Kustomize tree

    # ------------------------------------------------------------ writing

    def plan(self, base: Rendered, envs: list[Rendered]) -> dict[str, str]:
        from dsgen.formats import tracing
        from dsgen.models import json_schema

        schema = json_schema()
        variants = [_variant(r) for r in (base, *envs)]
        tracer = tracing.Tracer(variants, tracing.switches(schema), tracing.collections(schema))
        try:
            templates = tracer.templates()
        except tracing.TraceProblem as exc:
            raise ChartProblem(f"cannot write the chart: {exc}") from None
        files: dict[str, str] = {
            "Chart.yaml": _chart(base),
            "README.md": _readme(base, envs),
            ".helmignore": "".join(f"{name}\n" for name in _EXCLUDED),
            "values.schema.json": json.dumps(_values_schema(schema), indent=2, sort_keys=True) + "\n",
        }
        for item in templates:
            files[_template_path(item.service, item.key, item.each)] = _template_text(item, base)
        base_values = {**variants[0].values, tracing.DERIVED: tracer.derived[base.env]}
        files["values.yaml"] = _values_text(base, {}, base_values, _values_header(base, None))
        for rendered, variant in zip(envs, variants[1:]):
            derived = _coalesce(tracer.derived[base.env], tracer.derived[rendered.env])
            full = {**variant.values, tracing.DERIVED: derived}
            changes = _overrides(base_values, full)
            if not same(_coalesce(base_values, changes), full):
                raise _conflict(base_values, full, rendered)
            files[values_file(rendered.env)] = _values_text(rendered, base_values, full,
                                                            _values_header(rendered, base), changes)
        return files

    def standalone(self, resources: list[Resource], header: list[str]) -> dict[str, str]:
        """``dsgen recover`` writes a Kustomize folder whatever the tree's format."""
        from dsgen.formats.kustomize import Kustomize

        return Kustomize().standalone(resources, header)

    def scope(self, env: str) -> tuple[str, ...]:
        # templates are the union of every environment: a change to one is a change to the chart
        return ("Chart.yaml", "README.md", ".helmignore", "values.yaml", "values.schema.json", f"{TEMPLATES}/",
                values_file(env))

    # ------------------------------------------------------------ reading

    def environments(self, out: Path) -> list[str]:
        if not (out / "Chart.yaml").is_file():
            return []
        return sorted(p.name[len("values-"):-len(".yaml")] for p in out.glob("values-*.yaml") if p.is_file())

    def location(self, out: Path, env: str) -> Path:
        return out / values_file(env)

    def sources(self, out: Path, envs: list[str]) -> list[Path]:
        """The chart's YAML files (its templates are Go templates: helm's own message names them)."""
        files = [out / "Chart.yaml", out / "values.yaml", *(out / values_file(e) for e in envs)]
        return [p for p in files if p.is_file()]

    def build(self, out: Path, env: str) -> str:
        return template(out, [self.location(out, env)])

    def documents(self, out: Path, env: str, tree: dict[str, str] | None = None) -> list[dict] | None:
        """The chart as helm renders it for ``env`` (None without helm or without that environment)."""
        if not self.location(out, env).is_file():
            return None
        try:
            text = self.build(out, env)
        except ToolError:
            return None
        return [d for d in yamlio.load_documents(text, str(self.location(out, env))) if isinstance(d, dict)]

    def origin(self, out: Path, env: str) -> Callable[[str, str, str], str]:
        """The template that writes each resource (``templates/<service>/<kind>-<name>.yaml``)."""
        files: dict[tuple[str, str], str] = {}
        each: dict[str, str] = {}  # a kind's template over a collection's entries
        for path in sorted((out / TEMPLATES).glob("*/*.yaml")):
            kind, _, name = path.stem.partition("-")
            files.setdefault((kind, name), str(path))
            if name.startswith("each-"):
                each.setdefault(kind, str(path))

        def origin(kind: str, name: str, pointer: str) -> str:
            return files.get((kind.lower(), name)) or each.get(kind.lower(), "")

        return origin


# ---------------------------------------------------------------- the chart's files


def _variant(rendered: Rendered):
    from dsgen.formats.tracing import ENVIRONMENT, Variant

    values = {**rendered.loaded.data, ENVIRONMENT: rendered.env}
    return Variant(rendered.env, values, {r.identity: r.doc for r in rendered.resources},
                   {r.identity: r.service for r in rendered.resources})


def _template_path(service: str, key: tuple, each: tuple | None = None) -> str:
    """``<kind>-<name>.yaml``, or ``<kind>-each-<collection>.yaml`` for one over a collection's entries."""
    _, kind, _, name = key
    return f"{TEMPLATES}/{service}/{kind.lower()}-{'each-' + '-'.join(each) if each else name}.yaml"


def _template_text(item, base: Rendered) -> str:
    from dsgen.formats import tracing

    lines = [f"{{{{- /* Written by dsgen from {', '.join(base.loaded.sources)} and the environments' "
             "profiles: change those, not this file. */}}"]
    body = tracing.write(item.node, 0)
    if item.condition is not None:
        body = [f"{{{{- if {tracing.cond_expr(item.condition)} }}}}", *body, "{{- end }}"]
    if item.each is not None:
        body = tracing.each(item.each, body)
    return "\n".join([*lines, *body]) + "\n"


def _chart(base: Rendered) -> str:
    profile = base.loaded.profile
    chart = {
        "apiVersion": "v2",
        "name": f"{profile.platform}-data-services",
        "description": (f"The data services of {profile.platform} (PostgreSQL, Redis, Kafka and what "
                        "surrounds them), one values file per environment."),
        "type": "application",
        "version": __version__,
        "annotations": {"dsgen/profiles": ", ".join(base.loaded.sources)},
    }
    return yamlio.dump(chart, ["Written by dsgen render --format helm: change the profiles, not this file."])


def _readme(base: Rendered, envs: list[Rendered]) -> str:
    """What ``helm show readme`` prints: the environments and how to check values."""
    profile = base.loaded.profile
    rows = "".join(f"| {r.env} | `values-{r.env}.yaml` | `{', '.join(r.loaded.sources)}` |\n" for r in envs)
    return f"""# {profile.platform}-data-services

The data services of {profile.platform}, written by `dsgen render --format helm`
from the profiles named below: change the profiles and export again rather
than editing this chart.

| environment | values | profiles |
| --- | --- | --- |
{rows}
```sh
helm upgrade --install {RELEASE} . -f values-<environment>.yaml --namespace {profile.namespace}
```

The values are dsgen profiles (`dsgen explain KEY` documents each key);
`values.schema.json` is their schema. `environment` names what the values
render; `derived` holds the few fields dsgen computes from several keys.
The chart follows a value where it reaches the manifests as it is. To check
a set of values against dsgen's rules, and to see what the chart does not
follow, run:

```sh
dsgen validate . --values values-<environment>.yaml --values your-values.yaml
```
"""


def _values_header(rendered: Rendered, base: Rendered | None) -> list[str]:
    sources = ", ".join(rendered.loaded.sources)
    if base is None:
        return [f"The base profile ({sources}): what every environment shares.",
                "environment: the name dsgen renders for. derived: the fields dsgen computes from",
                "several keys (NetworkPolicy peers, alert thresholds in words); they follow the",
                "profiles when the chart is exported again, not when a value here changes."]
    return [f"Environment {rendered.env}: what {sources} change of the base.",
            f"helm template {RELEASE} . -f {values_file(rendered.env)}"]


_EXTENDS = re.compile(r"^extends:[^\n]*\n", re.MULTILINE)
_SCHEMA_COMMENT = re.compile(r"^# yaml-language-server: \$schema=[^\n]*\n(#\n)?", re.MULTILINE)


def _values_text(rendered: Rendered, under: dict, full: dict, header: list[str],
                 changes: dict | None = None) -> str:
    """A values file: the profile's own file, comments and all, when it says
    exactly what helm must read (a file that extends the base directly, read
    by a YAML 1.1 reader as dsgen reads it), then ``environment`` and
    ``derived``; else the changes to ``under`` written out."""
    from dsgen.formats.tracing import DERIVED, ENVIRONMENT

    said = full if changes is None else changes
    extra = {ENVIRONMENT: full[ENVIRONMENT], **({DERIVED: said[DERIVED]} if DERIVED in said else {})}
    chain = rendered.loaded.paths
    if len(chain) == (1 if changes is None else 2) and chain[0].name == "base.yaml":
        text = chain[-1].read_text(encoding="utf-8")
        if changes is not None:
            text = _EXTENDS.sub("", text, count=1)
        own = yamlio.load_yaml_1_1(text)
        if isinstance(own, dict) and same(_coalesce(under, {**own, **extra}), full):
            # an editor checks values.yaml against the chart's schema; an environment's file alone is partial
            schema = "# yaml-language-server: $schema=values.schema.json\n#\n" if changes is None else ""
            text = _SCHEMA_COMMENT.sub(schema, text, count=1)
            tail = yamlio.dump(extra, ["Written by dsgen: the environment this file renders, and the fields",
                                       "dsgen computes from several keys (see values.yaml)."])
            return "".join(f"# {line}\n" for line in header) + "#\n" + text.rstrip("\n") + "\n\n" + tail
    return yamlio.dump(changes if changes is not None else full, header)


def _values_schema(schema: dict[str, Any]) -> dict[str, Any]:
    from dsgen.formats.tracing import DERIVED, ENVIRONMENT

    schema = json.loads(json.dumps(schema))
    schema["title"] = "values of a dsgen chart: a dsgen profile"
    schema["properties"][ENVIRONMENT] = {
        "type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,62}$",
        "description": "The environment these values render (base: the profiles' base).",
    }
    schema["properties"][DERIVED] = {
        "type": "object", "additionalProperties": {"type": "object"},
        "description": "Fields dsgen computes from several profile keys, by resource and JSON pointer; "
                       "written by dsgen render --format helm.",
    }
    schema["required"] = sorted({*schema.get("required", ()), ENVIRONMENT})
    return schema


def _overrides(base: dict, full: dict) -> dict:
    """What a values file sets over ``base`` to make ``full``: changed keys, nulls for removed ones."""
    out: dict[str, Any] = {key: None for key in base if key not in full}
    for key, value in full.items():
        if key not in base:
            out[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict):
            inner = _overrides(base[key], value)
            if inner:
                out[key] = inner
        elif not same(value, base[key]):
            out[key] = value
    return dict(sorted(out.items(), key=lambda kv: list(full).index(kv[0]) if kv[0] in full else len(full)))


def _coalesce(base: dict, over: dict) -> dict:
    """Helm's merge of a values file over the chart's: maps merge, null removes
    a key, and a map is never replaced by anything but a map."""
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(out.get(key), dict):
            if isinstance(value, dict):
                out[key] = _coalesce(out[key], value)
        else:
            out[key] = value
    return out


def _conflict(base: dict, full: dict, rendered: Rendered) -> DsgenError:
    """Why a values file cannot say what this environment's profile says."""
    from dsgen.errors import ProfileError
    from dsgen.profiles import map_replaced

    path = map_replaced(base, full)
    if path is None:  # _overrides and _coalesce disagree: dsgen's fault, not the profile's
        return ChartProblem(f"{rendered.env}: its values file would not give helm the environment's profile")
    dotted = ".".join(map(str, path))
    file, line, column = rendered.loaded.positions.get(path, (rendered.loaded.files[-1], None, None))
    return ProfileError.single(file, f"is a map in the base profile and not here; a Helm values file never "
                               f"replaces a map of the chart's values with anything else: write {path[-1]} "
                               "as a map here too, or keep to --format kustomize", line, column, dotted)
