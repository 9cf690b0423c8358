"""kubeconform as a validation engine, through its command line.

dsgen passes the built documents of an overlay in a file, with the same schema
locations, and reads kubeconform's JSON output back into the same result
values the builtin engine gives.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from dsgen.errors import ToolError, run_tool
from dsgen.validate.results import Result, Status
from dsgen.validate.schemas import SchemaLocation

_STATUS = {
    "statusValid": Status.VALID,
    "statusInvalid": Status.INVALID,
    "statusError": Status.ERROR,
    "statusSkipped": Status.SKIPPED,
}


def find() -> str | None:
    """``$DSGEN_KUBECONFORM``, else ``kubeconform`` on PATH, else None."""
    return os.environ.get("DSGEN_KUBECONFORM") or shutil.which("kubeconform")


def arguments(binary: str, locations: list[str], kubernetes: str, files: list[str]) -> list[str]:
    command = [binary, "-strict", "-summary", "-verbose", "-output", "json",
               "-kubernetes-version", _full_version(kubernetes)]
    for spec in locations:
        command += ["-schema-location", SchemaLocation.parse(spec).template]
    return command + files


def _full_version(version: str) -> str:
    parts = version.lstrip("v").split(".")
    return ".".join((parts + ["0", "0"])[:3])


def parse(output: str, source: str, command: list[str]) -> list[Result]:
    """kubeconform's ``-output json`` as results; a garbled output is a tool error."""
    try:
        data = json.loads(output)
        resources = data["resources"]
        if not isinstance(resources, list):
            raise TypeError("resources is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise ToolError(command, 0, f"unreadable JSON output ({exc}): {output[:200]!r}") from None
    results: list[Result] = []
    for item in resources:
        status = _STATUS.get(item.get("status", ""))
        if status is None:
            raise ToolError(command, 0, f"unknown status {item.get('status')!r} in its output")
        common = dict(source=source, kind=item.get("kind", ""), name=item.get("name", ""),
                      api_version=item.get("version", ""))
        message = item.get("msg", "")
        errors = item.get("validationErrors") or []
        if status is Status.INVALID and errors:
            for error in errors:
                results.append(Result(status, message=error.get("msg", message),
                                      path=error.get("path", "") or "/", rule="DSG001", **common))
        elif status is Status.INVALID:
            results.append(Result(status, message=message, path="/", rule="DSG001", **common))
        elif status is Status.ERROR:
            rule = "DSG002" if "could not find schema" in message else ""
            results.append(Result(status, message=message, rule=rule, **common))
        else:
            results.append(Result(status, message=message, **common))
    return results


def validate(text: str, source: str, locations: list[str], kubernetes: str,
             binary: str | None = None) -> list[Result]:
    """Run kubeconform on one overlay's built YAML."""
    binary = binary or find()
    if not binary:
        raise ToolError("kubeconform", None, "kubeconform not found on PATH (or set DSGEN_KUBECONFORM)")
    with tempfile.TemporaryDirectory(prefix="dsgen-kubeconform-") as folder:
        path = Path(folder) / "overlay.yaml"
        path.write_text(text, encoding="utf-8")
        command = arguments(binary, locations, kubernetes, [str(path)])
        # 0: all valid; 1: some invalid or errors. Anything else is kubeconform failing.
        done = run_tool(command, accept=(0, 1))
        return parse(done.stdout, source, command)
