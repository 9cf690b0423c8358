"""Values round-trip: whatever text a profile holds reaches the manifests as
exactly that string, for a YAML 1.2 reader and for a YAML 1.1 one (the
Kubernetes API server's). Profile values are data, never templates."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from dsgen import yamlio
from dsgen.formats import Rendered, get
from dsgen.models import Profile
from dsgen.profiles import ProfileStore
from dsgen.render import Renderer
from tests.conftest import PROFILES

BASE = ProfileStore(PROFILES).load("base")
RENDERER = Renderer()
ANY_TEXT = st.text(min_size=1, max_size=40)
ONE_LINE = st.text(min_size=1, max_size=40).filter(str.isprintable)
TRAPS = ["yes", "no", "on", "off", "~", "null", "012", "0x1F", "1e3", "1:20", "{{ 7*7 }}",
         "{% raw %}", "a: b", "#c", "- d", "'q'", '"d"', "\\n", "é ü ☃", "  lead", "trail  ", "*ref", "&anchor", "!tag"]


def _yaml11():
    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 1)
    return reader


def rendered_documents(profile: Profile) -> list[list[dict]]:
    loaded = type(BASE)(BASE.env, profile, BASE.files)
    files = get("kustomize").plan(Rendered(loaded, RENDERER.render(profile)), [])
    texts = [text for path, text in files.items() if path.endswith(".yaml") and "kustomization" not in path]
    return [yamlio.load_documents(t, "t") for t in texts], [_yaml11().load(t) for t in texts]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(free=ANY_TEXT, line=ONE_LINE, trap=st.sampled_from(TRAPS))
@example(free="{{ 7*7 }}", line="{% if true %}x{% endif %}", trap="yes")
@example(free="line one\nline two\n", line="a: b # not a comment", trap="012")
def test_free_text_fields_round_trip(free, line, trap):
    data = copy.deepcopy(BASE.profile.model_dump(exclude_none=True))
    data["postgres"]["imageName"] = free
    data["postgres"]["bootstrap"]["locale"] = trap
    data["postgres"]["parameters"]["application_name"] = line
    data["redis"]["redis"]["image"] = free
    data["redis"]["redis"]["config"]["maxmemory-policy"] = line
    data["kafka"]["metadataVersion"] = trap
    data["kafka"]["config"]["log.cleaner.backoff.ms"] = free
    data["kafka"]["topics"]["user-events"]["config"]["message.timestamp.type"] = trap
    data["kafka"]["topics"]["user-events"]["topicName"] = free
    data["kafka"]["authorization"]["superUsers"] = [free, trap]
    data["postgres"]["bootstrap"]["encoding"] = free
    data["postgres"]["poolers"]["postgres-cluster-pooler-rw"]["parameters"]["server_reset_query"] = line
    data["redis"]["sentinel"]["image"] = trap
    data["redis"]["sentinel"]["config"]["notification-script"] = line
    data["kafka"]["users"]["ecotrack-producer"]["passwordSecret"]["key"] = free
    data["kafka"]["users"]["ecotrack-producer"]["acls"][0]["host"] = trap
    profile = Profile.model_validate(data)
    for docs in rendered_documents(profile):  # as a YAML 1.2 reader and a YAML 1.1 one see it
        flat = [d for group in docs for d in (group if isinstance(group, list) else [group])]
        by = {(d["kind"], d["metadata"]["name"]): d for d in flat}
        cluster = by[("Cluster", "postgres-cluster")]["spec"]
        assert cluster["imageName"] == free
        assert cluster["bootstrap"]["initdb"]["localeCollate"] == trap
        assert cluster["postgresql"]["parameters"]["application_name"] == line
        redis = by[("RedisFailover", "redis-cluster")]["spec"]["redis"]
        assert redis["image"] == free
        # a start-up setting: one redis-server argument, exactly the text
        assert redis["command"][redis["command"].index("--maxmemory-policy") + 1] == line
        kafka = by[("Kafka", "kafka-cluster")]["spec"]["kafka"]
        assert kafka["metadataVersion"] == trap
        assert kafka["config"]["log.cleaner.backoff.ms"] == free
        assert kafka["authorization"]["superUsers"] == [free, trap]
        assert cluster["bootstrap"]["initdb"]["encoding"] == free
        pooler = by[("Pooler", "postgres-cluster-pooler-rw")]["spec"]["pgbouncer"]["parameters"]
        assert pooler["server_reset_query"] == line
        sentinel = by[("RedisFailover", "redis-cluster")]["spec"]["sentinel"]
        assert sentinel["image"] == trap
        assert f"notification-script {line}" in sentinel["customConfig"]
        producer = by[("KafkaUser", "ecotrack-producer")]["spec"]
        assert producer["authentication"]["password"]["valueFrom"]["secretKeyRef"]["key"] == free
        assert producer["authorization"]["acls"][0]["host"] == trap
        topic = by[("KafkaTopic", "user-events")]["spec"]
        assert topic["topicName"] == free
        assert topic["config"]["message.timestamp.type"] == trap
