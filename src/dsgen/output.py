"""Writing ``out/`` atomically, and comparing it with a fresh render.

The new tree is written into a hidden sibling folder and swapped with
``out/`` in one ``renameat2(RENAME_EXCHANGE)`` call where the system has it,
so a reader (or a render killed at any point) sees the old tree or the new
one, never a mix. Leftover temporary folders of a killed render are removed
on the next run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import difflib
import os
import shutil
from pathlib import Path

from dsgen.errors import OutputError
from dsgen.tree import MARKER

_TEMP_TAG = ".dsgen-"


def _temp_prefix(out: Path) -> str:
    return f".{out.name}{_TEMP_TAG}"


def read_tree(out: Path) -> dict[str, str]:
    """Every file under ``out`` (relative posix path -> text); {} if it is missing."""
    if not out.exists():
        return {}
    files: dict[str, str] = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            relative = path.relative_to(out).as_posix()
            try:
                files[relative] = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                files[relative] = "<unreadable>\n"
    return files


def check_target(out: Path) -> None:
    """Refuse an ``--out`` that is a file, or a folder dsgen did not make."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: --out must be a folder, not a file")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputError(
            f"{out}: holds files dsgen did not write (no {MARKER}); refusing to replace it. "
            "Point --out at an empty folder or at a tree dsgen rendered"
        )
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{out}: parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: parent folder {parent} is not writable")


def clean_leftovers(out: Path) -> None:
    parent = out.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith(_temp_prefix(out)) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def write_tree(out: Path, files: dict[str, str]) -> None:
    """Replace ``out`` with exactly ``files``, atomically."""
    check_target(out)
    clean_leftovers(out)
    temp = out.parent / f"{_temp_prefix(out)}new-{os.getpid()}"
    try:
        temp.mkdir()
        for relative, text in files.items():
            target = temp / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        _fsync_tree(temp)
        if out.exists():
            if _exchange(temp, out):
                shutil.rmtree(temp)  # now holds the old tree
                return
            old = out.parent / f"{_temp_prefix(out)}old-{os.getpid()}"
            os.rename(out, old)
            os.rename(temp, out)
            shutil.rmtree(old)
        else:
            os.rename(temp, out)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise OutputError(f"{out}: cannot write: {exc.strerror or exc}") from None


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def unified_diff(out: Path, current: dict[str, str], fresh: dict[str, str]) -> str:
    """A unified diff from the tree on disk to a fresh render; '' when equal."""
    chunks = []
    for relative in sorted(set(current) | set(fresh)):
        old, new = current.get(relative), fresh.get(relative)
        if old == new:
            continue
        chunks.extend(difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            fromfile=f"{out}/{relative}" if old is not None else "/dev/null",
            tofile=f"{out}/{relative}" if new is not None else "/dev/null",
        ))
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)
