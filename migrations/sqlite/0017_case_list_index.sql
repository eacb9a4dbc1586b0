-- The case list at national scale (issue 14, BENCHMARKS.md). Keep in step
-- with ../postgres/0017_case_list_index.sql.
--
-- Every list, count and export of cases filters on a few narrow columns
-- (the reader's scope: status, sealed, assigned_to; the filters: origin,
-- region, due date) and orders by number. This index holds those columns
-- and everything a list row shows, in number order: a page, a deep page or
-- a count is read from it alone, never from the wide rows (summary, search
-- document, complainant). Without it, SQLite 3.46 answered the ministry's
-- list (status IN three values) from cases_status and sorted some 19,000
-- rows for each page of 50 (20-37 ms a list on the national demo; 0.3-2.6
-- ms with it).
CREATE INDEX cases_list ON cases (year, seq, status, sealed, origin, assigned_to, region_id,
                                  due_on, paused_on, intake_on, number, title);

-- The allegation filter: the cases with an allegation of one kind.
CREATE INDEX case_allegations_kind ON case_allegations (kind, case_id);
