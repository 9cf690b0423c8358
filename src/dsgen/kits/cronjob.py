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


@dataclass(frozen=True)
class Step:
    """One container of a job: steps run in order, each after the last
    succeeded (all but the last as init containers), sharing ``mounts``."""

    name: str
    image: str
    command: Sequence[str]
    env: Mapping[str, str | SecretEnv] | None = None
    mounts: Mapping[str, str] | None = None  # volume name -> mount path, beside /tmp


# Volumes a container only reads: mounted read-only.
_READ_ONLY_SOURCES = ("secret", "configMap", "projected", "downwardAPI")


def _container(step: Step, resources: Mapping[str, Any] | None, read_only: frozenset[str]) -> dict[str, Any]:
    variables = []
    for key, value in (step.env or {}).items():
        if isinstance(value, SecretEnv):
            variables.append({"name": key, "valueFrom": {"secretKeyRef": {"name": value.secret, "key": value.key}}})
        else:
            variables.append({"name": key, "value": value})
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    mounts += [{"name": volume, "mountPath": path, **({"readOnly": True} if volume in read_only else {})}
               for volume, path in (step.mounts or {}).items()]
    return {
        "name": step.name[:63],
        "image": step.image,
        "command": list(step.command),
        "env": variables or None,
        "resources": dict(resources) if resources else None,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": mounts,
    }


def cron_job(owner: Owner, name: str, *, schedule: str, image: str = "", command: Sequence[str] = (),
             env: Mapping[str, str | SecretEnv] | None = None, resources: Mapping[str, Any] | None = None,
             deadline_seconds: int = 3600, retries: int = 2, history: int = 3, run_as_user: int = 65532,
             service_account: str | None = None, steps: Sequence[Step] = (),
             volumes: Sequence[dict[str, Any]] = (), pod_labels: Mapping[str, str] | None = None) -> Part:
    """A job on ``schedule`` (five-field cron) that never overlaps itself
    (``concurrencyPolicy: Forbid``), gives up after ``deadline_seconds``,
    keeps ``history`` finished jobs of each outcome, and runs as a non-root
    user with the runtime's default seccomp profile, no privilege escalation,
    no capabilities and a read-only root filesystem (``/tmp`` is an emptyDir).
    One container (``image``, ``command``, ``env``), or ``steps`` in order;
    ``volumes`` beside /tmp (Secrets and ConfigMaps mounted read-only);
    ``pod_labels`` on the job's pods (for NetworkPolicies)."""
    steps = list(steps) or [Step(name, image, command, env)]
    read_only = frozenset(v["name"] for v in volumes if any(kind in v for kind in _READ_ONLY_SOURCES))
    containers = [_container(step, resources, read_only) for step in steps]
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
        "initContainers": containers[:-1] or None,
        "containers": containers[-1:],
        "volumes": [{"name": "tmp", "emptyDir": {}}, *volumes],
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
            "template": {"metadata": {"labels": dict(pod_labels)}, "spec": pod} if pod_labels
            else {"spec": pod},
        }},
    }
    return owner.part(name, "backup", {"apiVersion": "batch/v1", "kind": "CronJob", "spec": spec})
