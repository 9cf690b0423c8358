from dsgen.formats.kustomize import diff


def test_diff_maps_key_by_key():
    old = {"a": 1, "b": {"c": 2, "d": 3}, "gone": True}
    new = {"a": 1, "b": {"c": 5, "d": 3, "e": 4}}
    assert diff(old, new) == [
        {"op": "remove", "path": "/gone"},
        {"op": "replace", "path": "/b/c", "value": 5},
        {"op": "add", "path": "/b/e", "value": 4},
    ]


def test_diff_replaces_lists_whole():
    old = {"l": [{"name": "a", "port": 1}, {"name": "b", "port": 2}]}
    new = {"l": [{"name": "a", "port": 1}]}
    assert diff(old, new) == [{"op": "replace", "path": "/l", "value": [{"name": "a", "port": 1}]}]


def test_diff_tells_types_apart_and_escapes_pointers():
    assert diff({"x": 1}, {"x": True}) == [{"op": "replace", "path": "/x", "value": True}]
    assert diff({"x": 1}, {"x": 1.0}) == [{"op": "replace", "path": "/x", "value": 1.0}]
    assert diff({"a/b~c": 1}, {"a/b~c": 2}) == [{"op": "replace", "path": "/a~1b~0c", "value": 2}]
    assert diff({"x": [1]}, {"x": [1]}) == []
