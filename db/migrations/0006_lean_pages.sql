-- Schema v6: cheaper page writes.
--
-- Two pages indexes no query of ytharvest uses are dropped: every new page
-- paid for both, and a user's lookup by host or found_from on a table of
-- this size is a scan of a few milliseconds.
DROP INDEX pages_by_host;
DROP INDEX pages_by_found_from;

-- Two partial indexes are redefined without an IN list: SQLite evaluates
-- a partial index's condition on every insert and update of a row, and an
-- IN list builds a temporary table each time, which made updating a
-- fetched page cost 40% more. QueueDue's queries name the same conditions.
DROP INDEX pages_by_next_fetch;
CREATE INDEX pages_by_next_fetch ON pages(next_fetch_at) WHERE next_fetch_at IS NOT NULL;
DROP INDEX pages_by_kind;
CREATE INDEX pages_by_kind ON pages(kind) WHERE kind = 'sitemap' OR kind = 'sitemapindex' OR kind = 'feed';
