-- Schema v7: what a run left out, and the user's lists.
--
-- A run that fails every seed, or leaves links out of scope, says so in
-- its row: cron reads exit codes, people read runs.
ALTER TABLE runs ADD COLUMN seeds_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN links_out_of_scope INTEGER NOT NULL DEFAULT 0;

-- An entry of a seed's sitemap or feed is the user's list: it is fetched
-- whatever its host (feeds often live on another host than their pages),
-- and may be redirected anywhere. Links found on it follow the usual scope.
ALTER TABLE pages ADD COLUMN listed INTEGER NOT NULL DEFAULT 0 CHECK (listed IN (0, 1));
