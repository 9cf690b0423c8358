"""dsgen.formats.tracing on small renders: what each field of a resource
becomes in its template, and the template's text."""

from __future__ import annotations

from dsgen.formats import tracing
from dsgen.formats.tracing import Cond, Entries, Fmt, Lit, Ref, Slot, Tracer, Variant

KEY = ("v1", "ConfigMap", "data", "settings")
SCHEMA = {"properties": {"app": {"$ref": "#/$defs/App"}},
          "$defs": {"App": {"properties": {"mode": {"enum": ["small", "large"]}, "tls": {"type": "boolean"},
                                           "size": {"type": "integer"}}}}}


def variant(name: str, values: dict, data: dict | None, key=KEY) -> Variant:
    docs = {} if data is None else {key: {"apiVersion": key[0], "kind": key[1],
                                          "metadata": {"name": key[3], "namespace": key[2]}, "data": data}}
    return Variant(name, {**values, "environment": name}, docs, {key: "app"} if data is not None else {})


def field(tracer: Tracer, *path) -> tracing.Node:
    (template,) = tracer.templates()
    node = template.node
    for key in path:
        node = dict((k, n) for k, _, n in node.items)[key]
    return node


def test_a_field_that_differs_reads_the_profile_key_holding_its_value():
    tracer = Tracer([variant("base", {"app": {"size": 3}}, {"replicas": 3}),
                     variant("dev", {"app": {"size": 1}}, {"replicas": 1})])
    assert field(tracer, "data", "replicas") == Ref(("app", "size"))
    assert tracer.derived == {"base": {}, "dev": {}}


def test_a_string_holding_a_profile_value_becomes_a_format():
    tracer = Tracer([variant("base", {}, {"bucket": "s3://backups/base"}),
                     variant("prod", {}, {"bucket": "s3://backups/prod"})])
    assert field(tracer, "data", "bucket") == Fmt(("s3://backups/", ""), ("environment",))


def test_a_constant_reads_the_profile_only_under_its_own_key_name():
    tracer = Tracer([variant("base", {"namespace": "data", "app": {"other": "data"}}, {"namespace": "data",
                                                                                      "label": "data"})])
    assert field(tracer, "metadata", "namespace") == Ref(("namespace",))
    assert field(tracer, "data", "label") == Lit("data")


def test_a_field_only_some_renders_have_is_guarded_by_the_profile_switch_that_tells_them_apart():
    tracer = Tracer([variant("base", {"app": {"mode": "small", "note": "a"}}, {"x": "1"}),
                     variant("prod", {"app": {"mode": "large", "note": "b"}}, {"x": "1", "extra": "2"})],
                    tracing.switches(SCHEMA))
    (template,) = tracer.templates()
    guards = {k: c for k, c, _ in dict((k, n) for k, _, n in template.node.items)["data"].items}
    assert guards == {"x": None, "extra": Cond("eq", ("app", "mode"), "large")}


def test_a_resource_only_some_renders_have_is_guarded_by_a_key_being_set():
    tracer = Tracer([variant("base", {"app": {"size": 1}}, None),
                     variant("prod", {"app": {"size": 1, "tls": {"issuer": "ca"}}}, {"a": "b"})])
    (template,) = tracer.templates()
    assert template.condition == Cond("has", ("app", "tls"))


def test_what_no_profile_key_explains_is_derived_per_render():
    tracer = Tracer([variant("base", {}, {"peers": ["10.0.0.0/16"]}),
                     variant("prod", {}, {"peers": ["10.1.0.0/16", "10.2.0.0/16"]}),
                     variant("dev", {}, {"peers": ["10.3.0.0/16"]})])
    assert field(tracer, "data", "peers") == Slot("ConfigMap/data/settings", "/data/peers")
    assert tracer.derived == {"base": {"ConfigMap/data/settings": {"/data/peers": ["10.0.0.0/16"]}},
                              "prod": {"ConfigMap/data/settings": {"/data/peers": ["10.1.0.0/16", "10.2.0.0/16"]}},
                              "dev": {"ConfigMap/data/settings": {"/data/peers": ["10.3.0.0/16"]}}}


def test_named_list_items_are_matched_by_name():
    tracer = Tracer([variant("base", {"app": {"tls": True}}, {"l": [{"name": "a", "v": 1}]}),
                     variant("prod", {"app": {"tls": False}}, {"l": [{"name": "a", "v": 1}, {"name": "b"}]})],
                    tracing.switches(SCHEMA))
    node = field(tracer, "data", "l")
    assert isinstance(node, Entries) and not node.is_map
    assert [c for _, c, _ in node.items] == [None, Cond("true", ("app", "tls"), negate=True)]


def test_merged_order_keeps_each_order_or_gives_up():
    assert tracing._merged_order([["a", "c"], ["a", "b", "c"]]) == ["a", "b", "c"]
    assert tracing._merged_order([["a", "b"], ["b", "a"]]) is None


def test_the_template_text():
    tracer = Tracer([variant("base", {"app": {"size": 3, "mode": "small"}},
                             {"replicas": 3, "summary": "{{ $labels.pod }} is down", "keys": {}}),
                     variant("prod", {"app": {"size": 5, "mode": "large"}},
                             {"replicas": 5, "summary": "{{ $labels.pod }} is down", "keys": {"tls": "on"}})],
                    tracing.switches(SCHEMA))
    (template,) = tracer.templates()
    assert "\n".join(tracing.write(template.node, 0)) == "\n".join([
        'apiVersion: "v1"',
        'kind: "ConfigMap"',
        "metadata:",
        '  name: "settings"',
        '  namespace: "data"',
        "data:",
        "  replicas: {{ .Values.app.size | toJson }}",
        '  summary: "{{ "{{" }} $labels.pod }} is down"',
        "  keys:",
        '{{- if not (or (eq ((.Values.app | default dict).mode | default "") "large")) }} {}{{ end }}',
        '{{- if (eq ((.Values.app | default dict).mode | default "") "large") }}',
        '    tls: "on"',
        "{{- end }}",
    ])


