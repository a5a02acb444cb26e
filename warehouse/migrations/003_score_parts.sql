-- 003: the parts of each idea's score, as columns, so analysts see why an idea ranks where it does.
ALTER TABLE marts.top_ideas ADD COLUMN score_authors DOUBLE;
ALTER TABLE marts.top_ideas ADD COLUMN score_repeats DOUBLE;
ALTER TABLE marts.top_ideas ADD COLUMN score_channels DOUBLE;
ALTER TABLE marts.top_ideas ADD COLUMN score_engagement DOUBLE;
ALTER TABLE marts.top_ideas ADD COLUMN score_recency DOUBLE;
COMMENT ON COLUMN marts.top_ideas.score IS 'Ranking score: the sum of the score_* columns.';
COMMENT ON COLUMN marts.top_ideas.score_authors IS 'Score part: 1 per distinct author.';
COMMENT ON COLUMN marts.top_ideas.score_repeats IS 'Score part: 0.5 per mention beyond one per author.';
COMMENT ON COLUMN marts.top_ideas.score_channels IS 'Score part: 0.5 per channel beyond the first.';
COMMENT ON COLUMN marts.top_ideas.score_engagement IS 'Score part: 0.25 x ln(1 + engagement given by the sources: scores and comment counts).';
COMMENT ON COLUMN marts.top_ideas.score_recency IS 'Score part: each distinct author counts 2^(-age / 14 days) for their latest mention, age measured back from the newest mention in the warehouse (so rebuilding the marts gives the same result).';
