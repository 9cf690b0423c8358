"""CronJob (batch/v1) for backup jobs: one at a time, bounded, non-root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from dsgen.kits.base import Owner

from dsgen.contract import Part


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


# How long a run of a backup job may take before Kubernetes stops it.
DEADLINE_SECONDS = 3600

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
             deadline_seconds: int = DEADLINE_SECONDS, retries: int = 2, history: int = 3, run_as_user: int = 65532,
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
        # a job without a service account of its own does not talk to the API server
        "automountServiceAccountToken": None if service_account else False,
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


# The AWS CLI image (Amazon Linux: bash and GNU date). Objects are named by
# their UTC time, so that the retention compares LastModified as text.
UPLOAD = r'''set -eu
key="$PREFIX/$(date -u +%Y%m%dT%H%M%SZ)$SUFFIX"
aws s3 cp "$FILE" "s3://$BUCKET/$key" ${SSE:+--sse "$SSE"} ${SSE_KMS_KEY_ID:+--sse-kms-key-id "$SSE_KMS_KEY_ID"} --only-show-errors
echo "uploaded s3://$BUCKET/$key"
cutoff=$(date -u -d "-$RETENTION_DAYS days" +%Y-%m-%dT%H:%M:%S)
aws s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX/" --query 'Contents[].[Key,LastModified]' --output text \
  | awk -v cutoff="$cutoff" '$1 != "None" && $2 < cutoff { print $1 }' \
  | while read -r old; do aws s3 rm "s3://$BUCKET/$old" --only-show-errors; echo "deleted s3://$BUCKET/$old"; done
'''


def upload_step(image: str, *, file: str, suffix: str, destination: str, retention_days: int,
                mounts: Mapping[str, str], region: str | None = None, sse: str | None = None,
                kms_key_id: str | None = None, credentials: tuple[SecretEnv, SecretEnv] | None = None) -> Step:
    """The last step of a backup job: upload ``file`` (which an earlier step
    wrote into one of ``mounts``) with the AWS CLI to ``destination``
    (s3://bucket/prefix) as <UTC time><suffix>, then delete the objects under
    the prefix older than ``retention_days``. ``credentials``: the access key
    id and secret key, else the pod's own (an IAM role)."""
    bucket, _, prefix = destination.removeprefix("s3://").partition("/")
    env: dict[str, str | SecretEnv] = {"HOME": "/tmp", "FILE": file, "SUFFIX": suffix, "BUCKET": bucket,
                                       "PREFIX": prefix.strip("/"), "RETENTION_DAYS": str(retention_days)}
    if region:
        env["AWS_DEFAULT_REGION"] = region
    if sse:
        env["SSE"] = sse
    if kms_key_id:
        env["SSE_KMS_KEY_ID"] = kms_key_id
    if credentials:
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = credentials
    return Step("upload", image, ["/bin/bash", "-c", UPLOAD], env, mounts)
