-- Schema v3: the pages found from a page, indexed (SQLite's schema 13).
--
-- Deleting a page sets found_from to NULL on the pages found from it (its
-- foreign key); without an index each deleted page read every page, and a
-- user pruning a site waited for a scan of the frontier per page. Seeds
-- (NULL) are not in it.
CREATE INDEX pages_by_found_from ON pages(found_from) WHERE found_from IS NOT NULL;
