"""What spans the services: a pass after the components.

Each module here takes the enabled components with their sections (the
``sections`` argument, :func:`dsgen.components.base.enabled`) and reads what
each declares; none imports the registry or a component.

- ``plan``: the environment's own resources (default-deny policies, the
  credentials from OpenBao, the CA certificates for applications, the
  StorageClass);
- ``rules``: rules about the environment as a whole;
- ``openbao``: which Secrets come from OpenBao, and the OpenBao side of it;
- ``trust``: the CA certificates the services' clients verify with;
- ``runbook``: the runbook page;
- ``delivery``: the Argo CD and Flux wiring.
"""

# The folder the platform's resources are written into, as a component's are.
NAME = "platform"
