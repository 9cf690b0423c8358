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
