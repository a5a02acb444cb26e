"""Alerts: an idea entered the top N, or spiked against its own baseline.

Each alert has an id derived from what happened (kind, idea, and ``top10`` or the ISO week of
the spike), so detecting it again on a later run or a retry finds the same row in
``meta.alerts`` and does nothing. Delivery to the webhook is an outbox:

1. new alerts are inserted (status ``pending``, or ``recorded`` without a webhook) and
   committed before anything is posted;
2. before each post the row becomes ``sending`` (committed), after it ``sent``;
3. a row still ``sending`` on a later run means a crash or an unknown outcome (it may have
   been delivered): it is posted again, with a note saying it may be a repeat.

So an alert is never lost, is posted once in the normal case, and a second post can only
happen after an interrupted one, and then says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from dashboards.context import idea_href
from dashboards.data import tables
from dashboards.markup import safe_url
from dashboards.trends import SpikeRule, iso_week
from dashboards.webhook import MaybeDelivered, NotDelivered, post_json
from transforms.text import shorten

log = logging.getLogger("idea_harvester.alerts")

Poster = Callable[[dict, str], None]  # (payload, alert_id) -> None, raises on failure
REPEAT_NOTE = (
    ":warning: Possible repeat: an earlier post of this alert was interrupted and may have arrived."
)


@dataclass(frozen=True)
class Alert:
    """An alert as detected, before it is recorded."""

    alert_id: str
    kind: str
    idea_id: str
    alert_key: str
    label: str
    rank: int
    text: str


@dataclass(frozen=True)
class AlertReport:
    """What a run did: alerts detected, newly recorded, posted, and left to post."""

    detected: int = 0
    recorded: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0

    def as_counts(self) -> dict[str, int]:
        return {
            "alerts_detected": self.detected,
            "alerts_new": self.recorded,
            "alerts_sent": self.sent,
            "alerts_failed": self.failed,
            "alerts_pending": self.pending,
        }


def alert_id(kind: str, idea_id: str, key: str) -> str:
    """Stable id of an alert event."""
    return hashlib.sha256(f"{kind}\x1f{idea_id}\x1f{key}".encode()).hexdigest()[:24]


def slack_escape(text: str) -> str:
    """Escape user text for Slack mrkdwn: ``& < >`` (no links, no @channel, no markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(label: str, limit: int = 120) -> str:
    return shorten(label, limit)


def detect(con: duckdb.DuckDBPyConnection, top_n: int, rule: SpikeRule | None) -> list[Alert]:
    """Every alert the current marts call for (recorded or not); ``rule`` None: no spike
    alerts."""
    have = tables(con)
    if "marts.top_ideas" not in have:
        return []
    ideas = con.execute(
        "SELECT idea_id, idea_rank, coalesce(label, representative_quote, idea_id), "
        "count_mentions, count_distinct_authors, channels FROM marts.top_ideas "
        "ORDER BY idea_rank, idea_id"
    ).fetchall()
    found: list[Alert] = []
    key = f"top{top_n}"
    for idea_id, rank, label, mentions, authors, channels in ideas:
        if rank > top_n:
            break
        where = ", ".join(channels or []) or "no channel"
        text = (
            f"New in the top {top_n}: #{rank} “{_short(label)}” "
            f"({mentions} mentions by {authors} authors; {where})."
        )
        found.append(
            Alert(alert_id("top_n", idea_id, key), "top_n", idea_id, key, label, rank, text)
        )
    if rule is None:
        return found
    # The marts decide what spikes (marts.top_ideas.is_spiking, as of spike_as_of, the run's
    # logical date): the alert says what the dashboard shows.
    spiking = con.execute(
        "SELECT idea_id, idea_rank, coalesce(label, representative_quote, idea_id), "
        "count_mentions_window, count_mentions_baseline, spike_growth, spike_as_of "
        "FROM marts.top_ideas WHERE is_spiking ORDER BY idea_rank, idea_id"
    ).fetchall()
    for idea_id, rank, label, recent, baseline, growth, as_of in spiking:
        week = iso_week(as_of)
        text = (
            f"Spiking: “{_short(label)}” (#{rank}) is mentioned in {recent} posts and comments "
            f"in the {rule.window_days} days to {as_of}, ×{growth:g} its usual {baseline:g}."
        )
        found.append(
            Alert(alert_id("spike", idea_id, week), "spike", idea_id, week, label, rank, text)
        )
    return found


def payload(alert: Alert, dashboard_url: str | None) -> dict:
    """The Slack-compatible body: ``text`` (fallback) and ``blocks``."""
    text = slack_escape(alert.text)
    base = safe_url(dashboard_url)
    if base:
        text += f" <{base.rstrip('/')}/{idea_href(alert.idea_id)}|Open in the dashboard>"
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Idea Harvester alert {alert.alert_id}"}],
            },
        ],
    }


