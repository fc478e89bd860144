-- Schema v6: drop two pages indexes no query of ytharvest uses. Every new
-- page paid for both (a crawl inserts a few pages per page fetched);
-- pages_frontier serves the frontier, and a user's lookup by host or
-- found_from on a table of this size is a scan of a few milliseconds.

DROP INDEX pages_by_host;
DROP INDEX pages_by_found_from;
