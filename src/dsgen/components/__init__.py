"""The registry of components: a plain dict, in the order they render.

Adding a service is one folder here (``<name>/``: ``model.py``, ``plan.py``,
``rules.py`` and an ``__init__.py`` defining ``COMPONENT``), its templates in
``templates/<name>/``, one line below, and its section as one field of
:class:`dsgen.models.Profile`.
"""

from __future__ import annotations

from dsgen.components import kafka, platform, postgres, redis
from dsgen.components.base import Component

COMPONENTS: dict[str, Component] = {
    "platform": platform.COMPONENT,
    "postgres": postgres.COMPONENT,
    "redis": redis.COMPONENT,
    "kafka": kafka.COMPONENT,
}
