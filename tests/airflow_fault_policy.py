"""A test-only Airflow cluster policy: short retry delays, and a crash injected on demand.

The scheduler test copies this file into a folder on the Airflow processes' PYTHONPATH as
``airflow_local_settings.py``; Airflow applies ``task_policy`` to every task it parses (in the
DAG processor, and in the worker that runs the task). Production code has no test hook.

To make a task crash once, create the file ``$IDEAS_TEST_FAULTS/<dag_id>.<task_id>``. The next
attempt of that task runs the real step to its end (its transaction committed), then deletes
the marker, writes ``<dag_id>.<task_id>.fired`` with the step's result, and raises: the worker
died after the write, before Airflow recorded success. The retry must then leave no duplicate.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

__all__ = ["task_policy"]


def task_policy(task: Any) -> None:
    task.retry_delay = timedelta(seconds=1)
    task.max_retry_delay = timedelta(seconds=4)
    faults = os.environ.get("IDEAS_TEST_FAULTS")
    callable_ = getattr(task, "python_callable", None)
    if not faults or callable_ is None:
        return
    marker = Path(faults) / f"{task.dag_id}.{task.task_id}"

    @functools.wraps(callable_)
    def crash_once_after(*args: Any, **kwargs: Any) -> Any:
        result = callable_(*args, **kwargs)
        try:
            marker.unlink()
        except FileNotFoundError:
            return result
        marker.with_name(marker.name + ".fired").write_text(json.dumps(result, default=str))
        raise RuntimeError(f"injected crash after {task.task_id} finished its work")

    task.python_callable = crash_once_after
