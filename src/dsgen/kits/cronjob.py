"""CronJob (batch/v1) for backup jobs: one at a time, bounded, non-root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from dsgen.kits.base import Owner

if TYPE_CHECKING:
    from dsgen.components.base import Part


@dataclass(frozen=True)
class SecretEnv:
    """An environment variable read from a key of a Secret."""

    secret: str
    key: str


def cron_job(owner: Owner, name: str, *, schedule: str, image: str, command: Sequence[str],
             env: Mapping[str, str | SecretEnv] | None = None, resources: Mapping[str, Any] | None = None,
             deadline_seconds: int = 3600, retries: int = 2, history: int = 3, run_as_user: int = 65532,
             service_account: str | None = None) -> Part:
    """A job on ``schedule`` (five-field cron) that never overlaps itself
    (``concurrencyPolicy: Forbid``), gives up after ``deadline_seconds``,
    keeps ``history`` finished jobs of each outcome, and runs as a non-root
    user with the runtime's default seccomp profile, no privilege escalation,
    no capabilities and a read-only root filesystem (``/tmp`` is an emptyDir)."""
    variables = []
    for key, value in (env or {}).items():
        if isinstance(value, SecretEnv):
            variables.append({"name": key, "valueFrom": {"secretKeyRef": {"name": value.secret, "key": value.key}}})
        else:
            variables.append({"name": key, "value": value})
    container: dict[str, Any] = {
        "name": name[:63],
        "image": image,
        "command": list(command),
        "env": variables or None,
        "resources": dict(resources) if resources else None,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    pod: dict[str, Any] = {
        "restartPolicy": "Never",
        "serviceAccountName": service_account,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": run_as_user,
            "runAsGroup": run_as_user,
            "fsGroup": run_as_user,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    spec = {
        "schedule": schedule,
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": min(deadline_seconds, 300),
        "successfulJobsHistoryLimit": history,
        "failedJobsHistoryLimit": history,
        "jobTemplate": {"spec": {
            "backoffLimit": retries,
            "activeDeadlineSeconds": deadline_seconds,
            "template": {"spec": pod},
        }},
    }
    return owner.part(name, "backup", {"apiVersion": "batch/v1", "kind": "CronJob", "spec": spec})
