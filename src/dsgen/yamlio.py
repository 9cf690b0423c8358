"""YAML in and out: the only module that configures ruamel.yaml.

Reading a profile keeps the line and column of every key and item so that a
problem found later can name them. Writing a manifest is deterministic (key
order as built, fixed width, no timestamps) and quotes every string that a
YAML 1.1 reader such as the Kubernetes API server would take for something
else (``yes``, ``on``, ``012``, ``1e3``, ``~`` ...).
"""

from __future__ import annotations

import io
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
try:
    from ruamel.yaml.cyaml import CParser
except ImportError:  # no ruamel.yaml.clib for this platform: the pure-Python loader only
    CParser = None
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                                SequenceEndEvent, SequenceStartEvent, StreamEndEvent)
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.representer import RoundTripRepresenter

from dsgen.errors import ProfileError

# A path into a document: mapping keys and sequence indexes.
KeyPath = tuple[Any, ...]
# Where each path of a document was written: 1-based line and column.
Positions = dict[KeyPath, tuple[int, int]]

# More nodes than this after alias expansion is an anchor/alias bomb, not a profile.
MAX_NODES = 200_000
MAX_FILE_BYTES = 4 * 1024 * 1024


# ---------------------------------------------------------------- reading


def read_text(path: Path, shown: str) -> str:
    """Read a UTF-8 file, reporting undecodable bytes by line and column."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise ProfileError.single(shown, "is a directory, not a YAML file") from None
    except FileNotFoundError:
        raise ProfileError.single(shown, "no such file") from None
    except PermissionError:
        raise ProfileError.single(shown, "cannot be read: permission denied") from None
    except OSError as exc:
        raise ProfileError.single(shown, f"cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ProfileError.single(shown, f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ProfileError.single(
            shown, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line, column
        ) from None


def _yaml_problem(shown: str, exc: YAMLError, text: str = "") -> ProfileError:
    """Turn a ruamel error into one line naming file, line and column."""
    if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or str(exc)
        if _char_at(text, mark.line, mark.column) == "\t" or "found character '\\t'" in problem:
            problem = "tabs are not allowed in YAML indentation; use spaces"
        elif "duplicate key" in problem or "duplicate key" in str(exc):
            key = re.search(r'duplicate key "?([^"]*?)"? with value', str(exc))
            problem = f"duplicate key {key.group(1)!r}" if key else "duplicate key"
        elif exc.context_mark is not None and exc.context in _UNCLOSED:
            # Name where the construct started, which is where the mistake is.
            start = exc.context_mark
            found = _found(text, mark.line, mark.column)
            return ProfileError.single(
                shown, f"{_UNCLOSED[exc.context]} (found {found} at {mark.line + 1}:{mark.column + 1})",
                start.line + 1, start.column + 1)
        elif exc.context_mark is not None and exc.context == "while parsing a block mapping":
            start = exc.context_mark
            problem = (f"{problem}: this line's indentation does not line up with the mapping "
                       f"that starts at {start.line + 1}:{start.column + 1}")
        return ProfileError.single(shown, problem.strip(), mark.line + 1, mark.column + 1)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ProfileError.single(shown, first)


_UNCLOSED = {
    "while parsing a flow sequence": "this '[' is never closed",
    "while parsing a flow mapping": "this '{' is never closed",
    "while scanning a quoted scalar": "this quoted string is never closed",
}


def _found(text: str, line: int, column: int) -> str:
    """What stands at a position, for messages: a character or the end of file."""
    lines = text.split("\n")
    if line >= len(lines) or (line == len(lines) - 1 and column >= len(lines[line])) \
            or not "".join(lines[line:]).strip():
        return "end of file"
    char = _char_at(text, line, column)
    return repr(char) if char.strip() else "a line break"


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column:column + 1] if 0 <= line < len(lines) else ""


# The C parser composes nodes that carry their positions; ruamel's round-trip
# loader would too, at ten times the cost.
_COMPOSER = YAML(typ="safe", pure=False)


def load_mapping(path: Path, shown: str) -> tuple[dict[str, Any], Positions]:
    """Load one YAML file that must hold exactly one mapping.

    Returns the plain data (dicts, lists, scalars) and the 1-based position of
    every key path in it.
    """
    text = read_text(path, shown)
    try:
        documents = list(_COMPOSER.compose_all(text))
    except YAMLError as exc:
        raise _yaml_problem(shown, exc, text) from None
    documents = [d for d in documents if not _is_null(d)]
    if not documents:
        raise ProfileError.single(shown, "is empty; a profile is a YAML mapping")
    if len(documents) > 1:
        mark = documents[1].start_mark
        raise ProfileError.single(
            shown, "holds several YAML documents; a profile is exactly one mapping", mark.line + 1, 1
        )
    root = documents[0]
    if not isinstance(root, MappingNode):
        raise ProfileError.single(shown, f"must be a YAML mapping, not {_node_kind(root)}", 1, 1)
    positions: Positions = {}
    counter = [0]
    try:
        data = _plain(root, (), positions, counter, shown)
    except RecursionError:
        raise ProfileError.single(shown, "is nested too deeply (or an alias refers to itself)") from None
    return data, positions


def _is_null(node: Any) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null"))


def _node_kind(node: Any) -> str:
    return "a list" if isinstance(node, SequenceNode) else _kind_of(_scalar(node))


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _plain(node: Any, path: KeyPath, positions: Positions, counter: list[int], shown: str) -> Any:
    """Plain Python from composed nodes, recording where each key and item is.

    Counts nodes as it goes so that an alias bomb fails fast instead of
    expanding into gigabytes.
    """
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise ProfileError.single(
            shown, f"expands to more than {MAX_NODES} values (anchor/alias expansion?)"
        )
    if isinstance(node, MappingNode):
        _COMPOSER.constructor.flatten_mapping(node)  # applies << merge keys
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, ScalarNode) else key_node
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key, str):
                kind = _kind_of(key) if not isinstance(key, (MappingNode, SequenceNode)) else "a collection"
                raise ProfileError.single(shown, f"keys must be strings, not {kind} {key!r}"
                                          if kind != "a collection" else "keys must be strings", line, col)
            if key in out:
                raise ProfileError.single(shown, f"duplicate key {key!r}", line, col)
            positions[(*path, key)] = (line, col)
            out[key] = _plain(value_node, (*path, key), positions, counter, shown)
        return out
    if isinstance(node, SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            positions[(*path, index)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_plain(item, (*path, index), positions, counter, shown))
        return items
    return _scalar(node)


def _scalar(node: ScalarNode) -> Any:
    value = _COMPOSER.constructor.construct_object(node, deep=True)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    # Timestamps, binary and other YAML types have no place in a profile: keep the text.
    return node.value


class _KubernetesConstructor(SafeConstructor):
    """Values as the API server reads them: Kubernetes decodes YAML with go-yaml
    v2 into plain JSON types, where a plain scalar that looks like a timestamp
    stays a string (sigs.k8s.io/yaml yamlToJSON -> yaml.Unmarshal into
    interface{}, whose decoder keeps timestamps as strings "for backward
    compatibility"), and ``=`` (YAML 1.1's value key) is the string "="."""


_KubernetesConstructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
_KubernetesConstructor.add_constructor("tag:yaml.org,2002:value", SafeConstructor.construct_yaml_str)


class _Yaml12Resolver(VersionedResolver):
    """YAML 1.2's tags, without asking each scalar which version its document
    declared (ruamel does, at a third of the loading time): manifests carry no
    %YAML directive."""

    @property
    def processing_version(self) -> tuple[int, int]:
        return (1, 2)


def _loader() -> YAML:
    yaml = YAML(typ="safe", pure=False)  # the C parser when ruamel.yaml.clib is installed
    yaml.Constructor = _KubernetesConstructor
    yaml.Resolver = _Yaml12Resolver
    yaml.allow_duplicate_keys = False
    return yaml


# One loader per thread (building one costs more than a small file), with the
# values of the plain scalars it has read, by their text.
_LOADERS = threading.local()


def load_documents(text: str, shown: str) -> list[Any]:
    """Load a multi-document YAML stream of manifests (kustomize output, files in out/)."""
    yaml = getattr(_LOADERS, "yaml", None)
    if yaml is None:
        yaml = _LOADERS.yaml = _loader()
        _LOADERS.plain = {}
    try:
        documents = _from_events(yaml, text, _LOADERS.plain)
        if documents is None:  # something only the full constructor does, or reports
            documents = list(yaml.load_all(text))
        return [d for d in documents if d is not None]
    except YAMLError as exc:
        raise _yaml_problem(shown, exc, text) from None


class _Unusual(Exception):
    """Input the event reader leaves to ruamel's constructor: explicit tags,
    merge keys, duplicate or non-scalar keys, recursive aliases."""


_STR = "tag:yaml.org,2002:str"


def _plain_value(yaml: YAML, text: str, cache: dict[str, Any]) -> Any:
    """A plain scalar's value, resolved and constructed as ruamel's loader
    does it (so both readers agree by construction); kept in ``cache``."""
    tag = str(yaml.resolver.resolve(ScalarNode, text, (True, False)))
    if tag == "tag:yaml.org,2002:merge":
        raise _Unusual
    value: Any = text
    if tag != _STR:
        construct = yaml.constructor.yaml_constructors.get(tag)
        if construct is None:
            raise _Unusual
        value = construct(yaml.constructor, ScalarNode(tag, text, None, None))
    if len(cache) < 100_000:
        cache[text] = value
    return value


_NO_KEY = object()
_MISSING = object()


def _from_events(yaml: YAML, text: str, cache: dict[str, Any] | None = None) -> list[Any] | None:
    """Documents built straight from the C parser's events: about twice as
    fast as composing nodes and constructing them, for the same values.
    None when the stream needs the full constructor (see _Unusual). ``cache``
    keeps plain scalars' values across calls."""
    if CParser is None:
        return None
    cache = {} if cache is None else cache
    documents: list[Any] = []
    anchors: dict[str, Any] = {}
    building: set[int] = set()  # ids of the containers not finished yet
    # The open containers, innermost last; for a mapping, the key read last
    # (waiting for its value) or _NO_KEY.
    containers: list[Any] = []
    keys: list[Any] = []
    top: Any = None
    nodes = 0
    parser = CParser(text)
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is ScalarEvent:
                if event.tag is not None and event.tag != "!":
                    raise _Unusual
                value = event.value
                if not event.style and event.implicit[0]:
                    known = cache.get(value, _MISSING)
                    value = _plain_value(yaml, value, cache) if known is _MISSING else known
                if event.anchor is not None:
                    anchors[event.anchor] = value
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.tag is not None and event.tag != "!":
                    raise _Unusual
                value = {} if kind is MappingStartEvent else []
                if event.anchor is not None:
                    anchors[event.anchor] = value
                building.add(id(value))
                nodes += 1
                if nodes > MAX_NODES:
                    raise _Unusual
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                if keys[-1] is not _NO_KEY:
                    raise _Unusual
                building.discard(id(containers.pop()))
                keys.pop()
                top = containers[-1] if containers else None
                continue
            elif kind is AliasEvent:
                if event.anchor not in anchors or id(anchors[event.anchor]) in building:
                    raise _Unusual
                value = anchors[event.anchor]
            elif kind is DocumentStartEvent:
                anchors = {}
                continue
            elif kind is StreamEndEvent:
                return documents
            else:
                continue
            # Put the value where the stream is: a document, a list item, a
            # key, or the value of the key read before it.
            if top is None:
                documents.append(value)
            elif type(top) is list:
                top.append(value)
            elif keys[-1] is _NO_KEY:
                if isinstance(value, (dict, list)) or value in top:
                    raise _Unusual  # a collection as a key, or a duplicate key: the constructor says which
                keys[-1] = value
            else:
                top[keys[-1]] = value
                keys[-1] = _NO_KEY
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                containers.append(value)
                keys.append(_NO_KEY)
                top = value
    except _Unusual:
        return None
    finally:
        parser.dispose()


# ---------------------------------------------------------------- writing

# Plain scalars a YAML 1.1 or 1.2 reader would not read back as a string.
_AMBIGUOUS = re.compile(
    r"""^(?:
        [-+]?(?:0|[1-9][0-9_]*)                       # decimal int
      | [-+]?0[0-7_]+ | 0o[0-7_]+                     # octal
      | [-+]?0x[0-9a-fA-F_]+ | [-+]?0b[01_]+          # hex, binary
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?   # sexagesimal
      | [-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?  # float
      | [-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+     # exponent
      | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
      | y|Y|yes|Yes|YES|n|N|no|No|NO
      | true|True|TRUE|false|False|FALSE
      | on|On|ON|off|Off|OFF
      | ~|null|Null|NULL
      | =|<<
      | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*              # timestamp
    )$""",
    re.VERBOSE,
)


class _Representer(RoundTripRepresenter):
    pass


# YAML line breaks besides \n, and characters it does not allow raw.
NEEDS_ESCAPE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def _represent_str(representer: RoundTripRepresenter, value: str):
    if "\n" in value and _block_safe(value):
        return representer.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if value == "" or _AMBIGUOUS.match(value) or NEEDS_ESCAPE.search(value):
        return representer.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return representer.represent_scalar("tag:yaml.org,2002:str", value)


def _block_safe(value: str) -> bool:
    """Literal block style keeps the text exactly only for plain printable lines."""
    if value.startswith((" ", "\t")) or value.endswith("\n\n") or "\r" in value:
        return False
    return all(
        line == line.rstrip(" \t") and line.isprintable() and not NEEDS_ESCAPE.search(line)
        for line in value.split("\n")
    )


_Representer.add_representer(str, _represent_str)


def _writer() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.allow_unicode = True
    yaml.explicit_start = False
    return yaml


_WRITER = _writer()


def dump(data: Any, header: list[str] | None = None) -> str:
    """Serialise one document; ``header`` lines become leading ``#`` comments."""
    prefix = "".join(f"# {line}\n" if line else "#\n" for line in header or [])
    try:
        return prefix + "".join(_fast(data, 0))
    except _Unsure:
        stream = io.StringIO()
        _WRITER.dump(data, stream)
        return prefix + stream.getvalue()


# ---------------------------------------------------------------- the fast path
# ruamel's emitter is pure Python and most of a render's time. The documents
# dsgen writes are mostly maps, lists, numbers and short plain strings: those
# are laid out here exactly as ruamel lays them out (mapping indent 2,
# sequence indent 4 with the dash at 2); anything else - a string that would
# need quoting other than "...", a float, a long or multi-line string -
# raises _Unsure and the whole document goes through ruamel. The golden
# tests hold the two to the same bytes.


class _Unsure(Exception):
    pass


# Plain scalars ruamel writes unquoted: no indicator first, no ": " or " #", no
# trailing space or colon, printable ASCII.
_PLAIN = re.compile(r"^[A-Za-z0-9_./$()=+^~][A-Za-z0-9_./$()=+^~@%:,<>\\ -]*$")
_DOUBLE_SAFE = re.compile(r"^[ -!#-\[\]-~]*$")  # printable ASCII but " and \


def _text(value: Any, key: bool = False) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str) or len(value) > 1000:
        raise _Unsure
    if value == "" or _AMBIGUOUS.match(value):
        if not _DOUBLE_SAFE.match(value):
            raise _Unsure
        return f'"{value}"'
    if not _PLAIN.match(value) or value.endswith((" ", ":")) or ": " in value or " #" in value \
            or value.startswith(("- ", "? ")):
        if key or "\n" in value:
            raise _Unsure
        return _as_ruamel_writes(value)
    return value


