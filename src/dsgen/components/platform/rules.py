"""Rules about the environment as a whole."""

from __future__ import annotations

from typing import Any, Iterator

from dsgen.rules import Overlay, Rule, group_kind, get, name_of, namespace_of

# Kinds whose object is a Secret, or makes one of the name its spec says.
SECRET = ("", "Secret")
SEALED_SECRET = ("bitnami.com", "SealedSecret")
EXTERNAL_SECRET = ("external-secrets.io", "ExternalSecret")


def _key_references(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every ``secretKeyRef`` and ``secretRef`` below ``value``: (pointer, name)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("secretKeyRef", "secretRef") and isinstance(item, dict) and isinstance(item.get("name"), str):
                yield f"{path}/{key}/name", item["name"]
            else:
                yield from _key_references(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _key_references(item, f"{path}/{index}")


SECRET_SOURCE = Rule("DSG105", "secret-source", "Every Secret a resource references is produced by the tree (Secret, ExternalSecret, operator-made) or declared in the profile's externalSecrets.")


@SECRET_SOURCE.on_manifest
def _(overlay: Overlay):
    from dsgen.components import COMPONENTS  # the registry, asked when the rule runs

    produced: set[tuple[str, str]] = set()
    for doc in overlay.documents:
        kind, ns = group_kind(doc), namespace_of(doc)
        if kind in (SECRET, SEALED_SECRET):
            produced.add((ns, name_of(doc)))
        elif kind == EXTERNAL_SECRET:
            produced.add((ns, get(doc, "spec", "target", "name") or name_of(doc)))
        for component in COMPONENTS.values():
            if component.produced_secrets:
                produced.update((ns, name) for name in component.produced_secrets(doc))
    for doc in overlay.documents:
        references = list(_key_references(doc.get("spec"), "/spec"))
        for component in COMPONENTS.values():
            if component.secret_references:
                references.extend(component.secret_references(doc))
        for path, name in references:
            if (namespace_of(doc), name) not in produced and name not in overlay.external_secrets:
                yield doc, path, (f"Secret {name!r} is neither produced by the tree nor listed in the "
                                  "profile's externalSecrets")


RULES = (SECRET_SOURCE,)
