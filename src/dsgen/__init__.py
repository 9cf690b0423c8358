"""dsgen: render a data-services profile into a Kustomize tree and prove it valid."""

__version__ = "0.1.0"
