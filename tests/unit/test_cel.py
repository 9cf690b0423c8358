"""CEL rules: evaluated with Kubernetes' conventions, or skipped with the reason."""

import pytest

from dsgen.validate import cel


@pytest.mark.parametrize("rule,value,expected", [
    ("!(has(self.imageCatalogRef) && has(self.imageName))", {"imageName": "x"}, True),
    ("!(has(self.imageCatalogRef) && has(self.imageName))", {"imageName": "x", "imageCatalogRef": {}}, False),
    ("self.all(key, key.size() != 0)", {"a": 1}, True),
    ("self.all(e, self.filter(f, f.key==e.key).size() == 1)", [{"key": "a"}, {"key": "a"}], False),
    ("duration(self) >= duration('1ms')", "30s", True),
    ("url(self).getScheme() in ['http', 'https']", "https://example.com/x", True),
    ("url(self).getScheme() in ['http', 'https']", "ftp://example.com/x", False),
    ("has(self.name) && has(self.__namespace__)", {"name": "a", "namespace": "b"}, True),
    ("self.x__dash__y == 1", {"x-y": 1}, True),
])
def test_rules(rule, value, expected):
    assert cel.evaluate(rule, value) is expected


def test_transition_rules_are_skipped_with_the_reason():
    assert cel.evaluate("self == oldSelf", "a") == "transition rule: needs the object's previous version (oldSelf)"


def test_missing_functions_are_skipped_with_the_reason():
    assert cel.evaluate("quantity(self).isGreaterThan(quantity('1'))", "2") == \
        "uses isGreaterThan(), which the evaluator lacks"


def test_walk_reports_the_path_and_message():
    schema = {"type": "object", "properties": {"spec": {
        "type": "object", "x-kubernetes-validations": [{"rule": "self.a < self.b", "message": "a must be below b"}]}}}
    [outcome] = cel.walk(schema, {"spec": {"a": 2, "b": 1}})
    assert (outcome.path, outcome.passed, outcome.message) == ("/spec", False, "a must be below b")
