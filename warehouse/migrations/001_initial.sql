-- 001: the first schema. raw -> core -> marts, plus meta for loads, cursors, errors and runs.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE raw.items (
    item_id VARCHAR PRIMARY KEY,
    source_name VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    url VARCHAR,
    title VARCHAR,
    author VARCHAR,
    published_at TIMESTAMPTZ,
    content_html VARCHAR,
    parent_native_id VARCHAR,
    thread_native_id VARCHAR,
    thread_title VARCHAR,
    thread_url VARCHAR,
    score BIGINT,
    count_comments BIGINT,
    content_hash VARCHAR NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    batch_id VARCHAR NOT NULL
);
COMMENT ON TABLE raw.items IS 'Every item as fetched from its source (feed entry, post, comment); one row per item, updated in place when its content changes.';
COMMENT ON COLUMN raw.items.item_id IS 'Stable item id: hash of source_name and native_id.';
COMMENT ON COLUMN raw.items.source_name IS 'Name of the configured source that produced the item.';
COMMENT ON COLUMN raw.items.channel IS 'Kind of channel: rss, reddit or blog_comments.';
COMMENT ON COLUMN raw.items.native_id IS 'The id the source gives the item (feed guid, else link, else content hash).';
COMMENT ON COLUMN raw.items.url IS 'Link to the original post.';
COMMENT ON COLUMN raw.items.title IS 'Title of the item as published.';
COMMENT ON COLUMN raw.items.author IS 'Author name or handle as published (may be empty).';
COMMENT ON COLUMN raw.items.published_at IS 'When the item was published (UTC), as the source states it.';
COMMENT ON COLUMN raw.items.content_html IS 'Body of the item as fetched (HTML or text), never rendered unescaped.';
COMMENT ON COLUMN raw.items.parent_native_id IS 'Native id of the parent item (a comment''s parent), if any.';
COMMENT ON COLUMN raw.items.thread_native_id IS 'Native id of the thread or post the item belongs to, if any.';
COMMENT ON COLUMN raw.items.thread_title IS 'Title of the thread or post the item belongs to, if any.';
COMMENT ON COLUMN raw.items.thread_url IS 'Link to the thread or post the item belongs to, if any.';
COMMENT ON COLUMN raw.items.score IS 'Engagement score given by the source (e.g. Reddit score), if any.';
COMMENT ON COLUMN raw.items.count_comments IS 'Number of comments or replies the source reports, if any.';
COMMENT ON COLUMN raw.items.content_hash IS 'Hash of title and content; a change marks an edited item.';
COMMENT ON COLUMN raw.items.fetched_at IS 'When the item was first fetched in this version (UTC).';
COMMENT ON COLUMN raw.items.batch_id IS 'Landing batch that last wrote this row (see meta.loads).';

CREATE TABLE core.sentences (
    sentence_id VARCHAR PRIMARY KEY,
    item_id VARCHAR NOT NULL,
    sentence_index INTEGER NOT NULL,
    sentence_text VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    is_suggestion BOOLEAN NOT NULL,
    suggestion_score DOUBLE NOT NULL,
    suggestion_cue VARCHAR,
    content_hash VARCHAR NOT NULL
);
COMMENT ON TABLE core.sentences IS 'Items split into sentences, each with its language and suggestion verdict.';
COMMENT ON COLUMN core.sentences.sentence_id IS 'Stable sentence id: hash of item_id, position and text.';
COMMENT ON COLUMN core.sentences.item_id IS 'Item the sentence comes from (raw.items.item_id).';
COMMENT ON COLUMN core.sentences.sentence_index IS 'Position of the sentence in its item, from 0.';
COMMENT ON COLUMN core.sentences.sentence_text IS 'The sentence as plain text.';
COMMENT ON COLUMN core.sentences.text_hash IS 'Hash of the normalised text; key of the embedding cache.';
COMMENT ON COLUMN core.sentences.language IS 'Language tag: en, fr or und (undetermined).';
COMMENT ON COLUMN core.sentences.is_suggestion IS 'True when the detector judges the sentence a suggestion.';
COMMENT ON COLUMN core.sentences.suggestion_score IS 'Detector score in [0, 1]; is_suggestion is score >= the configured threshold.';
COMMENT ON COLUMN core.sentences.suggestion_cue IS 'The cue that made the detector decide (e.g. "please add"), if any.';
COMMENT ON COLUMN core.sentences.content_hash IS 'raw.items.content_hash of the item version the sentence was cut from.';

