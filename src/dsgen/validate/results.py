"""Validation results are values; writers turn them into text, JSON or JUnit."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr


class Status(str, Enum):
    VALID = "valid"
    INVALID = "invalid"  # the document breaks a schema or a rule
    ERROR = "error"  # it could not be checked (no schema, unreadable)
    SKIPPED = "skipped"  # deliberately not checked (with the reason)
    WARNING = "warning"  # refers to an object the input may not hold (not --closed); does not fail


@dataclass(frozen=True)
class Result:
    status: Status
    source: str  # the overlay (or file) the document came from
    kind: str = ""
    name: str = ""
    api_version: str = ""
    message: str = ""
    path: str = ""  # JSON path inside the document, e.g. /spec/instances
    rule: str = ""  # rule id, e.g. DSG001
    file: str = ""  # the file in out/ that defines the resource, when known
    namespace: str = ""  # the resource's namespace, when it has one

    @property
    def resource(self) -> str:
        return f"{self.kind}/{self.name}" if self.kind else self.name


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(r.status in (Status.INVALID, Status.ERROR) for r in self.results)

    def counts(self) -> Counter:
        return Counter(r.status for r in self.results)

    def summary(self) -> str:
        c = self.counts()
        resources = len({(r.source, r.kind, r.namespace, r.name) for r in self.results})
        return (
            f"Summary: {resources} resources found in {len({r.source for r in self.results})} "
            f"overlays - Valid: {c[Status.VALID]}, Invalid: {c[Status.INVALID]}, "
            f"Errors: {c[Status.ERROR]}, Skipped: {c[Status.SKIPPED]}"
            + (f", Warnings: {c[Status.WARNING]}" if c[Status.WARNING] else "")
        )


# ---------------------------------------------------------------- writers

_COLORS = {Status.VALID: "32", Status.INVALID: "31", Status.ERROR: "31", Status.SKIPPED: "33",
           Status.WARNING: "33"}


def write_text(report: Report, summary: bool, color: bool = False) -> str:
    """Problems grouped by overlay; valid documents are not listed."""
    lines: list[str] = []
    by_source: dict[str, list[Result]] = {}
    for result in report.results:
        if result.status is not Status.VALID:
            by_source.setdefault(result.file or result.source, []).append(result)
    for source, results in by_source.items():
        lines.append(source)
        for r in results:
            label = r.status.value.upper()
            if r.file:
                label = f"{label} [{Path(r.source).name}]"
            if color:
                label = f"\033[{_COLORS[r.status]}m{label}\033[0m"
            rule = f"[{r.rule}] " if r.rule else ""
            what = f" {r.resource}{' ' + r.path if r.path else ''}:" if r.resource or r.path else ""
            lines.append(f"  {label}{what} {rule}{r.message}")
    if summary or not lines:
        lines.append(report.summary())
    return "\n".join(lines) + "\n"


def write_json(report: Report, summary: bool) -> str:
    """kubeconform's JSON fields (filename, kind, name, version, status, msg) plus ours."""
    resources = []
    for r in report.results:
        item = {
            "filename": r.file or r.source, "kind": r.kind, "name": r.name, "version": r.api_version,
            "status": f"status{r.status.value.capitalize()}", "msg": r.message,
        }
        if r.path:
            item["path"] = r.path
        if r.rule:
            item["rule"] = r.rule
        item["overlay"] = r.source
        resources.append(item)
    doc: dict = {"resources": resources}
    if summary:
        c = report.counts()
        doc["summary"] = {"valid": c[Status.VALID], "invalid": c[Status.INVALID],
                          "errors": c[Status.ERROR], "skipped": c[Status.SKIPPED]}
    return json.dumps(doc, indent=2) + "\n"


def write_junit(report: Report, summary: bool) -> str:
    suites: dict[str, list[Result]] = {}
    for r in report.results:
        suites.setdefault(r.source, []).append(r)
    c = report.counts()
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="dsgen" tests="{len(report.results)}" '
           f'failures="{c[Status.INVALID]}" errors="{c[Status.ERROR]}" skipped="{c[Status.SKIPPED]}">']
    for source, results in suites.items():
        sc = Counter(r.status for r in results)
        out.append(f'  <testsuite name={quoteattr(source)} tests="{len(results)}" '
                   f'failures="{sc[Status.INVALID]}" errors="{sc[Status.ERROR]}" '
                   f'skipped="{sc[Status.SKIPPED]}">')
        for r in results:
            name = quoteattr(f"{r.resource}{' ' + r.path if r.path else ''}"
                             f"{' ' + r.rule if r.rule else ''}")
            classname = quoteattr(r.api_version or "dsgen")
            body = escape(r.message)
            if r.status is Status.VALID:
                out.append(f"    <testcase name={name} classname={classname}/>")
            elif r.status is Status.INVALID:
                out.append(f"    <testcase name={name} classname={classname}>"
                           f"<failure message={quoteattr(r.message)}>{body}</failure></testcase>")
            elif r.status is Status.ERROR:
                out.append(f"    <testcase name={name} classname={classname}>"
                           f"<error message={quoteattr(r.message)}>{body}</error></testcase>")
            elif r.status is Status.WARNING:
                out.append(f"    <testcase name={name} classname={classname}>"
                           f"<system-out>warning: {body}</system-out></testcase>")
            else:
                out.append(f"    <testcase name={name} classname={classname}>"
                           f"<skipped message={quoteattr(r.message)}/></testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


WRITERS = {"text": write_text, "json": write_json, "junit": write_junit}
