import pytest
from ruamel.yaml import YAML

from dsgen import yamlio

YAML11_TRAPS = ["yes", "No", "on", "OFF", "y", "~", "null", "012", "0x1F", "1e3", "1_000", "1:20",
                ".inf", "2024-01-15", "=", "<<", "", "0.9", "3.6", "true"]


@pytest.mark.parametrize("value", YAML11_TRAPS)
def test_strings_a_yaml11_reader_would_retype_are_quoted(value):
    text = yamlio.dump({"k": value})
    assert text.startswith('k: "'), text
    assert yamlio.load_documents(text, "t") == [{"k": value}]


@pytest.mark.parametrize("value", ["a: b", "#x", "line\nline", "  lead", "{{ x }}", "ünï", "- x", "'q'", '"d"'])
def test_awkward_strings_round_trip(value):
    text = yamlio.dump({"k": value, "list": [value]})
    assert yamlio.load_documents(text, "t") == [{"k": value, "list": [value]}]
    # and a YAML 1.1 reader (what the Kubernetes API server uses) agrees
    old = YAML(typ="safe", pure=True)
    old.version = (1, 1)
    assert old.load(text) == {"k": value, "list": [value]}


def test_header_and_layout():
    text = yamlio.dump({"a": {"b": [1, 2]}, "c": "plain"}, ["one", "", "two"])
    assert text == "# one\n#\n# two\na:\n  b:\n    - 1\n    - 2\nc: plain\n"


def test_load_mapping_positions(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a:\n  b: 1\n  c:\n    - x\n    - y\n")
    data, positions = yamlio.load_mapping(path, "p.yaml")
    assert data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert positions[("a",)] == (1, 1)
    assert positions[("a", "b")] == (2, 3)
    assert positions[("a", "c", 1)] == (5, 7)


def test_alias_bomb_fails_fast(tmp_path):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 10)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    from dsgen.errors import ProfileError

    with pytest.raises(ProfileError) as info:
        yamlio.load_mapping(path, "bomb.yaml")
    assert str(info.value) == "bomb.yaml: expands to more than 200000 values (anchor/alias expansion?)"


# The fast writer lays out what it is sure of exactly as ruamel does, and hands
# everything else to ruamel: on any data, dump() equals ruamel's output.
_WORDS = ["a", "b-c", "x.y/z", "yes", "12", "", "0.5", "on", "k8s", "$patch", "a b", "ab:", "-x", "~", "null",
          "3e5", "v1beta2", "app.kubernetes.io/name", "a #b", "'q'", "x\ny", "é", "1:20", "- d", "*ref"]


def _ruamel(data) -> str:
    import io

    stream = io.StringIO()
    yamlio._WRITER.dump(data, stream)
    return stream.getvalue()


def _json_values():
    from hypothesis import strategies as st

    scalars = (st.sampled_from(_WORDS) | st.text(max_size=10) | st.integers(-10, 10**12) | st.booleans())
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.sampled_from(_WORDS) | st.text(min_size=1, max_size=6), inner, max_size=3),
                        max_leaves=12)


def test_the_fast_writer_matches_ruamel():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=400, deadline=None)
    @given(st.dictionaries(st.sampled_from(_WORDS) | st.text(min_size=1, max_size=6), _json_values(), min_size=1, max_size=4)
           | st.lists(_json_values(), min_size=1, max_size=4))
    def check(data):
        assert yamlio.dump(data) == _ruamel(data)

    check()


def _multiline():
    from hypothesis import strategies as st

    line = st.text(st.sampled_from("ab #:-{}[]\"'|>!%@`~?\\ \t"), max_size=12)
    return st.lists(line, min_size=2, max_size=5).map("\n".join) | st.lists(line, min_size=1, max_size=4).map(
        lambda lines: "\n".join(lines) + "\n")


