-- Schema v8: what a run left out, text pages, and the user's lists.
--
-- A run that fails every seed, or leaves links out of scope, says so in
-- its row: cron reads exit codes, people read runs.
ALTER TABLE runs ADD COLUMN seeds_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN links_out_of_scope INTEGER NOT NULL DEFAULT 0;

-- Text pages (text/plain, text/markdown) are a kind of their own: they are
-- scanned for pasted URLs. Widening a CHECK changes no stored row, so the
-- table's definition is edited in place, as SQLite's documentation allows
-- (https://sqlite.org/lang_altertable.html#otheralter), rather than
-- rebuilding the frontier. RESET reloads the schema before the ALTER
-- below, which bumps the schema cookie for other connections.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '(''html'',''sitemap'',''sitemapindex'',''feed'',''other'')',
                       '(''html'',''text'',''sitemap'',''sitemapindex'',''feed'',''other'')')
WHERE type = 'table' AND name = 'pages';
PRAGMA writable_schema = RESET;

-- An entry of a seed's sitemap or feed is the user's list: it is fetched
-- whatever its host (feeds often live on another host than their pages),
-- and may be redirected anywhere. Links found on it follow the usual scope.
ALTER TABLE pages ADD COLUMN listed INTEGER NOT NULL DEFAULT 0 CHECK (listed IN (0, 1));
