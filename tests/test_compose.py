"""docker-compose.yml, checked without Docker (no engine runs on these machines).

Two checks: Debian's ``docker-compose`` (v1) validates the file offline when it is installed
(``.ci/run`` installs it; the test is skipped with a message otherwise), and a YAML-level
check that every service, volume, file and build path the file names exists and that the
deployment is the one the README describes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from idea_harvester.config import load_settings

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict[str, Any]:
    return compose["services"]


def test_docker_compose_validates_the_file_offline(tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip(
            "docker-compose (v1) is not installed: apt-get install -y --no-install-recommends "
            "docker-compose (.ci/run does)"
        )
    proc = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "-q"],
        cwd=tmp_path,  # no .env from the working copy
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", "no warning (unset variable, deprecated key)"


def test_the_services_of_the_official_layout_are_there(services):
    expected = {"postgres", "redis", "airflow-init", "airflow-cli", "dashboards"}
    assert set(services) == expected | set(AIRFLOW_SERVICES)
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"].startswith(command), name


def test_every_dependency_names_a_service(services):
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        for dep, spec in (service.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert spec["condition"] in conditions, name
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep}'s health"


def test_every_volume_is_declared_and_every_mounted_file_exists(compose, services):
    declared = set(compose["volumes"])
    used = set()
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"
                used.add(source)
    assert used == declared, "no declared volume is left unused"
    assert {"warehouse", "landing", "dashboards"} <= declared


def test_the_image_is_built_from_the_dockerfile_on_airflow_3_3_2(services):
    for name in [*AIRFLOW_SERVICES, "airflow-init", "airflow-cli"]:
        build = services[name]["build"]
        context = REPO / build["context"]
        assert (context / build["dockerfile"]).is_file(), name
        assert "TORCH_INDEX_URL" in build["args"], name
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM apache/airflow:3\.3\.2\b", dockerfile, re.M)
    # CPU-only torch: installed from the index of the build argument, before the project.
    torch_line = next(line for line in dockerfile.splitlines() if line.startswith("RUN pip"))
    assert '--index-url "${TORCH_INDEX_URL}"' in torch_line
    assert dockerfile.index("torch==") < dockerfile.index("/opt/idea-harvester/src\n")
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", "tests"} <= ignored
    for source in re.findall(r"^COPY (?:--\S+ )*(\S+) ", dockerfile, re.M):
        assert (REPO / source).exists(), f"the Dockerfile copies missing {source}"
        assert source.split("/")[0] not in ignored, f"{source} is in .dockerignore"


def test_airflow_runs_celery_on_redis_with_postgres_metadata(compose, services):
    env = compose["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://:@redis:6379/")
    assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith(
        "http://airflow-apiserver:8080/"
    )
    assert "8080:8080" in services["airflow-apiserver"]["ports"]
    assert "--queues default,ingest" in services["airflow-worker"]["command"]


def test_init_migrates_creates_the_user_and_the_one_slot_pool(services):
    init = services["airflow-init"]
    assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
    assert init["environment"]["_AIRFLOW_WWW_USER_CREATE"] == "true"
    script = "\n".join(init["command"])
    assert re.search(r"pools set warehouse_writer 1\b", script)
    for name in AIRFLOW_SERVICES:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == (
            "service_completed_successfully"
        ), name


def test_the_config_puts_the_data_on_the_volumes_and_nginx_serves_the_dashboards(compose, services):
    common = compose["x-airflow-common"]
    mounts = dict(m.split(":")[:2][::-1] for m in common["volumes"])  # target -> source
    config_target = common["environment"]["IDEAS_CONFIG"]
    settings = load_settings(REPO / mounts[config_target].lstrip("./"))
    assert mounts[str(settings.warehouse.parent)] == "warehouse"
    assert mounts[str(settings.landing)] == "landing"
    assert mounts[str(settings.dashboards_dir)] == "dashboards"
    assert mounts[common["environment"]["AIRFLOW__CORE__DAGS_FOLDER"]] == "./dags"
    nginx = services["dashboards"]
    assert nginx["image"].startswith("nginx:")
    assert "dashboards:/usr/share/nginx/html:ro" in nginx["volumes"]
    port = nginx["ports"][0].split(":")[-2]
    assert "8080" not in port, "the dashboards have a port of their own"


def test_every_variable_has_a_default(tmp_path):
    """``docker compose up`` works without a .env file: each ${VAR} has a :- default."""
    text = COMPOSE.read_text(encoding="utf-8")
    bare = re.findall(r"(?<!\$)\$\{(\w+)\}", text)
    assert bare == [], f"variables without a default: {bare}"
