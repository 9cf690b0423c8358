"""Profiles hold references to secrets, never their values; nothing secret
reaches out/."""

from __future__ import annotations

import re

import pytest

from dsgen import pipeline, yamlio
from dsgen.errors import ProfileError
from dsgen.profiles import ProfileStore
from tests.conftest import PROFILES, ROOT

SECRETISH_KEY = re.compile(r"(password|passwd|secret|token|credential|apikey|api_key|private)", re.I)
SECRETISH_TEXT = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    # credentials in a URL (OpenBao's connection_url template, filled by OpenBao, is not)
    re.compile(r"://(?!\{\{username\}\}:\{\{password\}\}@)[^/\s:@]+:[^/\s@]+@"),
    re.compile(r"\$[0-9a-z]+\$[^\s]{20,}"),  # crypt-style password hashes
]
# Keys whose scalar value names a Secret rather than holding one.
REFERENCE_KEYS = {"secretPath", "secretKey"}  # a Secret's name; a key name in the target Secret
# An External Secrets template value naming a fetched key ({{ .password }}), not a value.
TEMPLATE_REFERENCE = re.compile(r"\{\{ \.[A-Za-z0-9_]+ \}\}")
TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{32,}")


def entropy(text: str) -> float:
    import math
    from collections import Counter

    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def high_entropy_tokens(text: str) -> list[str]:
    """Long random-looking tokens (keys, passwords); paths and names are not."""
    return [t for t in TOKEN.findall(text)
            if entropy(t) > 4.2 and any(c.isdigit() for c in t) and any(c.isupper() for c in t)]


def _walk(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key, item
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    out = tmp_path_factory.mktemp("scan") / "out"
    pipeline.write(out, pipeline.render(PROFILES, out, all_envs=True))
    return out


def test_no_secret_objects_and_only_references(tree):
    checked = 0
    for path in sorted(tree.rglob("*.yaml")):
        for doc in yamlio.load_documents(path.read_text(), str(path)):
            assert not (isinstance(doc, dict) and doc.get("kind") == "Secret"), path
            for where, key, value in _walk(doc):
                if isinstance(key, str) and SECRETISH_KEY.search(key) and not isinstance(value, (dict, list, bool)):
                    # a scalar under a secret-sounding key must name a Secret, never hold a value
                    assert key in REFERENCE_KEYS or TEMPLATE_REFERENCE.fullmatch(str(value)), (path, where, value)
                checked += 1
    assert checked > 500


def test_no_secret_looking_text_in_any_file(tree):
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        text = path.read_text()
        for pattern in SECRETISH_TEXT:
            assert not pattern.search(text), (path, pattern.pattern)
        assert high_entropy_tokens(text) == [], path


def test_the_committed_tree_is_clean_too():
    for path in sorted(p for p in (ROOT / "out").rglob("*") if p.is_file()):
        for pattern in SECRETISH_TEXT:
            assert not pattern.search(path.read_text()), (path, pattern.pattern)
        assert high_entropy_tokens(path.read_text()) == [], path


def test_the_scan_finds_planted_secrets():
    assert high_entropy_tokens("value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") != []
    assert any(p.search("url: postgres://app:s3cret@db:5432/app") for p in SECRETISH_TEXT)
    assert high_entropy_tokens("path: /spec/redis/storage/persistentVolumeClaim/spec/resources") == []


@pytest.mark.parametrize("text", [
    "extends: base\nredis:\n  auth:\n    secretName: redis-auth\n    password: hunter2\n",
    "extends: base\npostgres:\n  bootstrap:\n    password: hunter2\n",
    "extends: base\nkafka:\n  users:\n    ecotrack-admin:\n      password: hunter2\n",
])
def test_a_profile_cannot_hold_a_password(tmp_path, profiles_copy, text):
    (profiles_copy / "prod.yaml").write_text(text)
    with pytest.raises(ProfileError) as info:
        ProfileStore(profiles_copy).load("prod")
    assert "password: unknown key" in str(info.value)
