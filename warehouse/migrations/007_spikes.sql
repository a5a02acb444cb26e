-- 007: spike detection in the marts: this window's mentions against the idea's own baseline.
ALTER TABLE marts.top_ideas ADD COLUMN count_mentions_window INTEGER;
ALTER TABLE marts.top_ideas ADD COLUMN count_mentions_baseline DOUBLE;
ALTER TABLE marts.top_ideas ADD COLUMN spike_growth DOUBLE;
ALTER TABLE marts.top_ideas ADD COLUMN is_spiking BOOLEAN;
ALTER TABLE marts.top_ideas ADD COLUMN spike_as_of DATE;
COMMENT ON COLUMN marts.top_ideas.count_mentions_window IS 'Mentions in the spike window: the dashboard.spike_window_days days (7 by default) up to spike_as_of, inclusive.';
COMMENT ON COLUMN marts.top_ideas.count_mentions_baseline IS 'The idea''s own baseline: its average mentions per window over the dashboard.spike_baseline_weeks weeks (4 by default) before the window.';
COMMENT ON COLUMN marts.top_ideas.spike_growth IS 'count_mentions_window / max(count_mentions_baseline, 1).';
COMMENT ON COLUMN marts.top_ideas.is_spiking IS 'True when count_mentions_window reaches dashboard.spike_min_mentions (3) and spike_growth reaches dashboard.spike_ratio (2.0). The dashboard''s emerging page and the spike alerts use this flag.';
COMMENT ON COLUMN marts.top_ideas.spike_as_of IS 'Last day (UTC) of the spike window: the run''s logical date (the data interval end under Airflow), or the newest mention''s day when the marts are built without a run.';
