"""The compiled validity check must agree with jsonschema on every document:
it only ever saves time, never changes a verdict."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from dsgen import pipeline
from dsgen.profiles import ProfileStore
from dsgen.validate.fastcheck import compile_schema
from dsgen.validate.schemas import SchemaStore
from tests.conftest import CATALOG, PROFILES, ZK_PROFILES, key_paths

SCHEMAS = [
    {"type": "integer"}, {"type": "number"}, {"type": ["string", "null"]},
    {"enum": [1, "a", None]}, {"const": True}, {"uniqueItems": True},
    {"multipleOf": 0.1}, {"multipleOf": 3}, {"minimum": 0, "exclusiveMaximum": 10},
    {"pattern": "^(?i:(abort|warn)?$)"}, {"minLength": 2, "maxLength": 3},
    {"type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {"^x-": {"type": "integer"}},
     "additionalProperties": False, "required": ["a"], "minProperties": 1},
    {"anyOf": [{"type": "integer"}, {"type": "string"}]}, {"oneOf": [{"minimum": 0}, {"maximum": 10}]},
    {"allOf": [{"minimum": 0}], "not": {"const": 5}}, {"items": {"type": "integer"}, "minItems": 1, "maxItems": 2},
]
VALUES = [None, True, False, 0, 1, 1.0, 1.5, 5, 0.3, -1, 10, "", "a", "ab", "abcd", "ABORT", "warn", "x",
          [], [1], [1, 1.0], [1, True], [1, 2, 3], {}, {"a": "s"}, {"a": 1}, {"a": "s", "x-y": 1},
          {"a": "s", "x-y": "n"}, {"a": "s", "b": 1}, {"b": 1}]


@pytest.mark.parametrize("schema", SCHEMAS, ids=[str(i) for i in range(len(SCHEMAS))])
def test_keywords_agree_with_jsonschema(schema):
    fast = compile_schema(schema)
    reference = Draft202012Validator(schema)
    assert fast is not None
    for value in VALUES:
        assert fast(value) == reference.is_valid(value), value


def test_unknown_keywords_are_left_to_jsonschema():
    assert compile_schema({"if": {"type": "string"}, "then": {"minLength": 1}}) is None
    assert compile_schema({"items": [{"type": "string"}]}) is None


def _documents() -> list[dict]:
    docs = []
    for profiles, env in ((PROFILES, "dev"), (PROFILES, "prod"), (ZK_PROFILES, "seed")):
        docs += [r.doc for r in pipeline.render_env(ProfileStore(profiles), env).resources]
    from tests.unit.test_validate_corpus import CASES, documents

    for case in CASES.values():
        docs += documents(case, "good") + documents(case, "bad")
    return docs


@pytest.fixture(scope="module")
def store(crds):
    return SchemaStore([str(CATALOG)], "1.34")


def _agree(store, doc):
    schema = store.schema(str(doc.get("apiVersion")), str(doc.get("kind")))
    if schema.validator is None:
        return
    assert schema.fast is not None, doc["kind"]
    assert schema.fast(doc) == schema.validator.is_valid(doc), (doc["kind"], doc["metadata"]["name"])


def test_agrees_on_the_bundled_trees_and_the_corpus(store):
    documents = _documents()
    assert len(documents) > 60
    for doc in documents:
        _agree(store, doc)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
DOCS = _documents()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_agrees_on_mutated_documents(crds, data):
    store = SchemaStore([str(CATALOG)], "1.34")
    doc = copy.deepcopy(data.draw(st.sampled_from(DOCS)))
    paths = [p for p in key_paths(doc) if len(p) >= 2]
    path = data.draw(st.sampled_from(paths))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[path[-1]] = data.draw(JSON)
    elif action == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[data.draw(st.text(min_size=1, max_size=6))] = data.draw(JSON)
    _agree(store, doc)
