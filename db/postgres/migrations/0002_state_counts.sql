-- Schema v2: pages by state and videos by status, under SQLite's names
-- (its schema 11: page_states, video_statuses), so that the same SQL
-- reads either store.
--
-- SQLite keeps them in tables by triggers, for its overview. Here they are
-- views, as the per-site counts of 0001_init.sql are: every worker changes
-- page states and video statuses all the time, and a counter row per state
-- would be one row every one of those transactions updates, serialising
-- the workers on its lock. A view counts when it is read; the store's
-- Stats and Overview count with the same GROUP BY. A state no page is in
-- has no row here, where SQLite keeps its row with 0.

CREATE VIEW page_states AS
SELECT state, count(*) AS pages FROM pages GROUP BY state;

CREATE VIEW video_statuses AS
SELECT status, count(*) AS videos FROM videos GROUP BY status;
