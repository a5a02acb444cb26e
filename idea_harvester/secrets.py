"""Secrets for connectors: from an Airflow connection when running in an Airflow task, else from
environment variables. Never from the config file, and never logged.

``get_credentials("reddit_default", {"client_id": "REDDIT_CLIENT_ID", ...})`` returns a dict
of the named fields. Under Airflow, the connection's ``login`` and ``password`` map to the
first two fields and ``extra`` (JSON) may carry the others by name.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


class MissingCredentials(Exception):
    """A credential is missing; the message names what to set (never its value)."""


def _from_airflow(conn_id: str) -> dict[str, str] | None:
    if "airflow" not in sys.modules:  # not inside an Airflow task: don't pay for the import
        return None
    try:
        from airflow.sdk import BaseHook
    except Exception:  # Airflow not installed or not configured: use the environment
        return None
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception:  # not running in a task, or no such connection
        return None
    values = {"login": conn.login or "", "password": conn.password or ""}
    values.update({k: str(v) for k, v in (conn.extra_dejson or {}).items()})
    return values


def get_credentials(conn_id: str, env_names: dict[str, str], required: list[str]) -> dict[str, str]:
    """Collect the credential fields ``env_names`` (field -> environment variable).

    The Airflow connection ``conn_id`` wins when it exists; its login and password fill the
    first two fields of ``env_names``. Missing ``required`` fields raise MissingCredentials.
    """
    fields = list(env_names)
    found: dict[str, str] = {}
    conn = _from_airflow(conn_id)
    if conn is not None:
        for index, alias in enumerate(("login", "password")):
            if index < len(fields) and conn.get(alias):
                found[fields[index]] = conn[alias]
        for name in fields:
            if conn.get(name):
                found[name] = conn[name]
    for name, env in env_names.items():
        if not found.get(name) and os.environ.get(env):
            found[name] = os.environ[env]
    missing = [name for name in required if not found.get(name)]
    if missing:
        envs = ", ".join(f"${env_names[m]}" for m in missing)
        raise MissingCredentials(
            f"missing credentials {', '.join(missing)}: set the Airflow connection "
            f"{conn_id!r} or the environment variable(s) {envs}"
        )
    return found
