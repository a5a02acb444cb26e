-- 002: alerts (an idea entered the top N, or spiked), recorded once and delivered once.
CREATE TABLE meta.alerts (
    alert_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    idea_id VARCHAR NOT NULL,
    alert_key VARCHAR NOT NULL,
    label VARCHAR,
    idea_rank INTEGER,
    message_text VARCHAR NOT NULL,
    payload_json VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL,
    delivery VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TIMESTAMPTZ,
    sent_at TIMESTAMPTZ,
    last_error VARCHAR
);
COMMENT ON TABLE meta.alerts IS 'Alerts for the marketing team: an idea entered the top N or spiked. One row per alert, written before any delivery, so that each alert is sent once.';
COMMENT ON COLUMN meta.alerts.alert_id IS 'Alert id: hash of kind, idea_id and alert_key (the same event is one row, whatever the number of runs).';
COMMENT ON COLUMN meta.alerts.kind IS 'top_n (the idea entered the top N) or spike (its mentions spiked against its own baseline).';
COMMENT ON COLUMN meta.alerts.idea_id IS 'The idea (marts.top_ideas.idea_id).';
COMMENT ON COLUMN meta.alerts.alert_key IS 'What makes the event unique besides kind and idea: top10 for the top N, the ISO week (2026-W48) for a spike.';
COMMENT ON COLUMN meta.alerts.label IS 'Label of the idea when the alert was raised.';
COMMENT ON COLUMN meta.alerts.idea_rank IS 'Rank of the idea when the alert was raised.';
COMMENT ON COLUMN meta.alerts.message_text IS 'The alert in words, as posted.';
COMMENT ON COLUMN meta.alerts.payload_json IS 'The Slack-compatible JSON body posted to the webhook.';
COMMENT ON COLUMN meta.alerts.run_id IS 'Run that raised the alert (meta.runs.run_id).';
COMMENT ON COLUMN meta.alerts.detected_at IS 'Logical time of the run that raised the alert (UTC).';
COMMENT ON COLUMN meta.alerts.delivery IS 'webhook when a webhook was configured at detection, else table (recorded here only).';
COMMENT ON COLUMN meta.alerts.status IS 'recorded (table only), pending (to post), sending (a post began and its outcome is unknown: it is resent marked as a possible duplicate), sent.';
COMMENT ON COLUMN meta.alerts.attempts IS 'Number of posts begun to the webhook.';
COMMENT ON COLUMN meta.alerts.last_attempt_at IS 'When the last post began (UTC, wall clock).';
COMMENT ON COLUMN meta.alerts.sent_at IS 'When the webhook accepted the alert (UTC, wall clock).';
COMMENT ON COLUMN meta.alerts.last_error IS 'Why the last post failed or may have failed, if it did.';
