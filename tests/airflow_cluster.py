"""A real Airflow for tests: api-server, scheduler and dag-processor on 127.0.0.1.

Everything lives in a temporary AIRFLOW_HOME: SQLite metadata, the LocalExecutor, the simple
auth manager with users and passwords of the test's choosing. The processes are children of
the test, each in a process group of its own; ``stop()`` ends them and every process they
started (task runners put themselves into groups of their own, so descendants are collected
with psutil before anything is signalled). Nothing here imports Airflow.

    with AirflowCluster(home, env) as cluster:
        admin = cluster.login("admin", password)
        cluster.api("PATCH", "/api/v2/dags/ideas_publish", admin, json={"is_paused": False})
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import requests

from tests.airflow_support import REPO, airflow_cli, airflow_env

COMPONENTS = {
    "api-server": ["api-server", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
}
TERMINAL = {"success", "failed"}
FAULT_POLICY = Path(__file__).with_name("airflow_fault_policy.py")


class AirflowError(AssertionError):
    """Airflow did not do what the test waited for; the message carries the logs."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AirflowCluster:
    """The three Airflow processes, with a small REST client."""

    def __init__(self, home: Path, users: dict[str, tuple[str, str]], **env: str):
        """``users``: name to (role, password); ``env``: extra environment for Airflow."""
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.faults = home / "faults"
        self.procs: dict[str, subprocess.Popen] = {}
        passwords = home / "passwords.json"
        home.mkdir(parents=True, exist_ok=True)
        passwords.write_text(json.dumps({u: pw for u, (_, pw) in users.items()}))
        policy_dir = home / "policy"
        policy_dir.mkdir(exist_ok=True)
        shutil.copyfile(FAULT_POLICY, policy_dir / "airflow_local_settings.py")
        self.faults.mkdir(exist_ok=True)
        self.env = airflow_env(
            home,
            AIRFLOW__CORE__EXECUTOR="LocalExecutor",
            AIRFLOW__CORE__PARALLELISM="4",
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{self.url}/execution/",
            AIRFLOW__API__BASE_URL=self.url,
            AIRFLOW__API__WORKERS="1",
            AIRFLOW__API__SECRET_KEY=secrets.token_hex(16),
            AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_hex(32),
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=",".join(
                f"{u}:{role}" for u, (role, _) in users.items()
            ),
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
            AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK="False",
            IDEAS_TEST_FAULTS=str(self.faults),
            HF_HUB_OFFLINE="1",
            **env,
        )
        self.env["PYTHONPATH"] = f"{policy_dir}:{self.env['PYTHONPATH']}"

    # -- lifecycle ------------------------------------------------------------------------

    def start(self, deadline: float) -> AirflowCluster:
        """Migrate the database, start the processes, wait until all three report healthy."""
        airflow_cli(self.env, "db", "migrate", timeout=max(10.0, deadline - time.monotonic()))
        for name, args in COMPONENTS.items():
            log = open(self.home / f"{name}.log", "wb")  # noqa: SIM115 - closed by the process
            try:
                self.procs[name] = subprocess.Popen(
                    [sys.executable, "-m", "airflow", *(a.format(port=self.port) for a in args)],
                    env=self.env,
                    cwd=REPO,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            finally:
                log.close()
        self.wait(self._healthy, deadline, "api-server, scheduler and dag-processor healthy")
        return self

    def _healthy(self) -> bool:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise AirflowError(f"{name} exited with {proc.returncode}\n{self.logs()}")
        try:
            health = requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
        except (requests.RequestException, ValueError):
            return False
        return all(
            health.get(part, {}).get("status") == "healthy"
            for part in ("metadatabase", "scheduler", "dag_processor")
        )

    def stop(self, timeout: float = 20) -> list[int]:
        """End every process started, and their descendants; return the pids that were left
        alive (none, unless something could not be killed)."""
        tree: list[psutil.Process] = []
        for proc in self.procs.values():
            try:
                parent = psutil.Process(proc.pid)
                tree += [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        for p in tree:
            try:
                p.terminate()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(tree, timeout=timeout)
        for p in alive:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(alive, timeout=timeout)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        return [p.pid for p in alive]

    def __enter__(self) -> AirflowCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- REST API -------------------------------------------------------------------------

    def login(self, username: str, password: str) -> str:
        """A JWT from ``POST /auth/token``, as an outside system gets one."""
        r = requests.post(
            f"{self.url}/auth/token",
            json={"username": username, "password": password},
            timeout=30,
        )
        if r.status_code != 201:
            raise AirflowError(f"login as {username}: HTTP {r.status_code} {r.text}")
        return r.json()["access_token"]

    def api(self, method: str, path: str, token: str, ok: tuple[int, ...] = (200, 201), **kw):
        """Call the REST API with a bearer token; return the decoded JSON body."""
        r = requests.request(
            method,
            f"{self.url}{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            **kw,
        )
        if r.status_code not in ok:
            raise AirflowError(f"{method} {path}: HTTP {r.status_code} {r.text}")
        return r.json() if r.content else None

    def dag_runs(self, token: str, dag_id: str) -> list[dict[str, Any]]:
        runs = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?order_by=run_after", token)
        return runs["dag_runs"]

    def task_instances(self, token: str, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        body = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", token)
        return body["task_instances"]

    def wait_for_run(self, token: str, dag_id: str, number: int, deadline: float) -> dict:
        """Wait until ``dag_id`` has ``number`` runs and the last has ended; return it. A run
        that fails raises, with the logs of its failed tasks."""
        found: list[dict[str, Any]] = []

        def ended() -> bool:
            found[:] = self.dag_runs(token, dag_id)
            return len(found) >= number and found[number - 1]["state"] in TERMINAL

        self.wait(ended, deadline, f"run {number} of {dag_id} to end")
        run = found[number - 1]
        if run["state"] != "success":
            raise AirflowError(
                f"{dag_id} run {run['dag_run_id']}: {run['state']}\n"
                f"{self.task_logs(dag_id, run['dag_run_id'])}"
            )
        return run

    def wait(self, check, deadline: float, what: str, every: float = 1.0) -> None:
        while not check():
            if time.monotonic() > deadline:
                raise AirflowError(f"timed out waiting for {what}\n{self.logs()}")
            time.sleep(every)

    # -- logs -----------------------------------------------------------------------------

    def logs(self, tail: int = 3000) -> str:
        parts = []
        for name in self.procs:
            text = (self.home / f"{name}.log").read_text(errors="replace")
            parts.append(f"--- {name} (last {tail} chars) ---\n{text[-tail:]}")
        return "\n".join(parts)

    def task_logs(self, dag_id: str, run_id: str, tail: int = 4000) -> str:
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"
        parts = []
        for path in sorted(folder.rglob("*.log")):
            text = path.read_text(errors="replace")
            parts.append(f"--- {path.relative_to(folder)} ---\n{text[-tail:]}")
        return "\n".join(parts) or f"(no task logs under {folder})\n{self.logs()}"
