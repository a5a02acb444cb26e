"""An analyst in another process: a read-only DuckDB connection held open while tests run.

DuckDB locks files per process, so only a second process shows whether a reader gets in the
writer's way. ``with analyst_on(path) as analyst: analyst.count_items()``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Open the file read-only, print "open", then answer each "count" line on stdin with the row
# count of raw.items, until "quit".
_SCRIPT = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read-only")
    print("open", flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        print(con.execute("SELECT count(*) FROM raw.items").fetchone()[0], flush=True)
    con.close()
    """
)


class Analyst:
    """The child process holding the connection."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc

    def count_items(self) -> int:
        """Ask, through the open connection, how many rows raw.items has."""
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return int(self.read_line())

    def read_line(self) -> str:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the analyst process died: {self.proc.stderr.read()}")
        return line.strip()


@contextmanager
def analyst_on(path: Path, read_only: bool = True) -> Iterator[Analyst]:
    """Start the analyst on ``path``; it is stopped on exit, whatever happened. With
    ``read_only=False`` it holds the file as a pipeline step writing it does."""
    mode = "read-only" if read_only else "read-write"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, str(path), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        analyst = Analyst(proc)
        if analyst.read_line() != "open":
            raise RuntimeError("the analyst could not open the file")
        yield analyst
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=20)
