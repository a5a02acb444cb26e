-- 005: analysts' corrections of the suggestion detector, one per sentence.
CREATE TABLE core.suggestion_labels (
    sentence_id VARCHAR PRIMARY KEY,
    sentence_text VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    is_suggestion BOOLEAN NOT NULL,
    labelled_by VARCHAR,
    labelled_at TIMESTAMPTZ NOT NULL,
    note VARCHAR
);
COMMENT ON TABLE core.suggestion_labels IS 'Analysts'' corrections (`ideas label`): whether a sentence is a suggestion. Enrich applies them over the detector on its next run, and `ideas train-classifier` trains on them.';
COMMENT ON COLUMN core.suggestion_labels.sentence_id IS 'The labelled sentence (core.sentences.sentence_id).';
COMMENT ON COLUMN core.suggestion_labels.sentence_text IS 'The sentence text when it was labelled (kept for training even if the item changes).';
COMMENT ON COLUMN core.suggestion_labels.language IS 'Language tag of the sentence: en, fr or und.';
COMMENT ON COLUMN core.suggestion_labels.is_suggestion IS 'The analyst''s verdict: true = a suggestion, false = not one.';
COMMENT ON COLUMN core.suggestion_labels.labelled_by IS 'Who labelled it (free text), if given.';
COMMENT ON COLUMN core.suggestion_labels.labelled_at IS 'When the label was recorded (UTC); a new label replaces the previous one.';
COMMENT ON COLUMN core.suggestion_labels.note IS 'Optional note explaining the label.';
COMMENT ON COLUMN core.sentences.suggestion_score IS 'Detector score in [0, 1]: the classifier''s probability when the classifier is on (else the rule score); 1 or 0 for a sentence an analyst labelled.';
COMMENT ON COLUMN core.sentences.is_suggestion IS 'True when the sentence is a suggestion: an analyst''s label if any, else a strong rule hit or a classifier probability at or above its threshold (rules only: score >= the configured threshold).';
COMMENT ON COLUMN core.sentences.suggestion_cue IS 'The rule cue that fired (e.g. "please add"), "classifier" when only the classifier found it, "analyst label" when a label decided.';
