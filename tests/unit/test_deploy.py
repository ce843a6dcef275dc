"""deploy/: Kubernetes manifests validated offline against the Kubernetes 1.28 API schemas
(kubernetes-validate), the Compose file and the Dockerfiles checked against the project, and
nginx's configurations (Compose's and `make cluster`'s) checked by nginx itself."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts import local_servers
from tests.support.servers import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
KUBERNETES = sorted(path for path in (DEPLOY / "kubernetes").glob("*.yaml")
                    if path.name != "kustomization.yaml")
SECRET_SETTINGS = {"TRACKER_STORE_URL", "LOCK_STORE_URL", "RASA_API_TOKEN"}


def documents(path: Path) -> list:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.mark.parametrize("path", KUBERNETES, ids=lambda path: path.name)
def test_kubernetes_manifests_are_valid(path):
    import kubernetes_validate

    for document in documents(path):
        kubernetes_validate.validate(document, "1.28.0", strict=True)


def test_a_wrong_manifest_is_refused():
    import kubernetes_validate

    [deployment, *_] = documents(DEPLOY / "kubernetes" / "rasa.yaml")
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.28.0", strict=True)


def test_kustomization_lists_every_manifest():
    listed = yaml.safe_load((DEPLOY / "kubernetes" / "kustomization.yaml").read_text())
    assert sorted(listed["resources"]) == [path.name for path in KUBERNETES]


def test_the_configmap_holds_the_projects_endpoints():
    [config_map] = documents(DEPLOY / "kubernetes" / "endpoints-configmap.yaml")
    assert config_map["data"]["endpoints.yml"] == (PROJECT_ROOT / "endpoints.yml").read_text()


def deployments() -> list:
    return [doc for path in KUBERNETES for doc in documents(path) if doc["kind"] == "Deployment"]


@pytest.mark.parametrize("deployment", deployments(), ids=lambda d: d["metadata"]["name"])
def test_pods_run_as_non_root_with_probes_limits_and_secrets_by_reference(deployment):
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    for container in pod["containers"]:
        assert {"readinessProbe", "livenessProbe"} <= container.keys()
        assert {"memory", "cpu"} <= container["resources"]["requests"].keys()
        assert "memory" in container["resources"]["limits"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        for variable in container.get("env", []):
            if variable["name"] in SECRET_SETTINGS:
                assert "value" not in variable and "secretKeyRef" in variable["valueFrom"]


def test_the_rasa_pods_get_every_variable_endpoints_yml_needs():
    lines = (PROJECT_ROOT / "endpoints.yml").read_text().splitlines()
    needed = {name for line in lines if not line.lstrip().startswith("#")
              for name in re.findall(r"\$\{(\w+)\}", line)}
    [rasa] = [d for d in deployments() if d["metadata"]["name"] == "liege-rasa"]
    given = {v["name"] for v in rasa["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert needed <= given
    compose = yaml.safe_load((DEPLOY / "compose" / "docker-compose.yml").read_text())
    assert needed <= set(compose["services"]["rasa"]["environment"])


def test_compose_has_the_cluster_topology_and_no_secret_in_clear():
    text = (DEPLOY / "compose" / "docker-compose.yml").read_text()
    compose = yaml.safe_load(text)
    assert set(compose["services"]) == {"postgres", "redis", "actions", "rasa", "nginx"}
    assert compose["services"]["rasa"]["deploy"]["replicas"] == 2
    for service in compose["services"].values():
        build = service.get("build")
        if build:
            assert (DEPLOY / "compose" / build["context"] / build["dockerfile"]).exists()
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "RASA_API_TOKEN"):
        assert f"${{{name}:?" in text  # required from the environment, never written here
    assert not re.search(r"(?i)password\s*[:=]\s*[\"']?[a-z0-9]{6,}", text)


@pytest.mark.parametrize("name", ["rasa.Dockerfile", "actions.Dockerfile"])
def test_dockerfiles_copy_existing_files_and_run_as_non_root(name):
    text = (DEPLOY / "docker" / name).read_text()
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert (PROJECT_ROOT / source).exists() or source.startswith("models/"), source
    assert re.search(r"^USER 10001$", text, re.M)


def test_the_action_image_has_what_the_actions_import():
    pinned = (PROJECT_ROOT / "requirements-actions.txt").read_text()
    assert "rasa-sdk==" in pinned and "-r requirements-actions.txt" in (
        PROJECT_ROOT / "requirements.txt").read_text()


def nginx() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        pytest.skip("nginx is not installed (make test-deps installs it)")
    return found


def nginx_accepts(config_text: str, folder: Path) -> None:
    config = folder / "nginx.conf"
    config.write_text(config_text)
    done = subprocess.run([nginx(), "-t", "-q", "-c", str(config), "-e", "stderr"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_nginx_accepts_compose_configuration(tmp_path):
    text = (DEPLOY / "compose" / "nginx.conf").read_text()
    text = text.replace("server rasa:5005", "server 127.0.0.1:5005")  # Docker's name for it
    nginx_accepts(f"pid {tmp_path}/nginx.pid;\n{text}", tmp_path)


def test_nginx_accepts_make_clusters_configuration(tmp_path):
    (tmp_path / "nginx-temp").mkdir()
    nginx_accepts(local_servers.nginx_config(tmp_path, "127.0.0.1:8000", [5005, 5006]),
                  tmp_path)
