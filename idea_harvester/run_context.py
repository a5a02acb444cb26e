"""The identity and logical time of a pipeline run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class RunContext:
    """Airflow gives its run id and data interval end; the CLI uses the current time.
    Steps use ``run_at`` instead of reading the clock, so a rerun of a run is identical."""

    run_id: str
    run_at: datetime

    @classmethod
    def now(cls) -> RunContext:
        at = datetime.now(UTC).replace(microsecond=0)
        return cls(run_id=f"cli-{at.strftime('%Y%m%dT%H%M%SZ')}", run_at=at)
