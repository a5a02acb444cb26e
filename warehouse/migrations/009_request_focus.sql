-- 009: suggestions are grouped on request-focused vectors, stored under a grouping key.
COMMENT ON COLUMN core.embeddings.model_id IS 'Embedding model that produced the vector. For suggestion texts, the grouping key: the model name plus "+request-focus" when grouping.request_focus is on (the default), for the normalised mean of the text''s embedding and the embedding of the text without its request wording ("Could you add a week view?" -> "week view?").';
COMMENT ON COLUMN core.ideas.model_id IS 'Grouping key (core.embeddings.model_id) whose space the centroid lives in: suggestions grouped under another key start ideas of their own.';
COMMENT ON COLUMN core.grouping_spaces.model_id IS 'Grouping key the space belongs to (core.embeddings.model_id).';
