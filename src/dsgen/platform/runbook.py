"""The runbook, one page per environment (``runbook/<environment>.md``, written
beside the tree; ``dsgen runbook`` prints it): the design's recovery
objectives against what the configuration gives, each service's backups and
restore procedure (``Component.recovery``), and what each alert means and
what to do (``Component.alerts``). Each alert's runbook_url points at its
section, whose anchor is the alert's name in lower case."""

from __future__ import annotations

from typing import Any

from dsgen.components.base import Sections
from dsgen.contract import Context


def page(profile: Any, environment: str, header: list[str], sections: Sections) -> str:
    """The runbook of one environment, in Markdown: recovery objectives,
    backups and restore procedures with the environment's own names, then
    what each alert means (when the environment is monitored)."""
    ctx = Context.of(profile, environment)
    recoveries = [c.recovery(ctx, s) for c, s in sections if c.recovery is not None]
    lines = [f"<!-- {line} -->" for line in header]
    lines += [f"# Runbook: {profile.platform} data services, {environment}", "",
              "Generated from the profiles with the tree (`dsgen runbook --env "
              f"{environment}` prints it), so the names below are this environment's.", ""]
    if recoveries:
        lines += ["## Recovery objectives", "",
                  "| service | RTO (design) | RPO (design) | data this environment can lose |",
                  "|---|---|---|---|"]
        lines += [f"| {r.service} | {r.rto} | {r.rpo} | {r.achieved} |" for r in recoveries]
        lines.append("")
        for r in recoveries:
            lines += [f"## Restoring {r.service}", "", "Backups:", ""]
            lines += [f"- {b}" for b in r.backups]
            lines += ["", "Procedure:", ""]
            lines += [f"{index}. {step}" for index, step in enumerate(r.steps, 1)]
            lines.append("")
    if profile.monitoring is not None:
        lines += ["## Alerts", "",
                  "What each alert means and what to do first. Alerts link here by their name in lower case.", ""]
        for component, section in sections:
            if component.alerts is None:
                continue
            lines += [f"### {component.name}", ""]
            for alert in component.alerts(ctx, section):
                lines += [f"#### {alert.name}", "",
                          f"Severity **{alert.severity}**, after {alert.for_}: `{alert.expr}`", "",
                          alert.description, ""]
                lines += [f"{index}. {step}" for index, step in enumerate(alert.steps, 1)]
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def files(profile: Any, environment: str, header: list[str], sections: Sections) -> dict[str, str]:
    return {f"runbook/{environment}.md": page(profile, environment, header, sections)}
