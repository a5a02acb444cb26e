-- 010: a refused first fit of the grouping space is remembered, so enrich does not try it again on every run.
ALTER TABLE core.grouping_spaces ADD COLUMN count_corpus_at_refused_fit INTEGER;
COMMENT ON COLUMN core.grouping_spaces.count_corpus_at_refused_fit IS 'Distinct suggestion texts when enrich last refused to fit this space on the warehouse (the fit would have kept the existing ideas apart worse, see grouping.refit_max_separation_loss); enrich tries again once the corpus has grown by half. NULL: no fit refused.';