@lru_cache(maxsize=8192)
def _as_ruamel_writes(value: str) -> str:
    """A value the plain pattern above does not cover (PromQL, SQL, wildcards):
    exactly as ruamel writes it as a block mapping's value, which is how it
    writes it anywhere in a block, for one line well under the width."""
    stream = io.StringIO()
    _WRITER.dump({"k": value}, stream)
    text = stream.getvalue()
    if not text.startswith("k: ") or text.count("\n") != 1:
        raise _Unsure
    return text[3:-1]


def _fast(value: Any, indent: int):
    """Lines of ``value`` as a block at ``indent``."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            raise _Unsure  # a top-level {} (nested ones are written inline below)
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unsure
            yield from _entry(f"{pad}{_text(key, key=True)}:", item, indent)
        return
    if isinstance(value, list):
        if not value:
            raise _Unsure
        for item in value:
            yield from _item(item, indent + 2)
        return
    raise _Unsure


def _entry(lead: str, item: Any, indent: int):
    if isinstance(item, str) and "\n" in item:
        yield from _literal(lead, item, indent + 2)
    elif isinstance(item, dict) and item:
        yield lead + "\n"
        yield from _fast(item, indent + 2)
    elif isinstance(item, list) and item:
        yield lead + "\n"
        yield from _fast(item, indent)
    elif item == {} and isinstance(item, dict):
        yield lead + " {}\n"
    elif item == [] and isinstance(item, list):
        yield lead + " []\n"
    else:
        yield f"{lead} {_text(item)}\n"


def _literal(lead: str, text: str, indent: int):
    """A multi-line string as ruamel writes it with the representer above: a
    literal block (| keeping one final line break, |- for none) whose lines
    sit at ``indent``, empty lines left empty. What the representer would
    not write as a block goes to ruamel."""
    if not _block_safe(text) or text.startswith("\n"):
        raise _Unsure  # (a leading empty line makes ruamel add an indentation indicator)
    body = text[:-1] if text.endswith("\n") else text
    yield lead + (" |\n" if text.endswith("\n") else " |-\n")
    pad = " " * indent
    for line in body.split("\n"):
        yield (pad + line if line else "") + "\n"


def _item(item: Any, dash: int):
    """One sequence item, its dash at ``dash`` and its content two further in."""
    pad = " " * dash
    if isinstance(item, dict) and item:
        lines = list(_fast(item, dash + 2))
        yield pad + "- " + lines[0][dash + 2:]
        yield from lines[1:]
    elif isinstance(item, (dict, list)):
        raise _Unsure  # empty or nested sequences: rare, left to ruamel
    elif isinstance(item, str) and "\n" in item:
        yield from _literal(f"{pad}-", item, dash + 2)  # a script in a command list
    else:
        yield f"{pad}- {_text(item)}\n"


def load_yaml_1_1(text: str) -> Any:
    """One document as a YAML 1.1 reader (helm's, go-yaml) sees it: ``on``,
    ``yes`` and ``0755`` are a boolean and a number there, strings in YAML 1.2;
    None when it cannot be read so."""
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 1)
    try:
        return yaml.load(text)
    except YAMLError:
        return None


def dump_all(documents: list[Any]) -> str:
    return "---\n".join(dump(d) for d in documents)
