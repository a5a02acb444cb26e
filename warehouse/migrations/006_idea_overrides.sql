-- 006: grouping space, analyst overrides of ideas, and redirects of merged idea ids.
CREATE TABLE core.grouping_spaces (
    model_id VARCHAR PRIMARY KEY,
    space_id VARCHAR NOT NULL,
    space_source VARCHAR NOT NULL,
    count_components INTEGER NOT NULL,
    count_fitted_on INTEGER NOT NULL,
    mean FLOAT[],
    components FLOAT[][],
    fitted_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE core.grouping_spaces IS 'The space ideas are grouped in, per embedding model: the embedding minus its mean and its top principal directions (language, tone, style), renormalised. Fitted without labels; replaced only by reconsolidation, which recomputes every idea centroid from its members and never renumbers ideas.';
COMMENT ON COLUMN core.grouping_spaces.model_id IS 'Embedding model the space belongs to (core.embeddings.model_id).';
COMMENT ON COLUMN core.grouping_spaces.space_id IS 'Content hash of the space; core.idea_centroids.space_id names the space a centroid lives in.';
COMMENT ON COLUMN core.grouping_spaces.space_source IS 'identity (raw embeddings, too few suggestions yet and none shipped), bundled (shipped with the model, fitted on Mini-BAR reviews) or corpus (fitted on this warehouse''s suggestions).';
COMMENT ON COLUMN core.grouping_spaces.count_components IS 'Number of principal directions removed.';
COMMENT ON COLUMN core.grouping_spaces.count_fitted_on IS 'Number of embeddings the space was fitted on.';
COMMENT ON COLUMN core.grouping_spaces.mean IS 'Mean embedding subtracted first (NULL for the identity).';
COMMENT ON COLUMN core.grouping_spaces.components IS 'The removed principal directions, one unit vector each (NULL for none).';
COMMENT ON COLUMN core.grouping_spaces.fitted_at IS 'When the space was chosen or fitted (UTC).';

CREATE TABLE core.idea_centroids (
    idea_id VARCHAR PRIMARY KEY,
    space_id VARCHAR NOT NULL,
    grouping_centroid FLOAT[] NOT NULL
);
COMMENT ON TABLE core.idea_centroids IS 'Each idea''s centroid in the grouping space (core.grouping_spaces), which new suggestions are compared with; recomputed from the members when the space changes.';
COMMENT ON COLUMN core.idea_centroids.idea_id IS 'The idea (core.ideas.idea_id).';
COMMENT ON COLUMN core.idea_centroids.space_id IS 'The grouping space the centroid lives in (core.grouping_spaces.space_id).';
COMMENT ON COLUMN core.idea_centroids.grouping_centroid IS 'Mean of the members'' unit vectors in that space.';

CREATE TABLE core.idea_redirects (
    from_idea_id VARCHAR PRIMARY KEY,
    to_idea_id VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    decided_by VARCHAR,
    note VARCHAR,
    decided_at TIMESTAMPTZ NOT NULL,
    member_sentence_ids VARCHAR[]
);
COMMENT ON TABLE core.idea_redirects IS 'Ideas merged into another: the merged id is kept here, never reused or silently renumbered; links to it resolve to the surviving idea.';
COMMENT ON COLUMN core.idea_redirects.from_idea_id IS 'The merged idea id (no longer in core.ideas).';
COMMENT ON COLUMN core.idea_redirects.to_idea_id IS 'The surviving idea it was merged into (follow further redirects to the end).';
COMMENT ON COLUMN core.idea_redirects.reason IS 'analyst (an analyst merged them) or reconsolidation (their centroids became similar).';
COMMENT ON COLUMN core.idea_redirects.decided_by IS 'Who merged them: the analyst''s name, or the run id of the reconsolidation.';
COMMENT ON COLUMN core.idea_redirects.note IS 'Why, in words (analyst note, or the similarity for reconsolidation).';
COMMENT ON COLUMN core.idea_redirects.decided_at IS 'When the merge was recorded (UTC).';
COMMENT ON COLUMN core.idea_redirects.member_sentence_ids IS 'The mentions the merged idea had: their centroid still attracts new similar suggestions, which join the surviving idea.';

CREATE TABLE core.mention_overrides (
    sentence_id VARCHAR PRIMARY KEY,
    from_idea_id VARCHAR NOT NULL,
    to_idea_id VARCHAR NOT NULL,
    decided_by VARCHAR,
    note VARCHAR,
    decided_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE core.mention_overrides IS 'Analyst moves of one mention to another idea (or out to an idea of its own); every later run keeps the mention there.';
COMMENT ON COLUMN core.mention_overrides.sentence_id IS 'The moved suggestion (core.suggestions.sentence_id).';
COMMENT ON COLUMN core.mention_overrides.from_idea_id IS 'The idea the mention was in before the move.';
COMMENT ON COLUMN core.mention_overrides.to_idea_id IS 'The idea it must stay in (an existing idea, or a new one founded by the move).';
COMMENT ON COLUMN core.mention_overrides.decided_by IS 'Analyst who moved it.';
COMMENT ON COLUMN core.mention_overrides.note IS 'Why, in words.';
COMMENT ON COLUMN core.mention_overrides.decided_at IS 'When the move was recorded (UTC).';

CREATE TABLE core.idea_keep_apart (
    idea_id_a VARCHAR NOT NULL,
    idea_id_b VARCHAR NOT NULL,
    decided_by VARCHAR,
    note VARCHAR,
    decided_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (idea_id_a, idea_id_b)
);
COMMENT ON TABLE core.idea_keep_apart IS 'Pairs of ideas an analyst separated (a mention moved out, or kept apart explicitly): reconsolidation never merges them.';
COMMENT ON COLUMN core.idea_keep_apart.idea_id_a IS 'One idea of the pair (the smaller id).';
COMMENT ON COLUMN core.idea_keep_apart.idea_id_b IS 'The other idea of the pair (the larger id).';
COMMENT ON COLUMN core.idea_keep_apart.decided_by IS 'Analyst who separated them.';
COMMENT ON COLUMN core.idea_keep_apart.note IS 'Why, in words.';
COMMENT ON COLUMN core.idea_keep_apart.decided_at IS 'When it was recorded (UTC).';

CREATE TABLE core.near_duplicate_bands (
    sentence_id VARCHAR NOT NULL,
    band_key VARCHAR NOT NULL,
    PRIMARY KEY (sentence_id, band_key)
);
COMMENT ON TABLE core.near_duplicate_bands IS 'MinHash locality-sensitive bands of grouped suggestions: a new suggestion sharing a band with an earlier one, and close enough in word shingles, joins its twin''s idea without an embedding comparison (copy-pasted and syndicated text).';
COMMENT ON COLUMN core.near_duplicate_bands.sentence_id IS 'A grouped suggestion (core.mentions.sentence_id).';
COMMENT ON COLUMN core.near_duplicate_bands.band_key IS 'Band number and hash of that band of the suggestion''s MinHash signature.';
