"""The runbook: what each alert means and what to do, one page per environment
(``runbook/<environment>.md``), written beside the tree. Each alert's
runbook_url points at its section, whose anchor is the alert's name in lower
case. Each component says which alerts it renders (``Component.alerts``)."""

from __future__ import annotations

from typing import Any

from dsgen.components.base import Context


def runbook_path(ctx: Context) -> str:
    """Where the alerts link: the profile's ``monitoring.runbook``, else the page dsgen writes."""
    return ctx.monitoring["runbook"] or f"runbook/{ctx.environment}.md"


def files(profile: Any, environment: str, header: list[str]) -> dict[str, str]:
    from dsgen.components import COMPONENTS

    if profile.monitoring is None:
        return {}
    ctx = Context.of(profile, environment)
    lines = [f"<!-- {line} -->" for line in header]
    lines += [f"# Runbook: {profile.platform} data services, {environment}", "",
              "What each alert means and what to do first. Alerts link here by their name in lower case.", ""]
    for component in COMPONENTS.values():
        section = component.section(profile)
        if section is None or component.alerts is None:
            continue
        lines += [f"## {component.name}", ""]
        for alert in component.alerts(ctx, section):
            lines += [f"### {alert.name}", "",
                      f"Severity **{alert.severity}**, after {alert.for_}: `{alert.expr}`", "",
                      alert.description, ""]
            lines += [f"{index}. {step}" for index, step in enumerate(alert.steps, 1)]
            lines.append("")
    return {f"runbook/{environment}.md": "\n".join(lines).rstrip("\n") + "\n"}
