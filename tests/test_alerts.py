"""Alerts: a webhook receiver on 127.0.0.1 gets each new alert exactly once across runs,
retries and failures; an interrupted post is resent and says it may be a repeat."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from dashboards.alerts import REPEAT_NOTE, alert_id, run_alerts, slack_escape
from dashboards.webhook import WEBHOOK_ENV, NotDelivered, post_json
from idea_harvester import steps
from idea_harvester.config import Settings, settings_from_dict
from idea_harvester.run_context import RunContext
from idea_harvester.snapshot import read_target
from tests.test_dashboard_support import RUN_AT, XSS_SCRIPT, fill_marts, mention, open_warehouse

DAY = timedelta(days=1)


class Receiver:
    """A Slack-like incoming webhook on 127.0.0.1 that records every JSON body."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.fail_next = 0  # answer HTTP 500 to this many posts
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"busy")
                    return
                message = json.loads(body)
                message["_key"] = self.headers.get("Idempotency-Key")
                receiver.messages.append(message)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/secret"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def keys(self) -> list[str]:
        return [m["_key"] for m in self.messages]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    r = Receiver()
    monkeypatch.setenv(WEBHOOK_ENV, r.url)
    yield r
    r.close()


def _settings(tmp_path: Path, top_n: int = 2) -> Settings:
    return settings_from_dict(
        {
            "warehouse": "wh/ideas.duckdb",
            "landing": "landing",
            "alerts": {"top_n": top_n, "dashboard_url": "https://ideas.example/dash/"},
        },
        tmp_path,
    )


def _write_marts(settings: Settings, week: int) -> None:
    """Week 0: ideas a > b > c, nothing spiking. Week 1 (a week later): c overtakes b and
    spikes; a new idea d appears."""
    labels = {"a": "Dark mode", "b": "Export CSV", "c": f"Offline mode {XSS_SCRIPT}", "d": "API"}
    old = RUN_AT - DAY * 40
    ms = [mention("a", k, old + DAY * 3 * k) for k in range(6)]
    ms += [mention("b", k, old + DAY * 4 * k) for k in range(4)]
    ms += [mention("c", k, old + DAY * 5 * k) for k in range(2)]
    if week == 1:
        ms += [mention("c", 10 + k, RUN_AT + DAY * (2 + k % 4)) for k in range(5)]
        ms += [mention("d", 0, RUN_AT + DAY * 3)]
    else:
        labels.pop("d")
    # The marts' spike columns, as warehouse.marts computes them (tests/test_marts.py checks
    # that): c has 5 mentions in the week to the second run and none in the 4 weeks before.
    spikes = {}
    if week == 1:
        as_of = (RUN_AT + DAY * 7).date()
        spikes["c"] = {
            "count_mentions_window": 5,
            "count_mentions_baseline": 0.0,
            "spike_growth": 5.0,
            "is_spiking": True,
            "spike_as_of": as_of,
        }
    con = open_warehouse(settings.warehouse)
    try:
        fill_marts(con, labels, ms, extra=spikes)
    finally:
        con.close()


def _rows(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT alert_id, kind, idea_id, status, attempts, delivery FROM meta.alerts "
            "ORDER BY detected_at, kind DESC, idea_rank"
        ).fetchall()


def test_each_new_alert_is_posted_once_across_runs(tmp_path: Path, receiver: Receiver) -> None:
    settings = _settings(tmp_path)
    settings.warehouse.parent.mkdir(parents=True)
    _write_marts(settings, week=0)
    run1 = RunContext("run-1", RUN_AT)
    steps.publish(settings, run1)
    assert [(k, i) for _, k, i, *_ in _rows(settings)] == [("top_n", "a"), ("top_n", "b")]
    assert len(receiver.messages) == 2
    # Analysts read the snapshot: it was published again with the alerts, and is current.
    target = read_target(settings.warehouse)
    assert target.is_snapshot and target.note is None
    with duckdb.connect(str(target.path), read_only=True) as snap:
        assert snap.execute("SELECT count(*) FROM meta.alerts").fetchone() == (2,)

    steps.publish(settings, run1)  # an Airflow retry of the same run
    assert len(receiver.messages) == 2

    _write_marts(settings, week=1)
    run2 = RunContext("run-2", RUN_AT + DAY * 7)
    steps.publish(settings, run2)
    steps.publish(settings, run2)
    rows = _rows(settings)
    assert [(k, i) for _, k, i, *_ in rows] == [
        ("top_n", "a"),
        ("top_n", "b"),
        ("top_n", "c"),
        ("spike", "c"),
    ]
    assert all(status == "sent" and attempts == 1 for *_, status, attempts, _ in rows)
    # Exactly one message per alert, in order, each carrying its alert id.
    assert receiver.keys() == [r[0] for r in rows]
    for message, row in zip(receiver.messages, rows, strict=True):
        assert f"alert {row[0]}" in json.dumps(message["blocks"])
        assert REPEAT_NOTE not in message["text"]
    spike = receiver.messages[-1]["text"]
    assert spike.startswith("Spiking: “Offline mode &lt;script&gt;")  # Slack-escaped
    assert "is mentioned in 5 posts and comments in the 7 days to " in spike
    assert "×5 its usual 0" in spike
    assert "<https://ideas.example/dash/idea/c.html|Open in the dashboard>" in spike
    assert "<script>" not in json.dumps(receiver.messages)


