-- 012: a Reddit post's title (its author's own words) is mined as the post's first sentence.
COMMENT ON TABLE core.sentences IS 'Items split into sentences, each with its language and suggestion verdict. A Reddit post''s title comes first (sentence_index 0); titles of feed items and blog comments are not mined (often generated, e.g. "Comment on <post> by <name>").';
COMMENT ON COLUMN core.sentences.sentence_index IS 'Position of the sentence in its item, from 0 (a Reddit post''s title, when it has one, then its text).';