def test_go_expressions_of_keys_that_are_not_identifiers():
    assert tracing.values_expr(("kafka", "config", "min.insync.replicas")) == \
        '(index .Values.kafka "config" "min.insync.replicas")'
    assert tracing.values_expr(("postgres", "instances")) == ".Values.postgres.instances"
    assert tracing.values_expr(("kafka", "listeners", 2, "port")) == '(index .Values.kafka "listeners" 2 "port")'
    assert tracing.cond_expr(Cond("has", ("kafka", "mirror"), negate=True)) == \
        '(not (not (kindIs "invalid" (.Values.kafka | default dict).mirror)))'
    assert tracing.cond_expr(Cond("eq", ("postgres", "poolers", "pooler-ro", "poolMode"), "session")) == (
        '(eq (((index ((.Values.postgres | default dict).poolers | default dict) "pooler-ro") | default dict)'
        '.poolMode | default "") "session")')


def test_switches_are_the_schemas_enums_and_booleans_under_any_map_key():
    schema = {"properties": {"pools": {"additionalProperties": {"$ref": "#/$defs/Pool"}},
                             "name": {"type": "string"}},
              "$defs": {"Pool": {"anyOf": [{"properties": {"mode": {"enum": ["a"]},
                                                           "on": {"type": "boolean"}}}, {"type": "null"}]}}}
    assert tracing.switches(schema) == {("pools", "*", "mode"), ("pools", "*", "on")}


def test_a_key_of_another_section_guards_a_resource_only_when_it_names_it():
    def key(name):
        return ("networking.k8s.io/v1", "NetworkPolicy", "data", name)

    base = {"app": {"mode": "small"}, "network": {"isolate": True}}
    prod = {"app": {"mode": "large"}, "network": {"isolate": True, "egress": {"apiServer": ["10.0.0.0/16"]}}}
    docs = {key("app-egress"): {"apiVersion": "v1", "kind": "NetworkPolicy"},
            key("app-ingress"): {"apiVersion": "v1", "kind": "NetworkPolicy"}}
    tracer = Tracer([Variant("base", {**base, "environment": "base"}, {}, {}),
                     Variant("prod", {**prod, "environment": "prod"}, docs, {k: "app" for k in docs})],
                    tracing.switches(SCHEMA))
    guards = {t.key[3]: t.condition for t in tracer.templates()}
    assert guards == {"app-egress": Cond("has", ("network", "egress")),
                      "app-ingress": Cond("eq", ("app", "mode"), "large")}


def test_resources_made_for_each_entry_of_a_collection_become_one_template_over_the_entries():
    def key(name):
        return ("kafka.strimzi.io/v1", "KafkaTopic", "data", name)

    def topic(name, partitions):
        return {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic",
                "metadata": {"name": name, "labels": {"topic": f"t-{name}"}}, "spec": {"partitions": partitions}}

    base = {"kafka": {"topics": {"a": {"partitions": 3}, "b": {"partitions": 6}}}}
    dev = {"kafka": {"topics": {"a": {"partitions": 1}}}}
    tracer = Tracer([Variant("base", {**base, "environment": "base"},
                             {key("a"): topic("a", 3), key("b"): topic("b", 6)}, {key("a"): "kafka", key("b"): "kafka"}),
                     Variant("dev", {**dev, "environment": "dev"}, {key("a"): topic("a", 1)}, {key("a"): "kafka"})],
                    collections={("kafka", "topics")})
    (template,) = tracer.templates()
    assert (template.each, template.members) == (("kafka", "topics"), (key("a"), key("b")))
    assert "\n".join(tracing.each(template.each, tracing.write(template.node, 0))) == "\n".join([
        "{{- range $name, $entry := ((.Values.kafka | default dict).topics | default dict) }}",
        "{{- with $ }}",
        "---",
        'apiVersion: "kafka.strimzi.io/v1"',
        'kind: "KafkaTopic"',
        "metadata:",
        "  name: {{ $name | toJson }}",
        "  labels:",
        '    topic: {{ print "t-" $name "" | toJson }}',
        "spec:",
        '{{- if not (or (not (kindIs "invalid" $entry.partitions))) }} {}{{ end }}',
        '{{- if (not (kindIs "invalid" $entry.partitions)) }}',
        "  partitions: {{ $entry.partitions | toJson }}",
        "{{- end }}",
        "{{- end }}",
        "{{- end }}",
    ])


def test_resources_that_differ_beyond_their_entry_stay_one_template_each():
    def key(name):
        return ("v1", "ConfigMap", "data", name)

    docs = {key("a"): {"apiVersion": "v1", "kind": "ConfigMap", "data": {"x": "1"}},
            key("b"): {"apiVersion": "v1", "kind": "ConfigMap", "data": {"x": "2"}}}
    tracer = Tracer([Variant("base", {"maps": {"a": {}, "b": {}}, "environment": "base"}, docs,
                             {k: "app" for k in docs})], collections={("maps",)})
    assert [t.each for t in tracer.templates()] == [None, None]
