"""The one error hierarchy of dsgen.

Everything below the CLI raises a :class:`DsgenError` subclass; the CLI is the
single boundary that prints ``error.lines()`` and exits with ``error.exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Exit codes, documented in the README and in ``dsgen --help``.
EXIT_OK = 0
EXIT_FAILED = 1  # invalid documents, or drift found by --check
EXIT_INPUT = 2  # bad profile, bad usage, unreadable input
EXIT_TOOL = 3  # an external tool (kubectl, kubeconform) failed
EXIT_INTERNAL = 4  # a bug in dsgen


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and optionally a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, which key, and why."""

    location: Location
    message: str
    key: str = ""
    rule: str = ""  # the id of the rule that found it, as `dsgen rules` lists it

    def __str__(self) -> str:
        key = f"{self.key}: " if self.key else ""
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{self.location}: {key}{self.message}{rule}"


class DsgenError(Exception):
    """Base class of every error dsgen reports to a user."""

    exit_code = EXIT_INPUT

    def lines(self) -> list[str]:
        return [str(self)]


class UsageError(DsgenError):
    """The command line asks for something that cannot be done."""


class ProfileError(DsgenError):
    """One or more problems in the profiles; each renders as one line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(
            problems,
            key=lambda p: (p.location.file, p.location.line or 0, p.location.column or 0, p.key),
        )
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    @classmethod
    def single(cls, file: str, message: str, line: int | None = None,
               column: int | None = None, key: str = "") -> "ProfileError":
        return cls([Problem(Location(file, line, column), message, key)])


class OutputError(DsgenError):
    """The output folder cannot be written as asked."""


class ToolError(DsgenError):
    """An external tool failed: names the command, its exit code and stderr."""

    exit_code = EXIT_TOOL

    def __init__(self, command: list[str] | str, returncode: int | None, stderr: str):
        self.command = command if isinstance(command, str) else " ".join(command)
        self.returncode = returncode
        self.stderr = stderr.strip()
        code = "could not start" if returncode is None else f"exited {returncode}"
        super().__init__(f"{self.command}: {code}: {_detail(self.stderr)}")


def _detail(stderr: str) -> str:
    """The line of a tool's stderr that says what failed: its last ``Error:``
    line with the indented lines under it (helm's template errors span three),
    else its last line."""
    lines = stderr.splitlines()
    if not lines:
        return "no output on stderr"
    starts = [i for i, line in enumerate(lines) if line.lower().startswith("error:")]
    if not starts:
        return lines[-1]
    said = [lines[starts[-1]]]
    for line in lines[starts[-1] + 1:]:
        if not line.startswith((" ", "\t")):
            break
        said.append(line.strip())
    return " ".join(said)


def find_tool(program: str, override: str, what: str, hint: str) -> str:
    """The external tool to run: ``$override`` when set, else the one
    installed beside dsgen's Python (pip and ``make tools`` put them there),
    else the one on PATH; a ToolError saying ``hint`` when there is none."""
    import os
    import shutil
    import sys
    from pathlib import Path

    chosen = os.environ.get(override)
    if chosen:
        return chosen
    beside = Path(sys.executable).parent / program
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(program)
    if found:
        return found
    raise ToolError(what, None, f"{program} not found: {hint} or set {override}")


def run_tool(command: list[str], accept: tuple[int, ...] = (0,), timeout: int = 300):
    """Run an external tool; any exit code outside ``accept`` is a ToolError."""
    import subprocess

    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (FileNotFoundError, PermissionError) as exc:
        raise ToolError(command, None, f"{command[0]}: {exc.strerror or 'cannot run'}") from None
    except subprocess.TimeoutExpired:
        raise ToolError(command, None, f"timed out after {timeout} s") from None
    if done.returncode not in accept:
        raise ToolError(command, done.returncode, done.stderr)
    return done