def test_the_fast_writer_matches_ruamel_on_multi_line_strings():
    """Literal blocks (ConfigMaps of config files, dashboards, scripts in a
    command list): the fast writer writes the ones ruamel writes as plain | or
    |- blocks, byte for byte."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=600, deadline=None)
    @given(st.dictionaries(st.sampled_from(_WORDS[:5]), _multiline() | st.dictionaries(
        st.sampled_from(_WORDS[:5]), _multiline(), min_size=1, max_size=2)
        | st.lists(_multiline() | st.sampled_from(_WORDS), min_size=1, max_size=3), min_size=1, max_size=3))
    def check(data):
        assert yamlio.dump(data) == _ruamel(data)

    check()
    config = {"data": {"redis.conf": "maxmemory 400mb\nsave \"\"\n\nappendonly yes\n"}}
    assert "".join(yamlio._fast(config, 0)) == _ruamel(config)  # taken by the fast writer, not handed over
    job = {"command": ["/bin/sh", "-c", "set -eu\nredis-cli --rdb \"$work/dump.rdb\"\n"]}
    assert "".join(yamlio._fast(job, 0)) == _ruamel(job)


def test_the_fast_writer_takes_the_usual_documents():
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a.b/c": "d"}},
           "data": {"n": 3, "on": True, "list": [{"k": "v"}, "w"], "empty": {}, "none": [], "ambiguous": "yes"}}
    assert "".join(yamlio._fast(doc, 0)) == _ruamel(doc)


def _both_readers(text: str):
    """(event reader's documents or None, the full constructor's documents)."""
    loader = yamlio._loader()
    return yamlio._from_events(loader, text), list(loader.load_all(text))


@pytest.mark.parametrize("text", [
    "a: 1\nb: 0x1f\nc: 0o17\nd: 017\ne: 1_000\nf: 1e3\ng: .5\nh: -.inf\ni: .NaN\n",
    "yes: no\non: off\ny: n\nt: true\nT: True\nf: FALSE\nn: null\nt2: ~\nempty:\n",
    "when: 2020-11-26 15:22:00.00000+00\nday: 2020-11-26\nmatch: =\n",
    "q1: '1'\nq2: \"true\"\nlit: |\n  line\n  two\nfold: >-\n  a\n  b\n",
    "1: one\n2.5: float key\nfalse: bool key\nnull: null key\n",
    "list: [1, a, {b: c}, [d]]\nmap: {x: 1, y: [2]}\nnone: []\nzero: {}\n",
    "base: &b {x: 1}\nsame: *b\nitems: [&s v, *s]\n",
    "---\na: 1\n---\n---\n- 1\n- 2\n...\n--- plain\n",
    "non-specific: ! 12\n",
    "",
])
def test_the_event_reader_builds_what_the_constructor_builds(text):
    fast, full = _both_readers(text)
    assert fast is not None
    assert repr(fast) == repr(full)  # repr: nan is not equal to itself


@pytest.mark.parametrize("text", [
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",  # merge keys
    "a: 1\na: 2\n",                                  # duplicate keys
    "? [a, b]\n: complex key\n",                     # a collection as a key
    "typed: !!str 12\nbinary: !!binary aGk=\n",      # explicit tags
    "self: &s [*s]\n",                               # a recursive alias
])
def test_what_the_event_reader_leaves_to_the_constructor(text):
    assert yamlio._from_events(yamlio._loader(), text) is None


def test_the_event_reader_agrees_on_any_document():
    from hypothesis import given, settings

    from ruamel.yaml.error import YAMLError

    def outcome(read, text):
        try:
            return read(text)
        except YAMLError as exc:
            return type(exc).__name__, str(exc.problem_mark)

    loader = yamlio._loader()

    @settings(max_examples=300, deadline=None)
    @given(_json_values())
    def check(data):
        for text in (yamlio.dump_all([data, data]), _ruamel(data)):
            fast = outcome(lambda t: yamlio._from_events(loader, t), text)
            assert fast == outcome(lambda t: list(loader.load_all(t)), text)

    check()