CREATE TABLE core.suggestions (
    sentence_id VARCHAR PRIMARY KEY,
    item_id VARCHAR NOT NULL,
    suggestion_text VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    suggestion_score DOUBLE NOT NULL,
    suggestion_cue VARCHAR
);
COMMENT ON TABLE core.suggestions IS 'Sentences judged to be suggestions; the input of idea grouping.';
COMMENT ON COLUMN core.suggestions.sentence_id IS 'The suggestion sentence (core.sentences.sentence_id).';
COMMENT ON COLUMN core.suggestions.item_id IS 'Item the suggestion comes from.';
COMMENT ON COLUMN core.suggestions.suggestion_text IS 'The suggestion as plain text.';
COMMENT ON COLUMN core.suggestions.text_hash IS 'Hash of the normalised text; key of the embedding cache.';
COMMENT ON COLUMN core.suggestions.language IS 'Language tag: en, fr or und.';
COMMENT ON COLUMN core.suggestions.suggestion_score IS 'Detector score in [0, 1].';
COMMENT ON COLUMN core.suggestions.suggestion_cue IS 'The cue that made the detector decide, if any.';

CREATE TABLE core.embeddings (
    text_hash VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    embedding FLOAT[] NOT NULL,
    PRIMARY KEY (text_hash, model_id)
);
COMMENT ON TABLE core.embeddings IS 'Embedding cache: one unit-length vector per (normalised text, model); a text is never embedded twice by the same model.';
COMMENT ON COLUMN core.embeddings.text_hash IS 'Hash of the normalised text.';
COMMENT ON COLUMN core.embeddings.model_id IS 'Embedding model that produced the vector.';
COMMENT ON COLUMN core.embeddings.embedding IS 'The unit-length embedding vector.';

CREATE TABLE core.ideas (
    idea_id VARCHAR PRIMARY KEY,
    model_id VARCHAR NOT NULL,
    founding_sentence_id VARCHAR NOT NULL,
    representative_sentence_id VARCHAR NOT NULL,
    centroid FLOAT[] NOT NULL,
    count_members INTEGER NOT NULL,
    first_mentioned_at TIMESTAMPTZ
);
COMMENT ON TABLE core.ideas IS 'Ideas: groups of suggestions that say the same thing. idea_id never changes once given.';
COMMENT ON COLUMN core.ideas.idea_id IS 'Stable idea id, derived from the suggestion that founded the idea.';
COMMENT ON COLUMN core.ideas.model_id IS 'Embedding model whose space the centroid lives in.';
COMMENT ON COLUMN core.ideas.founding_sentence_id IS 'The first suggestion of the idea (core.suggestions.sentence_id).';
COMMENT ON COLUMN core.ideas.representative_sentence_id IS 'The member closest to the centroid, quoted on dashboards.';
COMMENT ON COLUMN core.ideas.centroid IS 'Mean of the members'' unit embeddings (its direction is the idea''s centre).';
COMMENT ON COLUMN core.ideas.count_members IS 'Number of suggestions grouped in the idea.';
COMMENT ON COLUMN core.ideas.first_mentioned_at IS 'Publication time of the earliest mention (UTC).';

CREATE TABLE core.mentions (
    sentence_id VARCHAR PRIMARY KEY,
    idea_id VARCHAR NOT NULL,
    item_id VARCHAR NOT NULL,
    source_name VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    author VARCHAR,
    mentioned_at TIMESTAMPTZ,
    url VARCHAR,
    language VARCHAR NOT NULL,
    similarity DOUBLE NOT NULL
);
COMMENT ON TABLE core.mentions IS 'Every suggestion assigned to its idea, with where, when and by whom it was said.';
COMMENT ON COLUMN core.mentions.sentence_id IS 'The suggestion sentence (core.suggestions.sentence_id).';
COMMENT ON COLUMN core.mentions.idea_id IS 'The idea it belongs to (core.ideas.idea_id).';
COMMENT ON COLUMN core.mentions.item_id IS 'Item the mention comes from (raw.items.item_id).';
COMMENT ON COLUMN core.mentions.source_name IS 'Configured source of the item.';
COMMENT ON COLUMN core.mentions.channel IS 'Channel of the item: rss, reddit or blog_comments.';
COMMENT ON COLUMN core.mentions.author IS 'Author of the item, if known.';
COMMENT ON COLUMN core.mentions.mentioned_at IS 'Publication time of the item (UTC), else its fetch time.';
COMMENT ON COLUMN core.mentions.url IS 'Link to the original post.';
COMMENT ON COLUMN core.mentions.language IS 'Language of the suggestion: en, fr or und.';
COMMENT ON COLUMN core.mentions.similarity IS 'Cosine similarity to the idea centroid when it was assigned.';

