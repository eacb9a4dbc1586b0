-- The case list at national scale (issue 14, BENCHMARKS.md). Keep in step
-- with ../sqlite/0017_case_list_index.sql.
--
-- Every list, count and export of cases filters on a few narrow columns
-- (the reader's scope: status, sealed, assigned_to; the filters: origin,
-- region, due date) and orders by number. This index holds those columns
-- and everything a list row shows, in number order, so that a page or a
-- count can be read from it alone (an index-only scan), never from the
-- wide rows (summary, search document, complainant).
CREATE INDEX cases_list ON cases (year, seq)
    INCLUDE (status, sealed, origin, assigned_to, region_id, due_on, paused_on, intake_on, number, title);

-- The allegation filter: the cases with an allegation of one kind.
CREATE INDEX case_allegations_kind ON case_allegations (kind, case_id);
