"""What the environment as a whole renders: the namespace's default-deny ingress."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from dsgen import kits
from dsgen.kits import Owner

if TYPE_CHECKING:
    from dsgen.components.base import Context, Part

DEFAULT_DENY = "default-deny-ingress"


def plan(ctx: Context, profile: Any) -> Iterator[Part]:
    if ctx.network:
        # Selects every pod of the namespace and allows nothing: what reaches a
        # pod is what another policy selecting it allows (policies add up).
        yield kits.network_policy(Owner("data-services", ctx.platform), DEFAULT_DENY, select={}, ingress=[])
