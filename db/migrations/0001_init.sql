-- Schema v1. Users query these tables and columns directly (see
-- docs/schema.md): add freely, rename nothing. Times are TEXT in RFC 3339
-- UTC; booleans are INTEGER 0/1.

-- One row per invocation of `ytharvest crawl` (and the other writers).
CREATE TABLE runs (
  id             INTEGER PRIMARY KEY,
  command        TEXT NOT NULL DEFAULT 'crawl',
  started_at     TEXT NOT NULL,
  finished_at    TEXT,
  status         TEXT NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running','ok','blocked','stopped','interrupted','failed')),
  seeds          INTEGER NOT NULL DEFAULT 0,
  pages_fetched  INTEGER NOT NULL DEFAULT 0,
  pages_failed   INTEGER NOT NULL DEFAULT 0,
  refs_found     INTEGER NOT NULL DEFAULT 0,
  new_videos     INTEGER NOT NULL DEFAULT 0,
  videos_fetched INTEGER NOT NULL DEFAULT 0,
  videos_failed  INTEGER NOT NULL DEFAULT 0,
  error          TEXT,
  options        TEXT,
  version        TEXT
) STRICT;

-- Per-host crawl state: robots.txt and politeness.
CREATE TABLE hosts (
  host              TEXT PRIMARY KEY,
  robots_txt        TEXT,
  robots_status     INTEGER,
  robots_fetched_at TEXT,
  crawl_delay_ms    INTEGER,
  next_fetch_at     TEXT
) STRICT;

-- The frontier and every page fetched.
CREATE TABLE pages (
  id             INTEGER PRIMARY KEY,
  url            TEXT NOT NULL UNIQUE,
  final_url      TEXT,
  canonical_url  TEXT,
  host           TEXT NOT NULL,
  depth          INTEGER NOT NULL DEFAULT 0,
  found_from     INTEGER REFERENCES pages(id) ON DELETE SET NULL,
  is_seed        INTEGER NOT NULL DEFAULT 0 CHECK (is_seed IN (0,1)),
  state          TEXT NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued','fetching','fetched','failed','skipped')),
  http_status    INTEGER,
  content_type   TEXT,
  etag           TEXT,
  last_modified  TEXT,
  content_hash   TEXT,
  body_bytes     INTEGER,
  truncated      INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0,1)),
  title          TEXT,
  published_at   TEXT,
  language       TEXT,
  first_seen_at  TEXT NOT NULL,
  fetched_at     TEXT,
  next_fetch_at  TEXT,
  error          TEXT,
  fetch_count    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX pages_by_state ON pages(state, depth, id);
CREATE INDEX pages_by_host ON pages(host);
CREATE INDEX pages_by_found_from ON pages(found_from);

-- Every video referenced by a page, with its metadata once fetched.
CREATE TABLE videos (
  id               TEXT PRIMARY KEY
                   CHECK (length(id) = 11 AND id NOT GLOB '*[^A-Za-z0-9_-]*'),
  status           TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending','ok','private','removed','age_restricted',
                                     'unplayable','live_upcoming','blocked','error')),
  status_reason    TEXT,
  title            TEXT,
  description      TEXT,
  channel_id       TEXT,
  channel_title    TEXT,
  channel_handle   TEXT,
  duration_seconds INTEGER,
  view_count       INTEGER,
  published_at     TEXT,
  thumbnail_url    TEXT,
  is_live          INTEGER NOT NULL DEFAULT 0 CHECK (is_live IN (0,1)),
  is_upcoming      INTEGER NOT NULL DEFAULT 0 CHECK (is_upcoming IN (0,1)),
  category         TEXT,
  keywords         TEXT, -- JSON array of strings
  first_seen_at    TEXT NOT NULL,
  fetched_at       TEXT, -- last definitive answer
  attempted_at     TEXT, -- last attempt, whatever its outcome
  fetch_attempts   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX videos_by_status ON videos(status);
CREATE INDEX videos_by_channel ON videos(channel_id);

-- View-count snapshots, one per successful metadata fetch.
CREATE TABLE video_views (
  video_id   TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  fetched_at TEXT NOT NULL,
  view_count INTEGER NOT NULL,
  PRIMARY KEY (video_id, fetched_at)
) STRICT;

-- One row per (page, referenced thing, way it was referenced).
CREATE TABLE links (
  id            INTEGER PRIMARY KEY,
  page_id       INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
  ref_type      TEXT NOT NULL CHECK (ref_type IN ('video','playlist','channel')),
  ref_id        TEXT NOT NULL,
  video_id      TEXT REFERENCES videos(id),
  playlist_id   TEXT,
  channel_ref   TEXT,
  kind          TEXT NOT NULL,
  url           TEXT,
  start_seconds INTEGER,
  context       TEXT,
  in_body       INTEGER NOT NULL DEFAULT 1 CHECK (in_body IN (0,1)),
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  UNIQUE (page_id, ref_type, ref_id, kind),
  CHECK ((ref_type = 'video') = (video_id IS NOT NULL AND video_id = ref_id)),
  CHECK (ref_type <> 'playlist' OR playlist_id = ref_id),
  CHECK ((ref_type = 'channel') = (channel_ref IS NOT NULL AND channel_ref = ref_id))
) STRICT;
CREATE INDEX links_by_video ON links(video_id);
CREATE INDEX links_by_ref ON links(ref_type, ref_id);

-- Transcripts (one per video, language and kind) and their timed segments.
CREATE TABLE transcripts (
  id           INTEGER PRIMARY KEY,
  video_id     TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
  language     TEXT NOT NULL,
  is_generated INTEGER NOT NULL DEFAULT 0 CHECK (is_generated IN (0,1)),
  name         TEXT,
  source       TEXT NOT NULL,
  fetched_at   TEXT NOT NULL,
  text         TEXT NOT NULL,
  UNIQUE (video_id, language, is_generated)
) STRICT;

CREATE TABLE transcript_segments (
  id            INTEGER PRIMARY KEY,
  transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
  video_id      TEXT NOT NULL,
  language      TEXT NOT NULL,
  start_ms      INTEGER NOT NULL,
  duration_ms   INTEGER NOT NULL,
  text          TEXT NOT NULL
) STRICT;
CREATE INDEX transcript_segments_by_transcript ON transcript_segments(transcript_id, start_ms);
CREATE INDEX transcript_segments_by_video ON transcript_segments(video_id, language, start_ms);

-- Which videos each page references, with the page's facts: the join most
-- questions start from.
CREATE VIEW video_pages AS
SELECT l.video_id, v.title AS video_title, v.channel_title, v.status AS video_status,
       p.id AS page_id, p.url AS page_url, p.title AS page_title, p.host,
       l.kind, l.in_body, l.start_seconds, l.first_seen_at, l.last_seen_at
FROM links l
JOIN videos v ON v.id = l.video_id
JOIN pages p ON p.id = l.page_id
WHERE l.ref_type = 'video';
