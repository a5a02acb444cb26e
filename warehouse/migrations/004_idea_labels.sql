-- 004: a short label (key phrase) per idea.
ALTER TABLE core.ideas ADD COLUMN label VARCHAR;
COMMENT ON COLUMN core.ideas.label IS 'Short label: the key phrase of the representative suggestion, without its request wording ("please add", "j''aimerais"). Refreshed when the representative changes.';
COMMENT ON COLUMN marts.top_ideas.label IS 'Short label of the idea (core.ideas.label), for lists and charts.';
