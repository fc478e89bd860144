-- Schema v4: playlists the pages reference, expanded into their videos
-- with --expand-playlists.
CREATE TABLE playlists (
  id             TEXT PRIMARY KEY,
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending','ok','removed','blocked','error')),
  status_reason  TEXT,
  title          TEXT,
  author         TEXT,
  video_count    INTEGER, -- videos listed (at most --max-playlist-videos)
  truncated      INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0,1)),
  first_seen_at  TEXT NOT NULL,
  fetched_at     TEXT,
  attempted_at   TEXT
) STRICT;
