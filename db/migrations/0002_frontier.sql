-- Schema v2: a frontier that interleaves hosts, and run counts.

-- host_seq numbers each host's pages in the order they were found, so
-- that the frontier order (depth, host_seq, id) takes one page of every
-- host before a second page of any: a big site cannot starve a small one.
ALTER TABLE pages ADD COLUMN host_seq INTEGER;
DROP INDEX pages_by_state;
CREATE INDEX pages_frontier ON pages(state, depth, host_seq, id);
CREATE INDEX pages_by_next_fetch ON pages(next_fetch_at) WHERE state IN ('fetched','failed','skipped');

-- What a page turned out to be. Sitemaps and feeds list pages and are
-- fetched again on every run, like seeds.
ALTER TABLE pages ADD COLUMN kind TEXT
  CHECK (kind IN ('html','sitemap','sitemapindex','feed','other'));
CREATE INDEX pages_by_kind ON pages(kind) WHERE kind IN ('sitemap','sitemapindex','feed');
-- Pages that declare the same canonical URL are one page.
CREATE INDEX pages_by_canonical ON pages(canonical_url) WHERE canonical_url IS NOT NULL;

ALTER TABLE hosts ADD COLUMN pages_seen INTEGER NOT NULL DEFAULT 0;

ALTER TABLE runs ADD COLUMN pages_not_modified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN pages_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN new_links INTEGER NOT NULL DEFAULT 0;
