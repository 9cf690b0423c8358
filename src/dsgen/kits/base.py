"""What every kit is given: whose resource it builds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from dsgen.contract import Part


@dataclass(frozen=True)
class Owner:
    """The workload a kit's resource belongs to: app.kubernetes.io/name and /instance."""

    app: str
    instance: str

    def part(self, name: str, role: str, body: Mapping[str, Any],
             labels: Mapping[str, str] | None = None, namespaced: bool = True,
             namespace: str | None = None) -> Part:
        return Part(name, self.app, role, self.instance, body=body, labels=labels or {}, namespaced=namespaced,
                    namespace=namespace)
