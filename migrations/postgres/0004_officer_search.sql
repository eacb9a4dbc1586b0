-- Accent- and case-folded names and badge number, for search ("xicara pena"
-- finds Xicará Peña). Filled by Vigía (see app/src/officers/search.rs).
-- Keep in step with ../sqlite/0004_officer_search.sql.
ALTER TABLE officers ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
CREATE INDEX officers_status ON officers (status);
CREATE INDEX officers_rank ON officers (rank);