CREATE TABLE meta.schema_version (
    version INTEGER PRIMARY KEY,
    migration_name VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE meta.schema_version IS 'Applied schema migrations, one row each.';
COMMENT ON COLUMN meta.schema_version.version IS 'Migration number.';
COMMENT ON COLUMN meta.schema_version.migration_name IS 'Migration file name.';
COMMENT ON COLUMN meta.schema_version.applied_at IS 'When the migration was applied (UTC).';

CREATE TABLE meta.loads (
    batch_id VARCHAR PRIMARY KEY,
    source_name VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    count_rows INTEGER NOT NULL,
    checksum VARCHAR NOT NULL,
    cursor_json VARCHAR,
    fetched_at TIMESTAMPTZ NOT NULL,
    landing_path VARCHAR NOT NULL
);
COMMENT ON TABLE meta.loads IS 'Landing batches loaded into raw, one row per batch; a batch is loaded at most once.';
COMMENT ON COLUMN meta.loads.batch_id IS 'Landing batch id (content-addressed: same rows, same id).';
COMMENT ON COLUMN meta.loads.source_name IS 'Source that produced the batch.';
COMMENT ON COLUMN meta.loads.channel IS 'Channel of the source.';
COMMENT ON COLUMN meta.loads.count_rows IS 'Number of items in the batch.';
COMMENT ON COLUMN meta.loads.checksum IS 'SHA-256 of the batch Parquet file.';
COMMENT ON COLUMN meta.loads.cursor_json IS 'Source cursor after this batch, as JSON.';
COMMENT ON COLUMN meta.loads.fetched_at IS 'When the batch was fetched (UTC).';
COMMENT ON COLUMN meta.loads.landing_path IS 'Path of the batch file relative to the landing folder.';

CREATE TABLE meta.source_cursors (
    source_name VARCHAR PRIMARY KEY,
    channel VARCHAR NOT NULL,
    cursor_json VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE meta.source_cursors IS 'Incremental cursor of each source, written in the same transaction as its data.';
COMMENT ON COLUMN meta.source_cursors.source_name IS 'Configured source name.';
COMMENT ON COLUMN meta.source_cursors.channel IS 'Channel of the source.';
COMMENT ON COLUMN meta.source_cursors.cursor_json IS 'The cursor (e.g. latest item time, ETag) as JSON.';
COMMENT ON COLUMN meta.source_cursors.batch_id IS 'Landing batch that set this cursor.';
COMMENT ON COLUMN meta.source_cursors.updated_at IS 'Fetch time of that batch (UTC).';

CREATE TABLE meta.source_errors (
    error_id VARCHAR PRIMARY KEY,
    source_name VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    error_kind VARCHAR NOT NULL,
    error_message VARCHAR NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE meta.source_errors IS 'Failed fetches, one row per failure, with the source name and the reason.';
COMMENT ON COLUMN meta.source_errors.error_id IS 'Error id (content-addressed: the same failure recorded twice is one row).';
COMMENT ON COLUMN meta.source_errors.source_name IS 'Source that failed.';
COMMENT ON COLUMN meta.source_errors.channel IS 'Channel of the source.';
COMMENT ON COLUMN meta.source_errors.error_kind IS 'Short kind: http_status, timeout, connection, too_large, not_found, not_a_feed, malformed_feed, ...';
COMMENT ON COLUMN meta.source_errors.error_message IS 'What went wrong, in words, with what to check.';
COMMENT ON COLUMN meta.source_errors.occurred_at IS 'When the fetch was attempted (UTC): the run''s logical time.';

CREATE TABLE meta.runs (
    run_id VARCHAR NOT NULL,
    step VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    counts_json VARCHAR NOT NULL,
    PRIMARY KEY (run_id, step)
);
COMMENT ON TABLE meta.runs IS 'Audit log of pipeline steps that wrote to the warehouse (one row per run and step; a rerun replaces its row).';
COMMENT ON COLUMN meta.runs.run_id IS 'Run id: the Airflow run id, or cli-<timestamp> for CLI runs.';
COMMENT ON COLUMN meta.runs.step IS 'Step name: load, enrich or marts.';
COMMENT ON COLUMN meta.runs.started_at IS 'When the step started (UTC).';
COMMENT ON COLUMN meta.runs.finished_at IS 'When the step finished (UTC).';
COMMENT ON COLUMN meta.runs.counts_json IS 'What the step did, as JSON counts.';

CREATE TABLE marts.top_ideas (
    idea_rank INTEGER NOT NULL,
    idea_id VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    representative_quote VARCHAR NOT NULL,
    representative_url VARCHAR,
    score DOUBLE NOT NULL,
    count_mentions INTEGER NOT NULL,
    count_distinct_authors INTEGER NOT NULL,
    count_items INTEGER NOT NULL,
    count_channels INTEGER NOT NULL,
    channels VARCHAR[] NOT NULL,
    languages VARCHAR[] NOT NULL,
    first_mentioned_at TIMESTAMPTZ,
    last_mentioned_at TIMESTAMPTZ,
    total_engagement BIGINT NOT NULL
);
COMMENT ON TABLE marts.top_ideas IS 'Ideas ranked by score, best first; rebuilt after every enrich step.';
COMMENT ON COLUMN marts.top_ideas.idea_rank IS 'Rank by score, 1 = strongest idea.';
COMMENT ON COLUMN marts.top_ideas.idea_id IS 'Stable idea id (core.ideas.idea_id).';
COMMENT ON COLUMN marts.top_ideas.label IS 'Short label of the idea.';
COMMENT ON COLUMN marts.top_ideas.representative_quote IS 'The member suggestion closest to the idea''s centre, as users wrote it.';
COMMENT ON COLUMN marts.top_ideas.representative_url IS 'Link to the post of the representative quote.';
COMMENT ON COLUMN marts.top_ideas.score IS 'Ranking score: distinct authors + 0.5 x repeat mentions + 0.5 x extra channels + 0.25 x ln(1 + engagement).';
COMMENT ON COLUMN marts.top_ideas.count_mentions IS 'Number of suggestions grouped in the idea.';
COMMENT ON COLUMN marts.top_ideas.count_distinct_authors IS 'Number of distinct authors who made the suggestion (unknown authors count once per item).';
COMMENT ON COLUMN marts.top_ideas.count_items IS 'Number of distinct items (posts, comments) mentioning the idea.';
COMMENT ON COLUMN marts.top_ideas.count_channels IS 'Number of distinct channels mentioning the idea.';
COMMENT ON COLUMN marts.top_ideas.channels IS 'The channels mentioning the idea, sorted.';
COMMENT ON COLUMN marts.top_ideas.languages IS 'The languages of the mentions, sorted.';
COMMENT ON COLUMN marts.top_ideas.first_mentioned_at IS 'Earliest mention (UTC).';
COMMENT ON COLUMN marts.top_ideas.last_mentioned_at IS 'Latest mention (UTC).';
COMMENT ON COLUMN marts.top_ideas.total_engagement IS 'Sum over mentioning items of score + comment count given by the sources.';

CREATE TABLE marts.idea_mentions (
    sentence_id VARCHAR PRIMARY KEY,
    idea_id VARCHAR NOT NULL,
    quote VARCHAR NOT NULL,
    item_title VARCHAR,
    item_id VARCHAR NOT NULL,
    source_name VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    author VARCHAR,
    mentioned_at TIMESTAMPTZ,
    url VARCHAR,
    language VARCHAR NOT NULL
);
COMMENT ON TABLE marts.idea_mentions IS 'Evidence: every mention of every idea with its quote and a link to the original post.';
COMMENT ON COLUMN marts.idea_mentions.sentence_id IS 'The suggestion sentence (core.sentences.sentence_id).';
COMMENT ON COLUMN marts.idea_mentions.idea_id IS 'The idea mentioned (marts.top_ideas.idea_id).';
COMMENT ON COLUMN marts.idea_mentions.quote IS 'The suggestion as the user wrote it.';
COMMENT ON COLUMN marts.idea_mentions.item_title IS 'Title of the post or thread.';
COMMENT ON COLUMN marts.idea_mentions.item_id IS 'The item (raw.items.item_id).';
COMMENT ON COLUMN marts.idea_mentions.source_name IS 'Configured source of the item.';
COMMENT ON COLUMN marts.idea_mentions.channel IS 'Channel: rss, reddit or blog_comments.';
COMMENT ON COLUMN marts.idea_mentions.author IS 'Author of the item, if known.';
COMMENT ON COLUMN marts.idea_mentions.mentioned_at IS 'Publication time (UTC).';
COMMENT ON COLUMN marts.idea_mentions.url IS 'Link to the original post.';
COMMENT ON COLUMN marts.idea_mentions.language IS 'Language of the quote: en, fr or und.';

CREATE TABLE marts.idea_mentions_daily (
    idea_id VARCHAR NOT NULL,
    mention_date DATE NOT NULL,
    channel VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    count_mentions INTEGER NOT NULL,
    PRIMARY KEY (idea_id, mention_date, channel, language)
);
COMMENT ON TABLE marts.idea_mentions_daily IS 'Mentions per idea, day (UTC), channel and language: the trend of each idea.';
COMMENT ON COLUMN marts.idea_mentions_daily.idea_id IS 'The idea (marts.top_ideas.idea_id).';
COMMENT ON COLUMN marts.idea_mentions_daily.mention_date IS 'Day of the mentions (UTC).';
COMMENT ON COLUMN marts.idea_mentions_daily.channel IS 'Channel of the mentions.';
COMMENT ON COLUMN marts.idea_mentions_daily.language IS 'Language of the mentions.';
COMMENT ON COLUMN marts.idea_mentions_daily.count_mentions IS 'Number of mentions that day.';
