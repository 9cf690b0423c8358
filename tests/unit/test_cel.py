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


def test_a_rule_that_errors_at_run_time_is_a_rejection_as_in_kubernetes():
    from dsgen.validate import cel

    schema = {"type": "object", "x-kubernetes-validations": [{"rule": "self.a > 1", "message": "a must exceed 1"}]}
    [outcome] = list(cel.walk(schema, {}))
    assert outcome.passed is False
    assert outcome.message.startswith("a must exceed 1 (the rule errored: ")
    assert outcome.message.endswith("; Kubernetes rejects the object)")


def test_transition_rules_and_missing_functions_stay_skipped():
    from dsgen.validate import cel

    schema = {"type": "object", "x-kubernetes-validations": [
        {"rule": "self.a == oldSelf.a"}, {"rule": "self.a.matches(quantityOf('1Gi'))"}]}
    outcomes = list(cel.walk(schema, {"a": "x"}))
    assert [o.passed for o in outcomes] == [None, None]
