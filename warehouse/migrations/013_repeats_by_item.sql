-- 013: a repeat is another item by the same author; a second sentence of one item (a mined title and its text both asking) is not.
COMMENT ON COLUMN marts.top_ideas.score_repeats IS 'Score part: 0.5 per item beyond one per author (count_items - count_distinct_authors). Two suggestions of one item, such as a Reddit post whose title and text both ask, count once.';
COMMENT ON COLUMN marts.top_ideas.count_mentions IS 'Number of suggestions grouped in the idea (an item may hold several: see count_items).';
