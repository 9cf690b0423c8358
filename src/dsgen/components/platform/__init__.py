"""What belongs to the environment as a whole: its namespace, platform name,
Kubernetes version, operator pins and the Secrets it already holds (the
profile's top-level keys), and the rules that span every service."""

from dsgen.components.base import Component
from dsgen.components.platform.plan import plan
from dsgen.components.platform.rules import RULES

COMPONENT = Component("platform", plan=plan, rules=RULES, whole_profile=True,
                      operators=lambda ctx, profile: ("externalSecrets",) if profile.secrets else ())
