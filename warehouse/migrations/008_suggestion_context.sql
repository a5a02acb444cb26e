-- 008: a suggestion that only refers back ("Please consider it.") carries the sentence before it.
COMMENT ON COLUMN core.suggestions.suggestion_text IS 'The suggestion as plain text. When the sentence only refers back to the one before it in its item ("Please consider it.", "Pourriez-vous l''ajouter ?"), that sentence comes first: "<previous sentence> <suggestion>". This is the text that is embedded and grouped.';
COMMENT ON COLUMN core.suggestions.text_hash IS 'Hash of the normalised suggestion_text; key of the embedding cache.';
