"""The registry: the services dsgen renders, a plain dict in render order,
and what is built from it (every rule, the enabled sections of a profile).

This is the one module that imports every component and the platform pass;
nothing below it imports it. Adding a service is one line in
:data:`COMPONENTS` (and its section as one field of the profile model).
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from dsgen import rules as _rules
from dsgen.components import kafka, postgres, redis
from dsgen.components.base import Component, enabled
from dsgen.contract import Context
from dsgen.platform import NAME as PLATFORM
from dsgen.platform import rules as platform_rules
from dsgen.rules import ENGINE_RULES, Overlay, ProfileProblem, Rule

COMPONENTS: dict[str, Component] = {
    "postgres": postgres.COMPONENT,
    "redis": redis.COMPONENT,
    "kafka": kafka.COMPONENT,
}


def sections(profile: Any, components: Mapping[str, Component] | None = None) -> list[tuple[Component, Any]]:
    """The components the profile enables, each with its section, in registry order."""
    return enabled(COMPONENTS if components is None else components, profile)


_BUILT: tuple[tuple, tuple[Rule, ...], dict[str, Rule]] | None = None


def _build(components: Mapping[str, Component]) -> tuple[tuple[Rule, ...], dict[str, Rule]]:
    """The platform's rules for ``components`` and every rule by id (built
    again whenever the registered components change)."""
    global _BUILT
    key = tuple((name, id(component)) for name, component in components.items())
    if _BUILT is not None and _BUILT[0] == key:
        return _BUILT[1], _BUILT[2]
    platform = platform_rules.rules(components)
    found: dict[str, Rule] = {}
    names: dict[str, str] = {}
    for rule in (*ENGINE_RULES, *platform, *(r for c in components.values() for r in c.all_rules())):
        if rule.id in found and found[rule.id] is not rule:
            raise ValueError(f"two rules have the id {rule.id}")
        if names.setdefault(rule.name, rule.id) != rule.id:
            raise ValueError(f"two rules have the name {rule.name}")
        found[rule.id] = rule
    _BUILT = (key, platform, dict(sorted(found.items())))
    return platform, _BUILT[2]


def rules(components: Mapping[str, Component] | None = None) -> dict[str, Rule]:
    """Every rule by id: the engine's, the platform's and each registered component's."""
    return _build(COMPONENTS if components is None else components)[1]


def run_profile(profile: Any, environment: str = "base",
                components: Mapping[str, Component] | None = None) -> list[ProfileProblem]:
    """Every profile check: the platform's on the whole profile, then each
    enabled component's on its section, in registry order."""
    components = COMPONENTS if components is None else components
    platform, _ = _build(components)
    ctx = Context.of(profile, environment)
    checks = [(rule, profile) for rule in platform]
    checks += [(rule, section) for component, section in enabled(components, profile)
               for rule in component.rules_for(section)]
    return [ProfileProblem(rule.id, path, message)
            for rule, section in checks if rule.profile_check is not None
            for path, message in rule.profile_check(ctx, section)]


def run_environments(profiles: list[tuple[str, Any]],
                     components: Mapping[str, Component] | None = None) -> list[tuple[str, ProfileProblem]]:
    """Every check across environments, given (environment, profile) of each."""
    components = COMPONENTS if components is None else components
    problems = []
    for component in components.values():
        found = [(Context.of(profile, env), component.section(profile)) for env, profile in profiles]
        found = [(ctx, section) for ctx, section in found if section is not None]
        for rule in component.all_rules():
            if rule.environments_check is not None and found:
                for env, (path, message) in rule.environments_check(found):
                    problems.append((env, ProfileProblem(rule.id, path, message)))
    return problems


def run_manifest(overlay: Overlay, skip: frozenset[str] | set[str] = frozenset()) -> Iterator[tuple[Rule, dict, str, str]]:
    """Every manifest check of the registry that is not skipped, on one overlay."""
    return _rules.run_manifest(overlay, skip, rules())


def run_changes(old: Overlay, new: Overlay) -> Iterator[tuple[Rule, dict, str, str]]:
    """Every change check of the registry on one environment's old and new documents."""
    return _rules.run_changes(old, new, rules())


__all__ = ["COMPONENTS", "PLATFORM", "rules", "run_changes", "run_environments", "run_manifest", "run_profile",
           "sections"]
