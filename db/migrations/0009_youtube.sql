-- Schema v9: the ways out to YouTube, the Data API's quota, where a
-- video's metadata came from, and the client identities YouTube refused.

-- One row per egress: "direct" (or the HTTPS_PROXY in use), or a proxy as
-- scheme://host:port. A proxy's credentials are never stored. An egress
-- YouTube blocked rests until benched_until, longer for each block in a
-- row (strikes), so that the next cron run skips it too.
CREATE TABLE egresses (
  label             TEXT PRIMARY KEY,
  requests          INTEGER NOT NULL DEFAULT 0,
  blocks            INTEGER NOT NULL DEFAULT 0,
  strikes           INTEGER NOT NULL DEFAULT 0,
  benched_until     TEXT,
  last_block_at     TEXT,
  last_block_reason TEXT,
  updated_at        TEXT NOT NULL
) STRICT;

-- YouTube Data API units spent, per Pacific-time day (the quota's day).
CREATE TABLE youtube_api_quota (
  day   TEXT PRIMARY KEY,
  units INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Where a video's metadata came from: YouTube's player answer, oEmbed
-- (title, channel and thumbnail only, while the player was blocked: the
-- status stays pending or blocked), or the Data API.
ALTER TABLE videos ADD COLUMN metadata_source TEXT
  CHECK (metadata_source IN ('player','oembed','data_api'));
UPDATE videos SET metadata_source = 'player' WHERE title IS NOT NULL;

-- The client identities YouTube refused during the run, with why
-- ("ANDROID 19.44.38: HTTP 400 FAILED_PRECONDITION: ..."; "; " between).
ALTER TABLE runs ADD COLUMN clients_refused TEXT;