def record(
    con: duckdb.DuckDBPyConnection,
    alerts: list[Alert],
    *,
    run_id: str,
    run_at: datetime,
    webhook: bool,
    dashboard_url: str | None = None,
) -> int:
    """Insert the alerts not yet in meta.alerts, in one transaction; return how many."""
    if not alerts:
        return 0
    con.execute("BEGIN TRANSACTION")
    try:
        ids = [a.alert_id for a in alerts]
        known = {
            r[0]
            for r in con.execute(
                "SELECT alert_id FROM meta.alerts WHERE list_contains(?, alert_id)", [ids]
            ).fetchall()
        }
        new = [a for a in alerts if a.alert_id not in known]
        status = "pending" if webhook else "recorded"
        delivery = "webhook" if webhook else "table"
        for a in new:
            body = payload(a, dashboard_url)
            con.execute(
                "INSERT INTO meta.alerts (alert_id, kind, idea_id, alert_key, label, idea_rank, "
                "message_text, payload_json, run_id, detected_at, delivery, status, attempts) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                [
                    a.alert_id, a.kind, a.idea_id, a.alert_key, a.label, a.rank, a.text,
                    json.dumps(body, ensure_ascii=False, sort_keys=True), run_id, run_at,
                    delivery, status,
                ],
            )  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(new)


def _set(con: duckdb.DuckDBPyConnection, alert: str, sql: str, params: list) -> None:
    """One committed update of an alert row (DuckDB autocommits each statement)."""
    con.execute(f"UPDATE meta.alerts SET {sql} WHERE alert_id = ?", [*params, alert])


def deliver(con: duckdb.DuckDBPyConnection, post: Poster) -> tuple[int, int, int]:
    """Post every pending (or interrupted) alert, oldest first; stop at the first failure.

    Returns (sent, failed, still to post).
    """
    rows = con.execute(
        "SELECT alert_id, payload_json, status FROM meta.alerts "
        "WHERE delivery = 'webhook' AND status IN ('pending', 'sending') "
        "ORDER BY detected_at, kind DESC, idea_rank, alert_id"
    ).fetchall()
    sent = failed = 0
    for alert, body_json, status in rows:
        body = json.loads(body_json)
        if status == "sending":  # an earlier post's outcome is unknown: say it may repeat
            body["text"] = f"{REPEAT_NOTE}\n{body['text']}"
            body["blocks"].insert(
                0, {"type": "context", "elements": [{"type": "mrkdwn", "text": REPEAT_NOTE}]}
            )
        _set(
            con,
            alert,
            "status = 'sending', attempts = attempts + 1, last_attempt_at = ?",
            [datetime.now(UTC)],
        )
        try:
            post(body, alert)
        except NotDelivered as err:
            _set(con, alert, "status = 'pending', last_error = ?", [str(err)])
            log.error("alert %s not delivered (will retry next run): %s", alert, err)
            failed += 1
            break
        except MaybeDelivered as err:
            _set(con, alert, "last_error = ?", [f"outcome unknown: {err}"])
            log.error("alert %s may not have arrived (resent next run, marked): %s", alert, err)
            failed += 1
            break
        _set(con, alert, "status = 'sent', sent_at = ?, last_error = NULL", [datetime.now(UTC)])
        sent += 1
    return sent, failed, len(rows) - sent


def run_alerts(
    con: duckdb.DuckDBPyConnection,
    settings: object,
    *,
    run_id: str,
    run_at: datetime,
    url: str | None,
    post: Poster | None = None,
) -> AlertReport:
    """Detect, record, then post the alerts; ``settings`` is the whole ``Settings``.

    ``url`` is the webhook (None: record in meta.alerts only); ``post`` replaces the HTTP
    post (tests).
    """
    cfg = settings.alerts
    if not cfg.enabled or "meta.alerts" not in tables(con):
        return AlertReport()
    rule = SpikeRule.from_settings(settings.dashboard) if cfg.spikes else None
    found = detect(con, cfg.top_n, rule)
    new = record(
        con,
        found,
        run_id=run_id,
        run_at=run_at,
        webhook=url is not None,
        dashboard_url=cfg.dashboard_url,
    )
    sent = failed = pending = 0
    if url is not None:
        poster = post or (
            lambda body, key: post_json(url, body, timeout_s=cfg.timeout_s, idempotency_key=key)
        )
        sent, failed, pending = deliver(con, poster)
    if new or sent or failed:
        log.info("alerts: %d new, %d posted, %d failed, %d to post", new, sent, failed, pending)
    return AlertReport(len(found), new, sent, failed, pending)
