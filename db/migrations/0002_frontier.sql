-- Schema v2: a frontier that interleaves hosts, and run counts.

-- host_seq numbers each host's pages in the order they were found, so
-- that the frontier order (depth, host_seq, id) takes one page of every
-- host before a second page of any: a big site cannot starve a small one.
ALTER TABLE pages ADD COLUMN host_seq INTEGER;
DROP INDEX pages_by_state;
CREATE INDEX pages_frontier ON pages(state, depth, host_seq, id);
CREATE INDEX pages_by_next_fetch ON pages(next_fetch_at) WHERE state IN ('fetched','failed');

ALTER TABLE hosts ADD COLUMN pages_seen INTEGER NOT NULL DEFAULT 0;

ALTER TABLE runs ADD COLUMN pages_not_modified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN pages_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN new_links INTEGER NOT NULL DEFAULT 0;
