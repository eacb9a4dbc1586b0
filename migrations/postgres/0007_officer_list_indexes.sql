-- Indexes for the officer list's sorts and filters at national scale: the
-- page is picked by walking one of these (they cover the sort columns and
-- the row id, and the search key so that a search filters while it walks),
-- then the 50 rows shown are joined to their units.
-- Keep in step with ../sqlite/0007_officer_list_indexes.sql.
DROP INDEX officers_family_names;
CREATE INDEX officers_by_name ON officers (family_names, given_names, badge_number, search_key);
CREATE INDEX officers_by_status_name ON officers (status, family_names, given_names, badge_number, search_key);
CREATE INDEX officers_by_unit_name ON officers (unit_id, family_names, given_names, badge_number);
CREATE INDEX officers_by_hire_date ON officers (hire_date, badge_number);
