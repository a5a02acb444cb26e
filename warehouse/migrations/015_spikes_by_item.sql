-- 015: trends and spikes count the items (posts, comments) that mention an idea, so that one post that asks three times is not a spike.
ALTER TABLE marts.idea_mentions_daily ADD COLUMN count_items INTEGER;
COMMENT ON COLUMN marts.idea_mentions_daily.count_items IS 'Number of items (posts, comments) mentioning the idea that day, channel and language: an item that asks twice counts once. The dashboard''s trends use it, as the spike columns of marts.top_ideas do.';
COMMENT ON COLUMN marts.idea_mentions_daily.count_mentions IS 'Number of mentions (suggestions) that day; an item may hold several (see count_items).';
COMMENT ON COLUMN marts.top_ideas.count_mentions_window IS 'Items (posts, comments) mentioning the idea in the spike window: the dashboard.spike_window_days days (7 by default) up to spike_as_of, inclusive. An item that asks twice counts once, so one post cannot make a spike.';
COMMENT ON COLUMN marts.top_ideas.count_mentions_baseline IS 'The idea''s own baseline: its average items mentioning it per window over the dashboard.spike_baseline_weeks weeks (4 by default) before the window.';