def test_without_a_webhook_alerts_are_recorded_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    settings = _settings(tmp_path)
    settings.warehouse.parent.mkdir(parents=True)
    _write_marts(settings, week=0)
    steps.publish(settings, RunContext("run-1", RUN_AT))
    rows = _rows(settings)
    assert [(r[3], r[5]) for r in rows] == [("recorded", "table")] * 2
    alerts_page = (settings.dashboards_dir / "alerts.html").read_text(encoding="utf-8")
    assert "recorded (no webhook)" in alerts_page


def _run(settings: Settings, ctx: RunContext, url: str, post=None):  # noqa: ANN001, ANN202
    with duckdb.connect(str(settings.warehouse)) as con:
        return run_alerts(con, settings, run_id=ctx.run_id, run_at=ctx.run_at, url=url, post=post)


class Crash(BaseException):
    """Stands for the process dying (kill -9, OOM) at a chosen point."""


def test_a_crash_before_the_post_resends_once_marked(tmp_path: Path, receiver: Receiver) -> None:
    settings = _settings(tmp_path, top_n=1)
    settings.warehouse.parent.mkdir(parents=True)
    _write_marts(settings, week=0)
    ctx = RunContext("run-1", RUN_AT)

    def crash_before(body: dict, key: str) -> None:
        raise Crash

    with pytest.raises(Crash):
        _run(settings, ctx, receiver.url, post=crash_before)
    assert [r[3] for r in _rows(settings)] == ["sending"]
    assert receiver.messages == []

    _run(settings, ctx, receiver.url)  # the retry
    _run(settings, ctx, receiver.url)
    assert len(receiver.messages) == 1  # never lost, posted once
    assert receiver.messages[0]["text"].startswith(REPEAT_NOTE)  # and it says it may repeat
    assert [(r[3], r[4]) for r in _rows(settings)] == [("sent", 2)]


def test_a_crash_after_the_post_is_never_a_silent_duplicate(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = _settings(tmp_path, top_n=1)
    settings.warehouse.parent.mkdir(parents=True)
    _write_marts(settings, week=0)
    ctx = RunContext("run-1", RUN_AT)

    def crash_after(body: dict, key: str) -> None:
        post_json(receiver.url, body, timeout_s=5, idempotency_key=key)
        raise Crash  # delivered, but the process died before recording it

    with pytest.raises(Crash):
        _run(settings, ctx, receiver.url, post=crash_after)
    _run(settings, ctx, receiver.url)
    _run(settings, ctx, receiver.url)
    assert len(receiver.messages) == 2
    first, second = receiver.messages
    assert first["_key"] == second["_key"]  # same alert id: receivers can deduplicate
    assert REPEAT_NOTE not in first["text"] and second["text"].startswith(REPEAT_NOTE)
    assert [(r[3], r[4]) for r in _rows(settings)] == [("sent", 2)]


def test_a_failing_webhook_keeps_alerts_for_the_next_run(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = _settings(tmp_path)
    settings.warehouse.parent.mkdir(parents=True)
    _write_marts(settings, week=0)
    ctx = RunContext("run-1", RUN_AT)
    receiver.fail_next = 1
    report = _run(settings, ctx, receiver.url)
    assert (report.recorded, report.sent, report.failed, report.pending) == (2, 0, 1, 2)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        errors = con.execute("SELECT status, last_error FROM meta.alerts").fetchall()
    assert errors[0] == ("pending", "webhook answered HTTP 500: busy")
    assert receiver.messages == []
    report = _run(settings, ctx, receiver.url)
    assert (report.recorded, report.sent, report.pending) == (0, 2, 0)
    assert len(receiver.messages) == 2
    assert not any(REPEAT_NOTE in m["text"] for m in receiver.messages)  # 500: surely not sent


def test_an_unreachable_webhook_is_not_delivered(receiver: Receiver) -> None:
    receiver.close()
    with pytest.raises(NotDelivered) as err:
        post_json(receiver.url, {"text": "x"}, timeout_s=2, idempotency_key="k")
    assert "secret" not in str(err.value) and "127.0.0.1" not in str(err.value)


def test_alert_ids_and_slack_escaping() -> None:
    assert alert_id("top_n", "a", "top10") == alert_id("top_n", "a", "top10")
    assert alert_id("top_n", "a", "top10") != alert_id("spike", "a", "top10")
    assert (
        slack_escape("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
    )
    assert re.fullmatch(r"[0-9a-f]{24}", alert_id("spike", "a", "2026-W48"))
