-- 014: which version of the labelling code chose each idea's representative and label; an upgrade that changes it labels every idea again.
ALTER TABLE core.ideas ADD COLUMN labeller_id VARCHAR;
COMMENT ON COLUMN core.ideas.labeller_id IS 'Hash of the code that chose the representative and cut the label (transforms/labels.py, transforms/representatives.py). When it differs from the running code''s, the next enrich chooses them again; the members and the idea id never change with it.';
COMMENT ON COLUMN core.ideas.representative_sentence_id IS 'The member quoted on dashboards: the closest to the centroid (the most typical), unless a member nearly as typical has a label that names the request better (see transforms/representatives.py).';
