"""The services dsgen renders, one package each (``postgres``, ``redis``,
``kafka``), and ``base``: what a component is.

A component never imports another, nor the features that span the services
(``dsgen.platform``); the registry that lists them is ``dsgen.registry``.
Adding a service is one folder here (``<name>/``: ``model.py``, ``plan.py``,
``rules.py`` and an ``__init__.py`` defining ``COMPONENT``), its templates in
``templates/<name>/``, one line in ``dsgen.registry.COMPONENTS``, and its
section as one field of :class:`dsgen.models.Profile`.
"""
